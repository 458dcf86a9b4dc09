"""Text to chunks with exact character spans (pure).

langchain's RecursiveCharacterTextSplitter decides where to cut; this module then locates each
piece in the article so that ``text[start:end] == chunk`` holds for every chunk, always.
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from citebrief.models import Span

SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )


def chunk_text(
    text: str,
    chunk_size: int = 800,
    chunk_overlap: int = 120,
    splitter: RecursiveCharacterTextSplitter | None = None,
) -> list[Span]:
    """Split ``text`` into overlapping chunks, each with its span in ``text``."""
    splitter = splitter or make_splitter(chunk_size, chunk_overlap)
    spans: list[Span] = []
    cursor = 0  # chunks come in order; each starts at or after the previous one's start
    for piece in splitter.split_text(text):
        start = text.find(piece, cursor)
        if start < 0:  # cannot happen for substrings, but never store a wrong span
            start = text.find(piece)
        if start < 0:
            raise ValueError("chunk not found in text: the splitter changed the text")
        end = start + len(piece)
        spans.append(Span(index=len(spans), start=start, end=end, text=piece))
        cursor = start + 1
    return spans
