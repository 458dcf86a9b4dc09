"""Chunks are exact spans of their article."""

from __future__ import annotations

import gzip
import itertools

from citebrief.corpus.chunking import chunk_text
from citebrief.ingest.extract import extract_html
from tests.conftest import NEWS, paragraphs


def test_every_chunk_is_an_exact_span_of_every_shared_page() -> None:
    pages = sorted((NEWS / "html").glob("*.html.gz"))
    assert len(pages) == 62
    total = 0
    for page in pages:
        text = extract_html(gzip.decompress(page.read_bytes()).decode("utf-8")).text
        spans = chunk_text(text, 800, 120)
        assert spans, page.name
        for span in spans:
            assert text[span.start : span.end] == span.text
            assert len(span.text) <= 800
        assert [s.index for s in spans] == list(range(len(spans)))
        total += len(spans)
    assert total > 62


def test_chunks_cover_the_text_and_overlap() -> None:
    text = "\n\n".join(paragraphs("cover", 12))
    spans = chunk_text(text, 300, 60)
    assert spans[0].start == 0
    assert spans[-1].end == len(text)
    for before, after in itertools.pairwise(spans):
        assert after.start <= before.end + 2  # no text is skipped between chunks


def test_chunking_repeated_text_keeps_spans_in_order() -> None:
    text = ("Same sentence again. " * 200).strip()
    spans = chunk_text(text, 200, 40)
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert [s.start for s in spans] == sorted(s.start for s in spans)
