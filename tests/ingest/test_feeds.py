"""RSS, Atom and JSON feeds and XML sitemaps."""

from __future__ import annotations

from datetime import date

import pytest

from citebrief.errors import FeedError
from citebrief.ingest.feeds import parse_feed, parse_sitemap

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
