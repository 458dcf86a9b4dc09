"""Shared fixtures: a private CITEBRIEF_HOME per test, a fast deterministic embedding for
tests that are not about embeddings, a real HTTP server on 127.0.0.1 with scripted routes."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from citebrief.corpus.vectors import VectorIndex, chroma_client
from citebrief.settings import Settings, load_settings
from citebrief.workspace import Workspace
from tests.openai_server import ChatServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
NEWS = SHARED / "news-html"
CORPUS = ROOT / "corpus"


class HashEmbeddings(Embeddings):
    """Bag-of-words hashed into 64 dimensions: deterministic, instant, and similar texts get
    similar vectors. For tests about storage and consistency, not about retrieval quality."""

    dim = 64

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * self.dim
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=2).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


@pytest.fixture(scope="session", autouse=True)
def shared_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One ONNX export of the local model for the whole session (every home, every CLI run
    started by a test) instead of one per home; tests of the export itself set their own."""
    path = tmp_path_factory.mktemp("models")
    before = os.environ.get("CITEBRIEF_MODELS_DIR")
    os.environ["CITEBRIEF_MODELS_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("CITEBRIEF_MODELS_DIR", None)
    else:
        os.environ["CITEBRIEF_MODELS_DIR"] = before


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CITEBRIEF_HOME; polite delays and backoff shrunk for a local server."""
    path = tmp_path / "home"
    monkeypatch.setenv("CITEBRIEF_HOME", str(path))
    monkeypatch.setenv("CITEBRIEF_PER_HOST_DELAY", "0")
    monkeypatch.setenv("CITEBRIEF_BACKOFF", "0.05")
    monkeypatch.setenv("CITEBRIEF_TIMEOUT", "2")
    monkeypatch.delenv("CITEBRIEF_CHROMA_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings()


def hashed_workspace(settings: Settings, **kwargs: object) -> Workspace:
    """A real workspace (real SQLite, real embedded Chroma in the test's home) whose vectors
    come from ``HashEmbeddings``."""
    embeddings = HashEmbeddings()
    index = VectorIndex(chroma_client(settings), settings.index.collection, embeddings, "test:hash")
    return Workspace(settings, index=index, embeddings=embeddings, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def workspace(settings: Settings) -> Iterator[Workspace]:
    ws = hashed_workspace(settings)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def sample(workspace: Workspace) -> Workspace:
    """The sample corpus ingested into this test's workspace (hashed embeddings)."""
    workspace.ingest([CORPUS / "sources.txt"])
    return workspace


# --- a scripted HTTP server on 127.0.0.1 ----------------------------------------------------------
Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class PageServer:
    """Routes map a path to a handler; ``hits`` counts requests per path."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def page(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body

        def handler(request: BaseHTTPRequestHandler) -> None:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                request.send_header(key, value)
            request.end_headers()
            request.wfile.write(data)

        self.routes[path] = handler
        return self.url(path)


@pytest.fixture
def server() -> Iterator[PageServer]:
    pages = PageServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path
            pages.hits[path] = pages.hits.get(path, 0) + 1
            route = pages.routes.get(path) or pages.routes.get(path.split("?")[0])
            if route is None:
                self.send_error(404, "Not Found")
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    pages.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield pages
    finally:
        httpd.shutdown()
        httpd.server_close()


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    date: str = "2026-11-10",
    site: str = "Test Times",
    canonical: str = "",
) -> str:
    """A small but realistic article page with boilerplate around the text."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">
<meta name="author" content="Ada Writer">
<meta property="article:published_time" content="{date}T08:00:00Z">{link}</head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Tech</a></nav>
</header><main><article><h1>{title}</h1>{body}</article></main>
<aside><h3>Related</h3><ul><li><a href="/a">Another story</a></li></ul></aside>
<footer><p>Copyright 2026 {site}. All rights reserved.</p></footer></body></html>"""


def paragraphs(seed: str, n: int = 6) -> list[str]:
    """Distinct, prose-like paragraphs; different seeds give unrelated texts."""
    words = [hashlib.sha256(f"{seed}{i}".encode()).hexdigest()[:7] for i in range(n * 40)]
    out = []
    for p in range(n):
        chunk = words[p * 40 : (p + 1) * 40]
        out.append(
            f"The report on {seed} says "
            + " ".join(chunk[:20])
            + ". Officials added that "
            + " ".join(chunk[20:])
            + " would follow within weeks."
        )
    return out


def pytest_unconfigure(config: pytest.Config) -> None:
    """Collect the HTTP clients the SDKs leave to the garbage collector while warnings are off,
    so that no ResourceWarning is printed after the test summary at interpreter exit."""
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    """The scripted OpenAI-compatible chat server on 127.0.0.1."""
    server = ChatServer().start()
    try:
        yield server
    finally:
        server.close()


def run_cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``citebrief ARGS`` as a user runs it, with ``home`` as CITEBRIEF_HOME and its parent as
    the working folder; the developer's own OpenAI settings are left out, ``env`` added."""
    full = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    full.update(CITEBRIEF_HOME=str(home), COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "citebrief", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=home.parent,
    )
