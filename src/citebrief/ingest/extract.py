"""Pages to articles (pure): decode bytes, recognise what they are, extract text and metadata.

Nothing here touches the network or the disk; ``fetch`` and ``sources`` bring the bytes.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from dataclasses import dataclass
from typing import Any

import lxml.html
import trafilatura
from charset_normalizer import from_bytes
from lxml import etree

from citebrief.errors import ExtractionError
from citebrief.ingest.furniture import without_furniture
from citebrief.ingest.metadata import (
    declares_opinion,
    names_in_page,
    published_date,
    section,
    site_name,
)
from citebrief.ingest.urls import is_media
from citebrief.models import Extracted
from citebrief.text import language_code

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
    }
)
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})

_MAGIC = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"GIF8": "image/gif",
    b"\xff\xd8\xff": "image/jpeg",
    b"PK\x03\x04": "application/zip",
    b"\x1f\x8b": "application/gzip",
    b"RIFF": "image/webp",
    b"\x7fELF": "application/x-executable",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HTML_LANG = re.compile(  # lang="en-US" or xml:lang=, not data-lang= ("English": no code)
    r"""<html\b[^>]*?(?<![-\w])lang\s*=\s*["']?([A-Za-z]{2,3})(?=[-_\s"'>]|$)""", re.I
)
_SAMPLE = re.compile(
    r"""<meta\s+(?:name|property)\s*=\s*["']citebrief:sample["']\s+content\s*=\s*["']true""", re.I
)
_PROSE = re.compile(r"[^\n]{60,}?[.!?](\s|$)")
_MD_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    note: str = ""  # set when the declared charset was wrong and another was used


_BOMS = (  # longest first: a UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _bom(content: bytes) -> str | None:
    return next((codec for bom, codec in _BOMS if content.startswith(bom)), None)


def sniff_binary(content: bytes) -> str | None:
    """The media type of binary content, or None for text (UTF-16 and UTF-32 text has NUL
    bytes, but starts with a byte-order mark)."""
    if _bom(content):
        return None
    for magic, media_type in _MAGIC.items():
        if content.startswith(magic):
            return media_type
    head = content[:2048]
    if b"\x00" in head:
        return "application/octet-stream"
    return None


def gunzip(content: bytes, limit: int) -> bytes:
    """Decompress gzip content, refusing more than ``limit`` bytes (a zip bomb guard)."""
    decompressor = gzip.GzipFile(fileobj=io.BytesIO(content))
    try:
        data = decompressor.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:  # a damaged or truncated archive
        raise ExtractionError(f"damaged gzip data: {exc or type(exc).__name__}") from None
    if len(data) > limit:
        raise ExtractionError(f"page too large after decompression (over {limit:,} bytes)")
    return data


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(content: bytes, declared: str | None = None) -> Decoded:
    """Bytes to text: the declared charset (header, then <meta>), then UTF-8, then detection.

    A page whose declared charset is wrong still decodes, with a note saying so; text that no
    charset explains raises ExtractionError.
    """
    codec = _bom(content)
    if codec is not None:
        return Decoded(content.decode(codec, errors="replace"))
    meta = _META_CHARSET.search(content[:4096])
    candidates = [
        ("header", _known_codec(declared)),
        ("meta", _known_codec(meta.group(1).decode("ascii", "ignore") if meta else None)),
    ]
    stated = [(where, codec) for where, codec in candidates if codec]
    for _, codec in stated:
        try:
            return Decoded(content.decode(codec))
        except UnicodeDecodeError:
            continue
    try:
        text = content.decode("utf-8")
        note = f"declared charset {stated[0][1]} was wrong; decoded as utf-8" if stated else ""
        return Decoded(text, note)
    except UnicodeDecodeError:
        pass
    try:  # the usual mislabelled page is Windows-1252 declared (or defaulted) as UTF-8
        text = content.decode("cp1252")
        what = f"declared charset {stated[0][1]} was wrong" if stated else "no charset declared"
        return Decoded(text, f"{what}; decoded as cp1252")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content[:200_000]).best()
    if best is None or best.encoding is None:
        raise ExtractionError("undecodable text: no character set fits (broken charset)")
    text = content.decode(best.encoding, errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise ExtractionError("undecodable text: too many invalid characters (broken charset)")
    what = f"declared charset {stated[0][1]} was wrong" if stated else "no charset declared"
    return Decoded(text, f"{what}; decoded as {best.encoding}")


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:600].lower()
    return (
        "<rss" in head
        or "<feed" in head
        or "<rdf:rdf" in head
        or head.startswith('{"version": "https://jsonfeed.org')
    )


def looks_like_sitemap(text: str) -> bool:
    head = text.lstrip()[:600].lower()
    return "<urlset" in head or "<sitemapindex" in head


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2048].lower()
    return any(tag in head for tag in ("<!doctype html", "<html", "<head", "<body", "<p>", "<div"))


def _iso_date(value: str | None) -> str:
    if not value:
        return ""
    match = re.match(r"\d{4}-\d{2}-\d{2}", value)
    return match.group(0) if match else ""


LAYOUT_CELL = 1000  # characters: a table cell this long holds prose, not data
_CELL = re.compile(r"<t[dh][\s>]", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")  # lxml refuses it in a str


def _prose_chars(cell: Any) -> int:
    """The characters of a cell's text, its scripts and styles left out."""
    return len(cell.text_content()) - sum(
        len(e.text_content()) for e in cell.iter("script", "style")
    )


def _holds_data(table: Any) -> bool:
    """A table of data: two rows or more of two cells or more (a box of one cell or one column
    holds a caption or a pull quote)."""
    rows = [r for r in table.iter("tr") if next(r.iterancestors("table"), None) is table]
    return len(rows) >= 2 and max(len(r.findall("td")) + len(r.findall("th")) for r in rows) >= 2


def without_layout_tables(html: str) -> str:
    """The page with its layout tables made plain blocks: a table whose cell holds a whole
    article (The Space Review sets its pages in one) would reach the text as a single table
    row, title, byline and every paragraph run together behind "|  |" (1 of the 62 shared news
    pages). Boxes set in its cells (a table of one cell or one column: captions, pull quotes)
    go with it; tables of data, whose cells are short, stay tables, also inside a layout
    table's cell. The page unchanged when it has no such table or cannot be parsed."""
    if not _CELL.search(html):
        return html
    try:
        tree = lxml.html.fromstring(_XML_DECLARATION.sub("", html, count=1))
        cells = [c for c in tree.iter("td", "th") if _prose_chars(c) >= LAYOUT_CELL]
        if not cells:
            return html
        layouts = {id(t): t for c in cells for t in c.iterancestors("table")}
        for table in list(layouts.values()):  # and the boxes set in their cells (captions)
            for inner in table.iter("table"):
                if inner is not table and not _holds_data(inner):
                    layouts[id(inner)] = inner
        for table in layouts.values():
            for element in list(table.iter("thead", "tbody", "tfoot", "tr", "td", "th")):
                if next(element.iterancestors("table"), None) is table:  # not a nested table's
                    element.tag = "div"
            table.tag = "div"
        return str(lxml.html.tostring(tree, encoding="unicode"))
    except (ValueError, etree.ParserError):
        return html


def extract_html(html: str, url: str = "", min_chars: int = 0) -> Extracted:
    """Main text and metadata of an HTML page; ExtractionError when it holds no article."""
    if not html.strip():
        raise ExtractionError("empty page")
    document = trafilatura.bare_extraction(
        without_layout_tables(html),
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        # measured on the shared pages (benchmarks/furniture.py): token F1 against the gold
        # text 0.977 against 0.969 with the defaults, 0.980 with the furniture filter
        favor_precision=True,
    )
    text = (document.text or "").strip() if document is not None else ""
    text, _ = without_furniture(text, (document.title or "") if document is not None else "")
    if len(text) < max(min_chars, 1):
        raise ExtractionError(
            f"no article text found: {len(text)} characters extracted"
            " (empty or boilerplate-only page)"
        )
    lang = _HTML_LANG.search(html[:4096])
    declared_url = (document.url or "").strip()
    if is_media(declared_url):
        declared_url = ""  # its picture's URL, not its own (one AllSides page of 602)
    page_url = declared_url or url  # the canonical URL the page declares, else where it was
    return Extracted(
        text=text,
        title=(document.title or "").strip(),
        author=(document.author or "").strip(),
        site_name=site_name(document.sitename or "", page_url, names_in_page(html)),
        published=published_date(_iso_date(document.date), page_url),
        url=declared_url,
        language=language_code(lang.group(1) if lang else (document.language or "")),
        description=(document.description or "").strip(),
        sample=bool(_SAMPLE.search(html[:20_000])),
        section=section(document.categories, page_url, opinion=declares_opinion(html)),
    )


def extract_plain(text: str, name: str = "", min_chars: int = 0) -> Extracted:
    """A .txt or .md file: the text itself; the title is its first heading or first line."""
    body = text.replace("\r\n", "\n").strip()
    if len(body) < max(min_chars, 1):
        raise ExtractionError(f"no article text found: only {len(body)} characters of text")
    if not _PROSE.search(
        "\n".join(ln for ln in body.split("\n") if not ln.lstrip().startswith("#"))
    ):
        raise ExtractionError("not an article: no sentence of prose (a list of short lines?)")
    heading = _MD_HEADING.search(body)
    first_line = body.split("\n", 1)[0].strip()
    title = heading.group(1) if heading else (first_line if len(first_line) <= 200 else name)
    return Extracted(text=body, title=title)
