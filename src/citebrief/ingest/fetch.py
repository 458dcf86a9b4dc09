"""Downloading, politely: bounded concurrency in all and per host, a delay between requests
to one host, timeouts, bounded retries with backoff (honouring Retry-After), a size cap.

Every failure becomes ``FetchError`` with a one-line reason; nothing here parses pages.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from citebrief.errors import FetchError
from citebrief.ingest.urls import host_of
from citebrief.models import Fetched
from citebrief.settings import FetchSettings

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _HostGate:
    """At most ``limit`` requests at once to one host, and ``delay`` seconds between starts."""

    def __init__(self, limit: int, delay: float) -> None:
        self.slots = threading.Semaphore(limit)
        self.delay = delay
        self.lock = threading.Lock()
        self.next_start = 0.0

    def __enter__(self) -> None:
        self.slots.acquire()
        with self.lock:
            now = time.monotonic()
            wait = self.next_start - now
            self.next_start = max(now, self.next_start) + self.delay
        if wait > 0:
            time.sleep(wait)

    def __exit__(self, *exc: object) -> None:
        self.slots.release()


class Fetcher:
    """Thread-safe downloader; pass ``client`` to reuse or replace the HTTP client."""

    def __init__(
        self,
        settings: FetchSettings,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.sleep = sleep
        self.client = client or httpx.Client(
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0)),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=settings.fetch_concurrency * 2),
            trust_env=False,
        )
        self._gates: dict[str, _HostGate] = defaultdict(
            lambda: _HostGate(settings.per_host_concurrency, settings.per_host_delay)
        )
        self._gates_lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _gate(self, url: str) -> _HostGate:
        with self._gates_lock:
            return self._gates[host_of(url)]

    def fetch(self, url: str) -> Fetched:
        """Download one URL, retrying what may pass; raise FetchError with a reason."""
        attempts = self.settings.retries + 1
        delay = self.settings.backoff
        last = "no attempt made"
        ends = time.monotonic() + self.settings.deadline
        for attempt in range(attempts):
            wait: float | None = None
            try:
                with self._gate(url):
                    return self._within(url, ends)
            except _Retryable as exc:
                last, wait = exc.reason, exc.retry_after
            except httpx.TimeoutException:
                last = f"timed out after {self.settings.timeout:g} s"
            except httpx.ConnectError as exc:
                last = f"cannot connect: {_short(exc)}"
                if "Name or service not known" in str(exc) or "nodename" in str(exc):
                    raise FetchError(f"unknown host {host_of(url)!r}") from exc
            except httpx.RemoteProtocolError as exc:
                last = f"connection broken: {_short(exc)}"
            except httpx.TooManyRedirects as exc:
                raise FetchError(
                    f"redirect loop or too many redirects (over {self.settings.max_redirects})"
                ) from exc
            except httpx.UnsupportedProtocol as exc:
                raise FetchError(f"unsupported URL: {_short(exc)}") from exc
            except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
                raise FetchError(f"invalid URL: {_short(exc)}") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"HTTP error: {_short(exc)}") from exc
            if attempt + 1 < attempts:
                if wait is not None and wait > self.settings.max_retry_after:
                    raise FetchError(f"{last}; server asks to wait {wait:.0f} s, too long")
                pause = wait if wait is not None else delay
                if time.monotonic() + pause >= ends:
                    break  # no time left for another attempt
                self.sleep(pause)
                delay *= 2
        suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
        raise FetchError(last + suffix)

    def _within(self, url: str, ends: float) -> Fetched:
        """``_get`` in a worker thread, given up at ``ends`` (a monotonic time): a server that
        trickles bytes or never finishes cannot hold the ingest (the abandoned read stops at
        its next chunk, or with the process: the thread is a daemon)."""
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise FetchError(self._late())
        outcome: dict[str, Any] = {}
        finished, cancelled = threading.Event(), threading.Event()

        def work() -> None:
            try:
                outcome["page"] = self._get(url, cancelled)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=work, name="citebrief-get", daemon=True).start()
        if not finished.wait(remaining):
            cancelled.set()
            raise FetchError(self._late())
        if "error" in outcome:
            raise outcome["error"]
        page: Fetched = outcome["page"]
        return page

    def _late(self) -> str:
        return (
            f"no complete answer within {self.settings.deadline:g} s in all"
            " (a slow or endless server; CITEBRIEF_DEADLINE)"
        )

    def _get(self, url: str, cancelled: threading.Event | None = None) -> Fetched:
        cap = self.settings.max_bytes
        with self.client.stream("GET", url) as response:
            status = response.status_code
            if status in RETRY_STATUS:
                reason = f"HTTP {status} {response.reason_phrase}".strip()
                raise _Retryable(reason, _retry_after(response.headers.get("Retry-After")))
            if status >= 400:
                raise FetchError(f"HTTP {status} {response.reason_phrase}".strip())
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FetchError(f"page too large: {int(declared):,} bytes (cap {cap:,})")
            body = bytearray()
            for piece in response.iter_bytes():
                if cancelled is not None and cancelled.is_set():
                    raise FetchError(self._late())
                body.extend(piece)
                if len(body) > cap:
                    raise FetchError(f"page too large: over the {cap:,}-byte cap")
            media_type, _, params = response.headers.get("Content-Type", "").partition(";")
            charset = None
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key.lower() == "charset" and value:
                    charset = value.strip("\"' ")
            return Fetched(
                url=url,
                final_url=str(response.url),
                content=bytes(body),
                content_type=media_type.strip().lower(),
                charset=charset,
                fetched_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            )


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:160]
