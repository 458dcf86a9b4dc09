"""Server mode: a real ``chroma run`` on 127.0.0.1, started and stopped by the test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from citebrief.corpus import manage
from citebrief.corpus.vectors import VectorIndex, chroma_client
from citebrief.errors import EmbeddingMismatchError, StoreError
from citebrief.models import Outcome
from citebrief.settings import load_settings
from tests.conftest import HashEmbeddings, PageServer, article_html, hashed_workspace, paragraphs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [binary, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data / "server.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_ingest_and_search_through_a_chroma_server(
    home: Path, chroma_server: str, server: PageServer
) -> None:
    settings = load_settings(chroma_url=chroma_server, collection="server_test")
    ws = hashed_workspace(settings)
    corpus, index = ws.corpus, ws.index
    try:
        urls = [
            server.page(f"/s{i}", article_html(f"Story {i}", paragraphs(f"server {i}")))
            for i in range(3)
        ]
        report = ws.ingest(urls)
        assert [i.outcome for i in report.items] == [Outcome.ADDED] * 3
        assert not settings.chroma_path.exists()  # nothing embedded was created
        assert manage.check(corpus, index).problems == []
        hits = index.nearest(HashEmbeddings().embed_query(paragraphs("server 1")[2]), k=3)
        best = corpus.chunk(hits[0].chunk_id)
        assert best is not None
        assert best.article_id == report.items[1].article_id
        article = corpus.get(best.article_id)
        assert article is not None
        assert article.text[best.start : best.end] == best.text

        again = ws.ingest(urls)
        assert [i.outcome for i in again.items] == [Outcome.UNCHANGED] * 3
        assert index.count() == len(corpus.all_chunk_ids())

        removed = manage.remove(corpus, index, report.items[0].article_id or "")
        assert removed.id == report.items[0].article_id
        assert manage.check(corpus, index).problems == []

        with pytest.raises(EmbeddingMismatchError, match="built with 'test:hash'"):
            VectorIndex(
                chroma_client(settings), settings.index.collection, HashEmbeddings(), "other"
            )
    finally:
        ws.close()


def test_unreachable_chroma_server_is_a_clear_error(home: Path) -> None:
    settings = load_settings(chroma_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(StoreError) as caught:
        chroma_client(settings)
    assert "cannot reach the Chroma server" in caught.value.message
    assert caught.value.hint is not None
    assert "chroma run" in caught.value.hint
