"""The HTTP edge without sockets (httpx's MockTransport): retries, Retry-After, size caps, and
every failure a one-line reason."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from citebrief.errors import FetchError
from citebrief.ingest.fetch import Fetcher
from citebrief.settings import FetchSettings

Handler = Callable[[httpx.Request], httpx.Response]


def fetcher(handler: Handler, slept: list[float], **settings: object) -> Fetcher:
    values = {"per_host_delay": 0, "retries": 2, "backoff": 0.5, **settings}
    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    return Fetcher(FetchSettings(**values), client=client, sleep=slept.append)  # type: ignore[arg-type]


def test_a_page_comes_back_with_its_type_and_charset() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text="<p>hi</p>", headers={"Content-Type": "text/html; charset=ISO-8859-1"}
        )

    got = fetcher(handler, []).fetch("https://e.example/a")
    assert (got.content, got.content_type, got.charset) == (b"<p>hi</p>", "text/html", "ISO-8859-1")
    assert got.final_url == "https://e.example/a"


def test_a_404_fails_at_once() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(404)

    with pytest.raises(FetchError, match="HTTP 404 Not Found"):
        fetcher(handler, []).fetch("https://e.example/a")
    assert len(calls) == 1


def test_a_503_is_retried_with_doubling_backoff_then_fails() -> None:
    slept: list[float] = []
    with pytest.raises(FetchError, match=r"HTTP 503 Service Unavailable \(after 3 attempts\)"):
        fetcher(lambda r: httpx.Response(503), slept).fetch("https://e.example/a")
    assert slept == [0.5, 1.0]


def test_retry_after_is_honoured() -> None:
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, text="ok")]
    )
    slept: list[float] = []
    assert fetcher(lambda r: next(answers), slept).fetch("https://e.example/a").content == b"ok"
    assert slept == [3.0]


def test_a_retry_after_too_long_fails_without_waiting() -> None:
    slept: list[float] = []
    with pytest.raises(FetchError, match="server asks to wait 600 s, too long"):
        fetcher(lambda r: httpx.Response(429, headers={"Retry-After": "600"}), slept).fetch(
            "https://e.example/a"
        )
    assert slept == []


def test_a_declared_size_over_the_cap_fails_before_reading() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000)

    with pytest.raises(FetchError, match="page too large: 5,000 bytes"):
        fetcher(handler, [], max_bytes=2048).fetch("https://e.example/a")


def test_a_timeout_is_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(FetchError, match=r"timed out after 20 s \(after 3 attempts\)"):
        fetcher(handler, []).fetch("https://e.example/a")
