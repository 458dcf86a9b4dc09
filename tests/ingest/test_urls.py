"""URL canonicalisation and article ids."""

from __future__ import annotations

import pytest

from citebrief.ingest.urls import article_id, canonical_url, is_media, outlet_name


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


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("https://cdn.example/hub/i/r/2021/06/11/thumbnail/1280x720/9f62.JPG", True),
        ("https://cdn.example/clip.mp4?width=640", True),
        ("https://example.com/2021/06/11/g7-vaccines/", False),
        ("https://example.com/news/story.html", False),
        ("https://example.com/report.pdf", False),  # a document may be the article
        ("https://example.com/v1.2/notes", False),
        ("", False),
    ],
)
def test_is_media_tells_a_picture_or_asset_from_a_page(url: str, media: bool) -> None:
    assert is_media(url) is media


@pytest.mark.parametrize(
    ("site_name", "url", "outlet"),
    [
        ("Reuters", "https://www.reuters.com/world/x", "Reuters"),
        (" ", "https://WWW.Reuters.com/world/x", "www.reuters.com"),
        ("", "file:///home/ada/pages/harbor%20gazette.html", "harbor gazette.html"),
        ("", "/home/ada/pages/river-times.html", "river-times.html"),  # a reprint's location
        ("", "", "Unnamed outlet"),
        ("", "C:\\Users\\ada\\pages\\river-times.html", "river-times.html"),
        ("", "C:/Users/ada/pages/river-times.html", "river-times.html"),
        ("", "mailto:desk@example.org", "Unnamed outlet"),
        ("", "data:text/html,<h1>Hi</h1>", "Unnamed outlet"),
        ("", "http://[::1", "Unnamed outlet"),
    ],
)
def test_an_outlet_is_named_by_its_site_its_host_or_its_file(
    site_name: str, url: str, outlet: str
) -> None:
    assert outlet_name(site_name, url) == outlet
