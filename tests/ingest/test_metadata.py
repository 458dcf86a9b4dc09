"""Site names and publication days: the rules, and what they do on the shared news pages."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache

import pytest

from citebrief.brief.style import opinion_kind
from citebrief.errors import ExtractionError
from citebrief.ingest.extract import extract_html
from citebrief.ingest.metadata import (
    PageNames,
    declares_opinion,
    names_in_page,
    published_date,
    registered_domain,
    section,
    site_name,
    url_date,
)
from tests.conftest import NEWS

MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
WRONG = '<meta property="article:published_time" content="2019-10-13T10:00:00Z">'


# --- site names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("found", "url", "page", "expected"),
    [
        ("Copyright 2014", "https://www.wday.ru/a", PageNames(), "wday.ru"),
        ("© 2026 Policy Brief Daily LLC. All rights reserved.", "", PageNames(),
         "Policy Brief Daily LLC"),
        ("https://www.hawaiinewsnow.com", "", PageNames(), "hawaiinewsnow.com"),
        ("https://www.hawaiinewsnow.com/", "https://www.hawaiinewsnow.com/x", PageNames(),
         "hawaiinewsnow.com"),
        ("Wday_", "https://www.wday.ru/a", PageNames(handles=("Wday_",)), "wday.ru"),
        ("", "https://www.hawaiinewsnow.com/story/1", PageNames(), "hawaiinewsnow.com"),
        ("", "", PageNames(), ""),
        ("Hosted", "https://hosted.ap.org/berkshireeagle/a", PageNames(("Hosted",)), "ap.org"),
        ("Nj", "https://www.nj.com/a", PageNames(("nj",), ("njdotcom",)), "nj.com"),
        ("9To5Mac", "https://9to5mac.com/a", PageNames(("9to5Mac",)), "9to5Mac"),
        ("Reuters", "https://www.reuters.com/a", PageNames(("U.S.", "Reuters"), ("Reuters",)),
         "Reuters"),
        ("Wired", "https://www.wired.com/story/a", PageNames(("Wired",), ("wired",)), "Wired"),
        ("Autoracing | F1 | Indy | MotoGP", "", PageNames(), "Autoracing"),
        ("@ScienceAlert", "", PageNames(), "ScienceAlert"),
        ("BBC News", "https://www.bbc.co.uk/news/1", PageNames(("BBC News",)), "BBC News"),
    ],
)  # fmt: skip
def test_site_name_is_a_name_or_the_registered_domain(
    found: str, url: str, page: PageNames, expected: str
) -> None:
    assert site_name(found, url, page) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bbc.co.uk/news/1", "bbc.co.uk"),
        ("https://hosted.ap.org/x", "ap.org"),
        ("http://localhost:8000/x", "localhost"),
        ("https://www.pacificledger.example/x", "pacificledger.example"),
        ("file:///tmp/a.html", ""),
    ],
)
def test_registered_domain(url: str, expected: str) -> None:
    assert registered_domain(url) == expected


def test_names_in_page_reads_meta_tags_and_the_publisher() -> None:
    page = (
        '<head><meta content="9to5Mac" property="og:site_name">'
        "<meta name='twitter:site' content='@9to5mac'>"
        '<meta name="twitter:creator" content="https://twitter.com/someone">'
        '<script type="application/ld+json">{"publisher": {"@type": "Organization",'
        ' "name": "9to5 &amp; Co"}}</script></head>'
    )
    assert names_in_page(page) == PageNames(("9to5Mac", "9to5 & Co"), ("9to5mac", "someone"))


# --- dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.theguardian.com/world/2019/nov/18/story", "2019-11-18"),
        ("https://a.example/2019/11/18/story", "2019-11-18"),
        ("https://a.example/news/2019-11-18-story", "2019-11-18"),
        ("https://a.example/tuft-cells-20191115/", "2019-11-15"),
        ("https://a.example/2019/11/story", ""),  # year and month only
        ("https://a.example/2019/13/45/story", ""),  # not a date
        ("https://a.example/article/11574121884", ""),  # an id, not a date
        ("https://a.example/story?date=2019-11-18", ""),  # only the path counts
        ("", ""),
    ],
)
def test_url_date(url: str, expected: str) -> None:
    assert url_date(url) == expected


def test_a_full_url_date_wins_a_disagreement_with_the_metadata() -> None:
    guardian = "https://www.theguardian.com/world/2019/nov/18/story"
    assert published_date("2019-10-13", guardian) == "2019-11-18"
    assert published_date("2019-10-13", "https://a.example/2019/10/story") == "2019-10-13"
    assert published_date("", guardian) == "2019-11-18"
    assert published_date("2019-10-13", "") == "2019-10-13"


@pytest.mark.parametrize(
    ("categories", "url", "expected"),
    [
        (["Opinion"], "https://www.wsj.com/articles/x", "Opinion"),
        (["World", "Europe"], "https://www.bbc.com/news/world-europe-1", "World; Europe"),
        (["gizmodo.com"], "https://gizmodo.com/a-man", ""),  # the host is no section
        (["Opinion &amp; Analysis", "opinion & analysis"], "", "Opinion & Analysis"),
        (["  News\n"], "", "News"),
        (["a", "b", "c", "d"], "", "a; b; c"),
        (["x" * 61], "", ""),  # a list of names, not a section
        (None, "", ""),
    ],
)
def test_section(categories: list[str] | None, url: str, expected: str) -> None:
    assert section(categories, url) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:opinion" content="true">', True),
        ('<meta data-rh="true" property="article:opinion" content="TRUE">', True),
        ('<meta property="article:opinion" content="false">', False),
        ('<script type="application/ld+json">{"@type": "OpinionNewsArticle"}</script>', True),
        ('<script type="application/ld+json">{"@type": ["OpinionNewsArticle"]}</script>', True),
        ('<script type="application/ld+json">{"@type": "NewsArticle"}</script>', False),
        ("", False),
    ],
)
def test_declares_opinion(head: str, expected: bool) -> None:
    assert declares_opinion(f"<html><head>{head}</head><body></body></html>") is expected


def test_section_starts_with_opinion_when_the_page_declares_it() -> None:
    assert section(["articles"], "", opinion=True) == "Opinion; articles"
    assert section(["Opinion"], "", opinion=True) == "Opinion"
    assert section([], "", opinion=True) == "Opinion"


def test_the_shared_pages_that_declare_opinion_are_the_opinion_pieces() -> None:
    declared = {}
    for path in sorted((NEWS / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        if declares_opinion(html):
            found = extract_html(html)
            declared[found.site_name] = opinion_kind(found.title, found.url, found.section)
    # National Review's column has no "Opinion" in its title, section or URL: only the tag
    assert declared == {
        "NYTimes": "an op-ed",
        "Wall Street Journal": "an op-ed",
        "National Review": "an op-ed",
    }


def test_an_article_section_in_the_head_is_read() -> None:
    page = (
        '<html><head><meta property="article:section" content="Opinion"><title>Is football'
        " violence a crime?</title></head><body><article>"
        + "".join(f"<p>Paragraph {i} of a column about football and the law.</p>" for i in range(8))
        + "</article></body></html>"
    )
    found = extract_html(page, "https://www.wsj.com/articles/is-football-violence-a-crime-1")
    assert found.section == "Opinion"
    assert opinion_kind(found.title, "https://www.wsj.com/articles/x", found.section) == "an op-ed"


# --- on the shared news pages -------------------------------------------------------------------
@cache
def pages() -> list[tuple[str, str, str]]:
    """(id, html, the page's real URL) of the 62 shared pages."""
    gold = json.loads((NEWS / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        (page, gzip.decompress((NEWS / "html" / f"{page}.html.gz").read_bytes()).decode(), g["url"])
        for page, g in sorted(gold.items())
    ]


def test_no_shared_page_keeps_a_site_name_no_reader_would_cite() -> None:
    for page, html, url in pages():
        found = extract_html(html, url)
        name = found.site_name
        handles = {h.lower() for h in names_in_page(html).handles}
        assert name, page
        assert not re.match(r"(?i)https?:|www\.", name), (page, name)
        assert not re.search(r"(?i)copyright|©|[_|]$", name), (page, name)
        assert name.lower() not in handles or name.lower() in {
            d.lower() for d in names_in_page(html).declared
        }, (page, name)
        assert name not in ("Hosted", "Nj"), (page, name)


def test_opinion_sections_of_the_shared_pages_are_their_op_eds() -> None:
    """Of the sections the shared pages declare, those that mark opinion are on the two pages
    titled "Opinion | ..." (The New York Times, The Wall Street Journal) and National Review's
    column, whose page says ``article:opinion`` (its own section is "articles"); "fact check",
    "ideas", "Сolumn" (a Cyrillic С, a blog's category) and the rest mark nothing."""
    declared, opinion = 0, []
    for _, html, url in pages():
        try:
            found = extract_html(html, url)
        except ExtractionError:
            continue
        declared += bool(found.section)
        if opinion_kind("", "", found.section):
            opinion.append(found.title)
    assert declared == 33
    assert sorted(t.split(" | ")[0] for t in opinion) == [
        "Opinion",
        "Opinion",
        "The Impeachment Clock",
    ]


def _known_dates() -> list[tuple[str, str, str, str]]:
    """The shared pages whose real URL holds a full date: (id, html, url, that date)."""
    return [(p, html, url, url_date(url)) for p, html, url in pages() if url_date(url)]


def test_shared_pages_with_a_dated_url_get_that_date() -> None:
    known = _known_dates()
    assert len(known) == 14
    for page, html, url, day in known:
        assert extract_html(html, url).published == day, page
        assert extract_html(html).published == day, page  # from the file, with its canonical


def test_a_wrong_metadata_date_loses_to_the_url_on_the_shared_pages() -> None:
    """Each dated page, its URL written as the Guardian writes it (/2019/nov/18/) and a wrong
    published_time put first in its head: the URL's date is kept (before the rule, the wrong
    date was, on every one of them)."""
    checked = 0
    for page, html, url, day in _known_dates():
        year, month, dom = day.split("-")
        numeric, textual = f"/{year}/{month}/{dom}/", f"/{year}/{MONTHS[int(month) - 1]}/{dom}/"
        if numeric not in url:
            continue  # a date in a slug ("-20191115/") has no month name to write
        head = re.search(r"(?i)<head[^>]*>", html)
        assert head is not None, page
        changed = (html[: head.end()] + WRONG + html[head.end() :]).replace(numeric, textual)
        assert extract_html(changed, url.replace(numeric, textual)).published == day, page
        checked += 1
    assert checked == 13
