"""Ingesting over real HTTP: every way a source can go wrong becomes one clear outcome with a
one-line reason, the rest of the batch goes on, and the store stays consistent.

Each test runs against the scripted server on 127.0.0.1 from ``conftest`` with a real SQLite
corpus and a real embedded Chroma (hashed embeddings). Settings that matter to a test (timeout,
retries, size cap) are passed as overrides to a workspace built for that test.
"""

from __future__ import annotations

import gzip
import json
import random
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler

import pytest

from citebrief.corpus import manage
from citebrief.ingest.urls import article_id, canonical_url
from citebrief.models import IngestReport, ItemResult, Outcome
from citebrief.settings import load_settings
from citebrief.workspace import Workspace
from tests.conftest import PageServer, article_html, hashed_workspace, paragraphs

MakeWorkspace = Callable[..., Workspace]


# --- helpers ----------------------------------------------------------------------------------
@pytest.fixture
def make_ws(home: object) -> Iterator[MakeWorkspace]:
    """A workspace like conftest's ``workspace``, built from ``load_settings(**overrides)``."""
    made: list[Workspace] = []

    def make(**overrides: object) -> Workspace:
        made.append(hashed_workspace(load_settings(**overrides)))
        return made[-1]

    yield make
    for ws in made:
        ws.close()


def good_page(server: PageServer, name: str = "good") -> str:
    """A healthy article page at ``/name`` whose text is unrelated to every other seed."""
    return server.page(f"/{name}", article_html(f"Good news {name}", paragraphs(name)))


def result_for(report: IngestReport, url: str) -> ItemResult:
    found = [item for item in report.items if item.source == url]
    assert len(found) == 1, f"expected one result for {url}, got {report.items}"
    return found[0]


def assert_added(report: IngestReport, url: str) -> ItemResult:
    result = result_for(report, url)
    assert result.outcome is Outcome.ADDED, result
    assert result.chunks > 0
    return result


def assert_failed(report: IngestReport, url: str, *fragments: str) -> ItemResult:
    result = result_for(report, url)
    assert result.outcome is Outcome.FAILED, result
    assert "\n" not in result.reason
    assert any(f.lower() in result.reason.lower() for f in fragments), result.reason
    return result


def assert_consistent(ws: Workspace, report: IngestReport) -> None:
    """SQLite, FTS and Chroma agree, nothing is pending, and only added items are stored."""
    assert manage.check(ws.corpus, ws.index).problems == []
    stats = ws.corpus.stats()
    assert stats["articles"] == report.count(Outcome.ADDED)
    assert stats["pending_index"] == 0
    assert ws.index.ids() == ws.corpus.all_chunk_ids(indexed_only=False)


def assert_not_stored(ws: Workspace, url: str) -> None:
    assert ws.corpus.get(article_id(canonical_url(url))) is None


def article_text(ws: Workspace, url: str) -> str:
    article = ws.corpus.get(article_id(canonical_url(url)))
    assert article is not None
    return article.text


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def scripted(
    server: PageServer, path: str, responses: list[Callable[[BaseHTTPRequestHandler], None]]
) -> str:
    """A route answering the nth request with ``responses[n]`` (the last one repeats)."""
    count = 0
    lock = threading.Lock()

    def handler(request: BaseHTTPRequestHandler) -> None:
        nonlocal count
        with lock:
            n, count = count, count + 1
        responses[min(n, len(responses) - 1)](request)

    server.routes[path] = handler
    return server.url(path)


def status(code: int, headers: dict[str, str] | None = None) -> Callable[..., None]:
    def respond(request: BaseHTTPRequestHandler) -> None:
        body = f"status {code}".encode()
        request.send_response(code)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(body)

    return respond


def html_response(html: str) -> Callable[..., None]:
    data = html.encode("utf-8")

    def respond(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return respond


def rfc822(day: date) -> str:
    return day.strftime("%a, %d %b %Y 08:00:00 +0000")


# --- network failures ---------------------------------------------------------------------------
def test_unreachable_host_fails_with_cannot_connect(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws(retries=1)
    dead = f"http://127.0.0.1:{closed_port()}/story"
    good = good_page(server)

    report = ws.ingest([dead, good])

    assert_failed(report, dead, "cannot connect")
    assert_added(report, good)
    assert_not_stored(ws, dead)
    assert_consistent(ws, report)


def test_404_fails_and_is_not_retried(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws(retries=2)
    missing = server.url("/missing")
    good = good_page(server)

    report = ws.ingest([missing, good])

    assert_failed(report, missing, "HTTP 404")
    assert server.hits["/missing"] == 1
    assert_added(report, good)
    assert_not_stored(ws, missing)
    assert_consistent(ws, report)


def test_500_every_time_is_retried_then_fails(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws(retries=2)
    broken = scripted(server, "/broken", [status(500)])
    good = good_page(server)

    report = ws.ingest([broken, good])

    result = assert_failed(report, broken, "HTTP 500")
    assert "3 attempts" in result.reason
    assert server.hits["/broken"] == 3
    assert_added(report, good)
    assert_not_stored(ws, broken)
    assert_consistent(ws, report)


@pytest.mark.parametrize(
    ("code", "headers"),
    [(429, {"Retry-After": "0"}), (503, {})],
    ids=["429-retry-after-0", "503"],
)
def test_transient_error_then_success_is_added(
    make_ws: MakeWorkspace, server: PageServer, code: int, headers: dict[str, str]
) -> None:
    ws = make_ws(retries=2)
    busy = scripted(
        server,
        "/busy",
        [status(code, headers), html_response(article_html("Busy story", paragraphs("busy")))],
    )
    good = good_page(server)

    report = ws.ingest([busy, good])

    assert_added(report, busy)
    assert server.hits["/busy"] == 2
    assert_added(report, good)
    assert "officials added that" in article_text(ws, busy).lower()
    assert_consistent(ws, report)


def test_timeout_fails_with_timed_out(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws(timeout=0.5, retries=0)
    release = threading.Event()

    def slow(request: BaseHTTPRequestHandler) -> None:
        release.wait(3)  # far longer than the timeout, unless the test is over
        html_response(article_html("Slow", paragraphs("slow")))(request)

    server.routes["/slow"] = slow
    slow_url = server.url("/slow")
    good = good_page(server)

    try:
        report = ws.ingest([slow_url, good])
    finally:
        release.set()

    assert_failed(report, slow_url, "timed out")
    assert server.hits["/slow"] == 1
    assert_added(report, good)
    assert_not_stored(ws, slow_url)
    assert_consistent(ws, report)


def test_redirect_loop_fails(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws(max_redirects=5, retries=2)
    for here, there in (("/loop1", "/loop2"), ("/loop2", "/loop1")):
        server.routes[here] = status(302, {"Location": there})
    loop = server.url("/loop1")
    good = good_page(server)

    report = ws.ingest([loop, good])

    assert_failed(report, loop, "redirect")
    # a loop is not retried: one pass through the redirect limit
    assert server.hits["/loop1"] + server.hits["/loop2"] <= 5 + 1
    assert_added(report, good)
    assert_not_stored(ws, loop)
    assert_consistent(ws, report)


def test_redirect_to_an_article_is_followed(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    target = server.page("/new-home", article_html("Moved story", paragraphs("moved")))
    server.routes["/old-home"] = status(301, {"Location": "/new-home"})
    moved = server.url("/old-home")

    report = ws.ingest([moved])

    assert_added(report, moved)
    article = ws.corpus.get(result_for(report, moved).article_id or "")
    assert article is not None
    assert article.canonical_url == canonical_url(target)
    assert_consistent(ws, report)


def test_dropped_connection_is_retried_then_fails(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws(retries=2)
    server.routes["/drop"] = lambda request: None  # closes without a response
    dropped = server.url("/drop")
    good = good_page(server)

    report = ws.ingest([dropped, good])

    assert_failed(report, dropped, "connection broken")
    assert server.hits["/drop"] == 3
    assert_added(report, good)
    assert_not_stored(ws, dropped)
    assert_consistent(ws, report)


def test_retry_after_too_long_fails_without_waiting(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws(retries=2, max_retry_after=30)
    limited = scripted(server, "/limited", [status(429, {"Retry-After": "3600"})])
    good = good_page(server)

    report = ws.ingest([limited, good])

    result = assert_failed(report, limited, "HTTP 429")
    assert "too long" in result.reason
    assert server.hits["/limited"] == 1
    assert_added(report, good)
    assert_consistent(ws, report)


def test_broken_gzip_body_fails(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    broken = server.page(
        "/badzip", b"this is not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    good = good_page(server)

    report = ws.ingest([broken, good])

    assert_failed(report, broken, "decompress")
    assert_added(report, good)
    assert_not_stored(ws, broken)
    assert_consistent(ws, report)


@pytest.mark.parametrize(
    "bad",
    [
        "http://127.0.0.1:99999/story",
        "http://127.0.0.1:80a/story",
        "http://[::1/story",
        "http://a..b/story",
    ],
    ids=["port-out-of-range", "port-not-a-number", "broken-ipv6", "empty-idna-label"],
)
def test_malformed_url_source_fails_alone(
    make_ws: MakeWorkspace, server: PageServer, bad: str
) -> None:
    ws = make_ws(retries=0)
    good = good_page(server)

    report = ws.ingest([good, bad])

    result = result_for(report, bad)
    assert result.outcome is Outcome.FAILED
    assert result.reason
    assert_added(report, good)
    assert_consistent(ws, report)


@pytest.mark.parametrize(
    "bad",
    ["http://127.0.0.1:99999/story", "http://a..b/story"],
    ids=["port-out-of-range", "empty-idna-label"],
)
def test_malformed_url_in_feed_fails_alone(
    make_ws: MakeWorkspace, server: PageServer, bad: str
) -> None:
    ws = make_ws(retries=0)
    good = good_page(server)
    feed = server.page(
        "/feed.xml",
        f'<rss version="2.0"><channel><title>T</title><item><link>{good}</link></item>'
        f"<item><link>{bad}</link></item></channel></rss>",
        content_type="application/rss+xml",
    )

    report = ws.ingest([feed])

    assert result_for(report, bad).outcome is Outcome.FAILED
    assert_added(report, good)
    assert_consistent(ws, report)


# --- content that is not an article ------------------------------------------------------------
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 2000


@pytest.mark.parametrize(
    ("body", "content_type", "detected"),
    [
        (_PDF, "application/pdf", "application/pdf"),
        (_PNG, "image/png", "image/png"),
        (random.Random(42).randbytes(4096), "application/octet-stream", "application/"),
        (_PDF, "text/html; charset=utf-8", "application/pdf"),
    ],
    ids=["pdf", "png", "octet-stream", "pdf-lying-as-html"],
)
def test_non_html_fails_with_not_html(
    make_ws: MakeWorkspace, server: PageServer, body: bytes, content_type: str, detected: str
) -> None:
    ws = make_ws()
    binary = server.page("/file", body, content_type=content_type)
    good = good_page(server)

    report = ws.ingest([binary, good])

    result = assert_failed(report, binary, "not HTML")
    assert detected in result.reason
    assert_added(report, good)
    assert_not_stored(ws, binary)
    assert_consistent(ws, report)


_BOILERPLATE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Test Times</title></head><body><header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/tech">Tech</a> <a href="/about">About us</a></nav></header>
<div class="cookie-banner">We use cookies. <button>Accept</button> <button>Reject</button></div>
<main></main>
<footer><p>Copyright 2026 Test Times. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li></ul></footer>
</body></html>"""


@pytest.mark.parametrize(
    "body", [b"", _BOILERPLATE.encode()], ids=["empty-body", "boilerplate-only"]
)
def test_page_without_article_text_fails(
    make_ws: MakeWorkspace, server: PageServer, body: bytes
) -> None:
    ws = make_ws()
    empty = server.page("/empty", body)
    good = good_page(server)

    report = ws.ingest([empty, good])

    assert_failed(report, empty, "no article text", "empty")
    assert_added(report, good)
    assert_not_stored(ws, empty)
    assert_consistent(ws, report)


# --- size cap -----------------------------------------------------------------------------------
_BIG = (article_html("Big story", paragraphs("big", 4)) + "<!-- " + "x" * 100_000 + " -->").encode()


def _streamed_without_length(request: BaseHTTPRequestHandler) -> None:
    """HTTP/1.0 style: no Content-Length; the body ends when the connection closes."""
    request.send_response(200)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.end_headers()
    for start in range(0, len(_BIG), 4096):
        request.wfile.write(_BIG[start : start + 4096])
        request.wfile.flush()
    request.close_connection = True


def _streamed_chunked(request: BaseHTTPRequestHandler) -> None:
    """HTTP/1.1 Transfer-Encoding: chunked, again without Content-Length."""
    request.protocol_version = "HTTP/1.1"
    request.send_response(200)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.send_header("Transfer-Encoding", "chunked")
    request.send_header("Connection", "close")
    request.end_headers()
    for start in range(0, len(_BIG), 4096):
        piece = _BIG[start : start + 4096]
        request.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        request.wfile.flush()
    request.wfile.write(b"0\r\n\r\n")
    request.close_connection = True


def _with_length(request: BaseHTTPRequestHandler) -> None:
    request.send_response(200)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.send_header("Content-Length", str(len(_BIG)))
    request.end_headers()
    request.wfile.write(_BIG)


@pytest.mark.parametrize(
    "handler",
    [_with_length, _streamed_without_length, _streamed_chunked],
    ids=["content-length", "no-length-until-close", "chunked"],
)
def test_page_over_size_cap_fails(
    make_ws: MakeWorkspace,
    server: PageServer,
    handler: Callable[[BaseHTTPRequestHandler], None],
) -> None:
    ws = make_ws(max_bytes=20_000)
    server.routes["/big"] = handler
    big = server.url("/big")
    good = good_page(server)

    report = ws.ingest([big, good])

    result = assert_failed(report, big, "too large")
    assert "20,000" in result.reason
    assert server.hits["/big"] == 1  # a size cap is not retried
    assert_added(report, good)
    assert_not_stored(ws, big)
    assert_consistent(ws, report)


# --- character sets and encodings --------------------------------------------------------------
_PROSE = [
    "The café on Rue Saint-Honoré reopened on Monday, and its owner said she’d “never"
    " expected” such a queue outside the door before seven in the morning.",
    "Regulars described the new menu as naïve but charming; one customer called the crème"
    " brûlée “the best in the arrondissement” while another preferred the pâté.",
    "City officials said the building’s façade had been restored with funds from a heritage"
    " programme that also paid for repairs to three nearby theatres.",
    "The owner, who trained in Zürich and São Paulo, said the renovation took eighteen months"
    " and cost more than she’d planned, but she didn’t regret a euro of it.",
]


def test_wrong_declared_charset_is_decoded_and_noted(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    body = article_html("Café reopens", _PROSE).encode("cp1252")
    cafe = server.page("/cafe", body, content_type="text/html; charset=utf-8")
    good = good_page(server)

    report = ws.ingest([cafe, good])

    result = assert_added(report, cafe)
    assert "declared charset utf-8 was wrong" in result.reason
    text = article_text(ws, cafe)
    for word in ("café", "she’d", "“never expected”", "naïve", "crème brûlée", "Zürich"):
        assert word in text
    assert "\ufffd" not in text
    assert_added(report, good)
    assert_consistent(ws, report)


def test_wrong_declared_charset_with_few_accents_is_decoded_right(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    paras = paragraphs("sparse", 4)
    paras[0] = "Le café a dit: ‘we’re open’. " + paras[0]
    body = article_html("Sparse accents", paras).encode("cp1252")
    sparse = server.page("/sparse", body, content_type="text/html; charset=utf-8")

    report = ws.ingest([sparse])

    assert_added(report, sparse)
    text = article_text(ws, sparse)
    assert "café" in text
    assert "we’re" in text


def test_bytes_no_charset_explains_fail_as_undecodable(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    rng = random.Random(7)
    garbage = bytes(rng.randrange(0x80, 0x100) for _ in range(5000))  # no NUL: not "binary"
    junk = server.page("/junk", garbage, content_type="text/html; charset=utf-8")
    good = good_page(server)

    report = ws.ingest([junk, good])

    assert_failed(report, junk, "undecodable text")
    assert_added(report, good)
    assert_not_stored(ws, junk)
    assert_consistent(ws, report)


def test_gzip_content_encoding_is_decoded(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    paras = paragraphs("zipped")
    compressed = gzip.compress(article_html("Zipped story", paras).encode("utf-8"))
    zipped = server.page("/zipped", compressed, headers={"Content-Encoding": "gzip"})
    good = good_page(server)

    report = ws.ingest([zipped, good])

    assert_added(report, zipped)
    text = article_text(ws, zipped)
    assert paras[0] in text
    assert paras[-1] in text
    assert_added(report, good)
    assert_consistent(ws, report)


# --- feeds and sitemaps -------------------------------------------------------------------------
def test_malformed_feed_fails(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    truncated = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Test Times</title><item><title>One</title><link>http://127.0.0.1/a</link>"
        "</item><item><title>Two</ti"
    )
    feed = server.page("/feed.xml", truncated, content_type="application/rss+xml")
    good = good_page(server)

    report = ws.ingest([feed, good])

    assert_failed(report, feed, "malformed feed")
    assert_added(report, good)
    assert_consistent(ws, report)


_DAYS = [date(2026, 11, 1), date(2026, 11, 5), date(2026, 11, 9)]


def _rss_with_three_items(server: PageServer) -> tuple[str, list[str]]:
    urls = [
        server.page(
            f"/rss-item-{i}",
            article_html(f"Feed story {i}", paragraphs(f"rss{i}"), date=day.isoformat()),
        )
        for i, day in enumerate(_DAYS)
    ]
    items = "".join(
        f"<item><title>Feed story {i}</title><link>{url}</link>"
        f"<pubDate>{rfc822(day)}</pubDate></item>"
        for i, (url, day) in enumerate(zip(urls, _DAYS, strict=True))
    )
    feed = server.page(
        "/rss.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Test Times</title><link>{server.url('/')}</link>{items}</channel></rss>",
        content_type="application/rss+xml",
    )
    return feed, urls


def test_rss_feed_items_are_added(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    feed, urls = _rss_with_three_items(server)
    good = good_page(server)

    report = ws.ingest([feed, good])

    for url, day in zip(urls, _DAYS, strict=True):
        assert_added(report, url)
        article = ws.corpus.get(article_id(canonical_url(url)))
        assert article is not None
        assert article.published == day.isoformat()
    assert_added(report, good)
    assert report.count(Outcome.ADDED) == 4
    assert report.failed == []
    assert_consistent(ws, report)


def test_rss_feed_since_skips_older_items_without_fetching(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    feed, urls = _rss_with_three_items(server)

    report = ws.ingest([feed], since=date(2026, 11, 3))

    assert server.hits.get("/rss-item-0", 0) == 0
    assert all(item.source != urls[0] for item in report.items)
    assert_added(report, urls[1])
    assert_added(report, urls[2])
    assert_not_stored(ws, urls[0])
    assert_consistent(ws, report)


def test_atom_feed_entries_are_added(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    days = ["2026-10-20T09:00:00Z", "2026-10-22T09:00:00Z"]
    urls = [
        server.page(f"/atom-{i}", article_html(f"Atom story {i}", paragraphs(f"atom{i}")))
        for i in range(2)
    ]
    entries = "".join(
        f"<entry><title>Atom story {i}</title><id>urn:test:{i}</id>"
        f'<link rel="alternate" href="{url}"/><published>{day}</published>'
        f"<updated>{day}</updated></entry>"
        for i, (url, day) in enumerate(zip(urls, days, strict=True))
    )
    feed = server.page(
        "/atom.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Test Times</title><id>urn:test</id><updated>{days[1]}</updated>{entries}</feed>",
        content_type="application/atom+xml",
    )
    good = good_page(server)

    report = ws.ingest([feed, good], since=date(2026, 10, 21))

    assert server.hits.get("/atom-0", 0) == 0  # older than since
    assert_added(report, urls[1])
    assert_added(report, good)

    report_all = ws.ingest([feed])
    assert_added(report_all, urls[0])
    assert result_for(report_all, urls[1]).outcome is Outcome.UNCHANGED
    assert ws.corpus.stats()["articles"] == 3
    assert manage.check(ws.corpus, ws.index).problems == []


def test_json_feed_items_are_added(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    urls = [
        server.page(f"/json-{i}", article_html(f"JSON story {i}", paragraphs(f"json{i}")))
        for i in range(2)
    ]
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Test Times",
        "items": [
            {"id": str(i), "url": url, "date_published": f"2026-11-0{i + 1}T08:00:00Z"}
            for i, url in enumerate(urls)
        ],
    }
    feed = server.page("/feed.json", json.dumps(data), content_type="application/feed+json")

    report = ws.ingest([feed])

    for url in urls:
        assert_added(report, url)
    assert_consistent(ws, report)


@pytest.mark.parametrize(
    "items",
    ["null", "5", '[{"url": "URL", "date_published": 20261101}]'],
    ids=["items-null", "items-not-a-list", "date-not-a-string"],
)
def test_malformed_json_feed_does_not_abort_the_batch(
    make_ws: MakeWorkspace, server: PageServer, items: str
) -> None:
    ws = make_ws()
    item = server.page("/json-item", article_html("JSON item", paragraphs("jsonitem")))
    feed = server.page(
        "/feed.json",
        '{"version": "https://jsonfeed.org/version/1.1", "items": ITEMS}'.replace(
            "ITEMS", items.replace("URL", item)
        ),
        content_type="application/feed+json",
    )
    good = good_page(server)

    report = ws.ingest([feed, good])

    assert_added(report, good)
    feed_results = [r for r in report.items if r.source == feed]
    if feed_results:  # the feed as a whole is rejected
        assert feed_results[0].outcome is Outcome.FAILED
        assert "malformed JSON feed" in feed_results[0].reason
    else:  # or its item is read, ignoring the bad date
        assert_added(report, item)
    assert_consistent(ws, report)


def test_sitemap_and_sitemap_index_pages_are_added(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(paths: list[tuple[str, str]]) -> str:
        entries = "".join(
            f"<url><loc>{server.url(p)}</loc><lastmod>{day}</lastmod></url>" for p, day in paths
        )
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>{entries}</urlset>'

    pages = {
        f"/sm-{name}": server.page(
            f"/sm-{name}", article_html(f"Sitemap {name}", paragraphs(f"sm{name}"))
        )
        for name in ("a1", "a2", "b1", "c1", "old")
    }
    plain = server.page(
        "/sitemap.xml",
        urlset([("/sm-c1", "2026-11-08"), ("/sm-old", "2020-01-01")]),
        content_type="application/xml",
    )
    server.page(
        "/sitemap-a.xml",
        urlset([("/sm-a1", "2026-11-01"), ("/sm-a2", "2026-11-02")]),
        content_type="application/xml",
    )
    server.page("/sitemap-b.xml", urlset([("/sm-b1", "2026-11-03")]), content_type="text/xml")
    index = server.page(
        "/sitemap-index.xml",
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {ns}>'
        f"<sitemap><loc>{server.url('/sitemap-a.xml')}</loc></sitemap>"
        f"<sitemap><loc>{server.url('/sitemap-b.xml')}</loc></sitemap></sitemapindex>",
        content_type="application/xml",
    )

    report = ws.ingest([plain, index], since=date(2025, 1, 1))

    for name in ("a1", "a2", "b1", "c1"):
        assert_added(report, pages[f"/sm-{name}"])
    assert server.hits.get("/sm-old", 0) == 0  # lastmod before since
    assert server.hits["/sitemap-a.xml"] == 1
    assert server.hits["/sitemap-b.xml"] == 1
    assert report.failed == []
    assert_consistent(ws, report)


def test_home_page_feed_is_discovered(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    urls = [
        server.page(f"/found-{i}", article_html(f"Found story {i}", paragraphs(f"found{i}")))
        for i in range(2)
    ]
    items = "".join(
        f"<item><title>Found {i}</title><link>{url}</link></item>" for i, url in enumerate(urls)
    )
    server.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>',
        content_type="application/rss+xml",
    )
    home_page = server.page(
        "/",
        _BOILERPLATE.replace(
            "</title>",
            '</title><link rel="alternate" type="application/rss+xml" href="/feed.xml">',
        ),
    )

    report = ws.ingest([home_page])

    assert server.hits["/feed.xml"] == 1
    for url in urls:
        assert_added(report, url)
    assert report.failed == []
    assert_not_stored(ws, home_page)
    assert_consistent(ws, report)


# --- deduplication ------------------------------------------------------------------------------
def test_same_url_spellings_are_fetched_once(make_ws: MakeWorkspace, server: PageServer) -> None:
    ws = make_ws()
    story = server.page("/story", article_html("The story", paragraphs("story")))
    variants = [
        server.url("/story?utm_source=x&utm_medium=y"),
        server.url("/story#section"),
        server.url("/story/"),
    ]

    report = ws.ingest([story, *variants])

    added = assert_added(report, story)
    for url in variants:
        result = result_for(report, url)
        assert result.outcome is Outcome.DUPLICATE, result
        assert "same URL" in result.reason
        assert result.article_id == added.article_id
    assert server.hits == {"/story": 1}
    assert_consistent(ws, report)


def test_same_text_and_near_duplicates_are_caught(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    paras = paragraphs("copy")
    html = article_html("Original story", paras)
    first = server.page("/copy-a", html)
    same = server.page("/copy-b", html)
    edited = list(paras)
    edited[2] = " ".join(edited[2].split()[:20]) + "."  # a trimmed paragraph
    edited[-1] += " Additional reporting by Ben Jones in Lisbon."  # an added sentence
    near = server.page(
        "/syndicated",
        article_html("Syndicated: a different headline", edited, site="Other Gazette"),
    )
    unrelated = server.page("/other", article_html("Other story", paragraphs("unrelated")))

    report = ws.ingest([first, same, near, unrelated])

    original = assert_added(report, first)
    same_result = result_for(report, same)
    assert same_result.outcome is Outcome.DUPLICATE
    assert "same text" in same_result.reason
    assert same_result.article_id == original.article_id
    near_result = result_for(report, near)
    assert near_result.outcome is Outcome.DUPLICATE
    assert "near-duplicate" in near_result.reason
    assert near_result.article_id == original.article_id
    assert_added(report, unrelated)
    assert ws.corpus.stats()["duplicates"] == 2
    assert_not_stored(ws, same)
    assert_not_stored(ws, near)
    assert_consistent(ws, report)

    # a known duplicate is recognised before fetching on the next run
    before = server.hits["/copy-b"]
    again = ws.ingest([same])
    assert result_for(again, same).outcome is Outcome.DUPLICATE
    assert server.hits["/copy-b"] == before


# --- idempotence and updates --------------------------------------------------------------------
def test_an_unchanged_page_fills_in_the_section_a_corpus_stored_without_it(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    """A corpus written before sections were read (schema 4) learns them on the next ingest,
    without re-indexing what did not change."""
    ws = make_ws()
    html = article_html("The memory rule backfires", paragraphs("section", 8)).replace(
        "<head>", '<head><meta property="article:section" content="Opinion">', 1
    )
    url = server.page("/opinion-less-url", html)
    aid = article_id(canonical_url(url))
    assert result_for(ws.ingest([url]), url).outcome is Outcome.ADDED
    ws.corpus.set_section(aid, "")  # as migration 5 leaves an article stored before it
    vectors = ws.index.count()

    again = ws.ingest([url])

    assert result_for(again, url).outcome is Outcome.UNCHANGED
    stored = ws.corpus.get(aid)
    assert stored is not None
    assert stored.section == "Opinion"
    assert ws.index.count() == vectors


def test_second_run_is_unchanged_and_changed_text_replaces_old_chunks(
    make_ws: MakeWorkspace, server: PageServer
) -> None:
    ws = make_ws()
    urls = [
        server.page(f"/idem-{i}", article_html(f"Idem {i}", paragraphs(f"idem{i}", 8)))
        for i in range(3)
    ]

    first = ws.ingest(urls)
    assert [result_for(first, u).outcome for u in urls] == [Outcome.ADDED] * 3
    assert_consistent(ws, first)
    stats, vectors = ws.corpus.stats(), ws.index.count()

    second = ws.ingest(urls)
    assert [result_for(second, u).outcome for u in urls] == [Outcome.UNCHANGED] * 3
    assert ws.corpus.stats() == stats
    assert ws.index.count() == vectors
    assert manage.check(ws.corpus, ws.index).problems == []

    # the text at /idem-0 changes
    changed = urls[0]
    aid = article_id(canonical_url(changed))
    old = ws.corpus.get(aid)
    assert old is not None
    old_word = next(w for w in paragraphs("idem0", 8)[0].split() if w.isalnum() and len(w) == 7)
    assert any(h.chunk.article_id == aid for h in ws.corpus.keyword_search(old_word))
    old_chunk_ids = {c.id for c in ws.corpus.chunks(aid)}
    new_paras = paragraphs("idem0-rewritten", 8)
    server.page("/idem-0", article_html("Idem 0 (updated)", new_paras))

    third = ws.ingest(urls)

    assert result_for(third, changed).outcome is Outcome.UPDATED
    assert [result_for(third, u).outcome for u in urls[1:]] == [Outcome.UNCHANGED] * 2
    new = ws.corpus.get(aid)
    assert new is not None
    assert new.content_hash != old.content_hash
    assert new_paras[0] in new.text
    assert ws.corpus.keyword_search(old_word) == []
    chunk_ids = ws.corpus.all_chunk_ids(indexed_only=False)
    assert not old_chunk_ids & chunk_ids
    vector_ids = ws.index.ids()
    assert not any(v.startswith(f"{aid}-{old.content_hash[:8]}") for v in vector_ids)
    assert any(v.startswith(f"{aid}-{new.content_hash[:8]}") for v in vector_ids)
    assert vector_ids == chunk_ids
    assert ws.corpus.stats()["articles"] == 3
    assert manage.check(ws.corpus, ws.index).problems == []
