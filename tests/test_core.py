"""The pure core: URLs, dedup, chunk spans, extraction, feeds, dates, sources."""

from __future__ import annotations

import gzip
import itertools
from datetime import date
from pathlib import Path

import pytest

from citebrief import dedup
from citebrief.chunking import chunk_text
from citebrief.dates import parse_since
from citebrief.errors import UsageError
from citebrief.extract import ExtractionError, decode, extract_html, extract_plain, sniff_binary
from citebrief.feeds import FeedError, parse_feed, parse_sitemap
from citebrief.sources import read_source_list, resolve
from citebrief.urls import article_id, canonical_url
from tests.conftest import CORPUS, NEWS, article_html, paragraphs


# --- URLs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Example.com/a/b/", "https://example.com/a/b"),
        ("http://www.example.com/a", "https://example.com/a"),
        ("https://example.com:443/a#frag", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?b=2&a=1&fbclid=zz", "https://example.com/a?a=1&b=2"),
        ("https://example.com:8080/a/index.html", "https://example.com:8080/a"),
        ("https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"),
    ],
)
def test_canonical_url(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


def test_article_id_is_stable_and_short() -> None:
    assert article_id("https://example.com/a") == article_id("https://example.com/a")
    assert len(article_id("https://example.com/a")) == 12
    assert article_id("https://example.com/a") != article_id("https://example.com/b")


# --- dedup -------------------------------------------------------------------------------------
def test_content_hash_ignores_case_and_spacing() -> None:
    assert dedup.content_hash("A  b\nC") == dedup.content_hash("a b c")


def test_minhash_scores_copies_high_and_unrelated_low() -> None:
    original = " ".join(paragraphs("wire story", 8))
    copy = original.replace("Officials added", "Officers said", 2) + " Reporting by A. Writer."
    unrelated = " ".join(paragraphs("other story", 8))
    sig = dedup.minhash(original)
    assert dedup.similarity(sig, dedup.minhash(copy)) > 0.7
    assert dedup.similarity(sig, dedup.minhash(unrelated)) < 0.2


def test_near_duplicate_index_finds_the_best_match_above_threshold() -> None:
    index = dedup.NearDuplicateIndex(0.7)
    texts = {k: " ".join(paragraphs(k, 6)) for k in ("a", "b", "c")}
    for key, text in texts.items():
        index.add(key, dedup.minhash(text))
    found = index.find(dedup.minhash(texts["b"] + " One more sentence at the end."))
    assert found is not None
    assert found[0] == "b"
    assert index.find(dedup.minhash(" ".join(paragraphs("z", 6)))) is None
    assert index.find(dedup.minhash(texts["b"]), exclude="b") is None


def test_sample_corpus_wire_copies_are_near_duplicates_and_others_are_not() -> None:
    pages = {p.name: p.read_text(encoding="utf-8") for p in (CORPUS / "pages").glob("*.html")}
    texts = {name: extract_html(html).text for name, html in pages.items()}
    sigs = {name: dedup.minhash(t) for name, t in texts.items()}
    pairs = [(a, b, dedup.similarity(sigs[a], sigs[b])) for a in sigs for b in sigs if a < b]
    near = {(a, b) for a, b, s in pairs if s >= 0.7}
    assert len(near) == 2
    assert max(s for a, b, s in pairs if (a, b) not in near) < 0.4


# --- chunking -----------------------------------------------------------------------------------
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


# --- extraction ----------------------------------------------------------------------------------
def test_extract_html_reads_text_and_metadata() -> None:
    html = article_html(
        "Chips and rules",
        paragraphs("meta", 5),
        date="2026-11-12",
        site="Pacific Ledger",
        canonical="https://pl.example/chips",
    )
    found = extract_html(html)
    assert found.title == "Chips and rules"
    assert found.site_name == "Pacific Ledger"
    assert found.published == "2026-11-12"
    assert found.url == "https://pl.example/chips"
    assert found.language == "en"
    assert found.author == "Ada Writer"
    assert "Home" not in found.text
    assert "All rights reserved" not in found.text


def test_sample_pages_carry_the_sample_marker() -> None:
    page = next((CORPUS / "pages").glob("*.html"))
    assert extract_html(page.read_text(encoding="utf-8")).sample is True


@pytest.mark.parametrize("html", ["", "   ", "<html><body><nav>Home</nav></body></html>"])
def test_extract_html_refuses_pages_without_article(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_html(html, min_chars=200)


def test_extract_plain_takes_the_markdown_heading_as_title() -> None:
    found = extract_plain("# Heading here\n\n" + "\n\n".join(paragraphs("md", 3)))
    assert found.title == "Heading here"


def test_extract_plain_refuses_a_list_of_short_lines() -> None:
    with pytest.raises(ExtractionError, match="not an article"):
        extract_plain((CORPUS / "topics.txt").read_text(encoding="utf-8"), min_chars=10)


def test_decode_repairs_a_wrong_declared_charset() -> None:
    data = "Le café est prêt — “quoted”".encode("cp1252")
    decoded = decode(data, "utf-8")
    assert "café" in decoded.text
    assert "“quoted”" in decoded.text
    assert "wrong" in decoded.note


def test_decode_uses_meta_charset() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body>Résumé</body></html>'
    assert "Résumé" in decode(html.encode("latin-1")).text


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7 ...", "application/pdf"),
        (b"\x89PNG\r\n", "image/png"),
        (b"abc\x00def", "application/octet-stream"),
        (b"<html>", None),
    ],
)
def test_sniff_binary(data: bytes, kind: str | None) -> None:
    assert sniff_binary(data) == kind


# --- feeds and sitemaps -------------------------------------------------------------------------
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>https://e.example/a</link>
<pubDate>Tue, 10 Nov 2026 08:00:00 GMT</pubDate></item>
<item><title>B</title><link>/b</link><pubDate>Wed, 18 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>T</title><link rel="self" href="https://e.example/feed"/>
<entry><title>A</title><link href="https://e.example/x"/><updated>2026-11-12T10:00:00Z</updated></entry>
</feed>"""


def test_parse_rss_keeps_links_and_dates() -> None:
    links = parse_feed(RSS, "https://e.example/feed.xml")
    assert [(x.url, x.published) for x in links] == [
        ("https://e.example/a", date(2026, 11, 10)),
        ("https://e.example/b", date(2026, 11, 18)),
    ]


def test_parse_atom_skips_self_link() -> None:
    links = parse_feed(ATOM, "https://e.example/feed")
    assert [(x.url, x.published) for x in links] == [("https://e.example/x", date(2026, 11, 12))]


def test_parse_json_feed() -> None:
    feed = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
        '"url": "https://e.example/j", "date_published": "2026-11-13T00:00:00Z"}]}'
    )
    assert parse_feed(feed, "https://e.example/")[0].published == date(2026, 11, 13)


@pytest.mark.parametrize("bad", ["<rss><channel><item><link>x", "<html><body>hi</body></html>"])
def test_malformed_or_wrong_feed_raises(bad: str) -> None:
    with pytest.raises(FeedError):
        parse_feed(bad, "https://e.example/")


def test_parse_sitemap_and_index() -> None:
    urlset = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://e.example/p1</loc><lastmod>2026-11-11</lastmod></url>
    <url><loc>https://e.example/p2</loc></url></urlset>"""
    parsed = parse_sitemap(urlset, "https://e.example/")
    assert [(p.url, p.published) for p in parsed.pages] == [
        ("https://e.example/p1", date(2026, 11, 11)),
        ("https://e.example/p2", None),
    ]
    index = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://e.example/s1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index, "https://e.example/").sitemaps == ["https://e.example/s1.xml"]


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("7d", date(2026, 11, 19)),
        ("1d", date(2026, 11, 25)),
        ("2w", date(2026, 11, 12)),
        ("2026-11-09", date(2026, 11, 9)),
    ],
)
def test_parse_since(given: str, expected: date) -> None:
    assert parse_since(given, today=date(2026, 11, 25)) == expected


def test_parse_since_rejects_nonsense_with_a_hint() -> None:
    with pytest.raises(UsageError) as caught:
        parse_since("last tuesday")
    assert caught.value.hint
    assert "7d" in caught.value.hint


# --- sources --------------------------------------------------------------------------------------
def test_sample_sources_list_names_every_page() -> None:
    listed = read_source_list(CORPUS / "sources.txt")
    assert listed is not None
    assert len(listed) == len(list((CORPUS / "pages").glob("*.html")))


def test_resolve_lists_directories_and_failures(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.html").write_text("<p>x</p>")
    (tmp_path / "d" / "sub" / "b.md").write_text("# b")
    (tmp_path / "d" / "README.md").write_text("readme")
    (tmp_path / "d" / ".hidden.html").write_text("x")
    (tmp_path / "d" / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / "list.txt").write_text("# comment\n\nd/a.html\nhttps://e.example/x\n")
    (tmp_path / "prose.txt").write_text("This is an article about chips, not a list of sources.")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    items, failures = resolve(
        [
            str(tmp_path / "d"),
            str(tmp_path / "list.txt"),
            str(tmp_path / "prose.txt"),
            str(tmp_path / "doc.pdf"),
            str(tmp_path / "missing.html"),
            "ftp://x.example/f",
        ]
    )
    names = [Path(i.location).name for i in items]
    assert names == ["a.html", "b.md", "a.html", "x", "prose.txt"]
    assert [i.from_walk for i in items] == [True, True, False, False, False]
    reasons = sorted(f.reason for f in failures)
    assert reasons == [
        "no such file or directory, and not a URL",
        "unsupported URL scheme",
        "unsupported file type (supported: .html, .htm, .html.gz, .htm.gz, .xhtml, "
        ".txt, .md, .markdown)",
    ]


def test_near_duplicate_index_grows_and_removes() -> None:
    index = dedup.NearDuplicateIndex(0.7)
    texts = {f"k{i}": " ".join(paragraphs(f"grow {i}", 3)) for i in range(100)}
    for key, text in texts.items():
        index.add(key, dedup.minhash(text))
    found = index.find(dedup.minhash(texts["k77"]))
    assert found is not None
    assert found[0] == "k77"
    index.remove("k77")
    assert index.find(dedup.minhash(texts["k77"])) is None
    assert index.find(dedup.minhash(texts["k78"])) == ("k78", 1.0)
