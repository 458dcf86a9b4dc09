"""The corpus store and the embedding edge: keyword search, spans, OpenAI-compatible embeddings."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from citebrief import manage
from citebrief.embeddings import make_embeddings, model_key
from citebrief.errors import ConfigError, UsageError
from citebrief.models import Outcome
from citebrief.settings import load_settings
from citebrief.store import MAX_CLAUSES, fts_query, fts_relaxations
from citebrief.vectors import VectorIndex, chroma_client
from tests.conftest import CORPUS, Workspace


@pytest.fixture
def sample(workspace: Workspace) -> Workspace:
    report = workspace.ingest([str(CORPUS / "sources.txt")])
    assert report.count(Outcome.ADDED) == 20
    assert report.count(Outcome.DUPLICATE) == 2
    return workspace


def test_every_sample_chunk_is_an_exact_span_and_indexes_agree(sample: Workspace) -> None:
    assert sample.corpus.integrity_problems() == []
    assert manage.check(sample.corpus, sample.index).problems == []
    for row in sample.corpus.articles():
        article = sample.corpus.get(row["id"])
        assert article is not None
        for chunk in sample.corpus.chunks(article.id):
            assert article.text[chunk.start : chunk.end] == chunk.text


def test_keyword_search_ranks_by_bm25(sample: Workspace) -> None:
    hits = sample.corpus.keyword_search("CXMT HBM3 volume shipments", k=5)
    assert hits
    best = sample.corpus.get(hits[0].chunk.article_id)
    assert best is not None
    assert "CXMT" in best.title


def test_keyword_search_puts_chunks_with_more_of_the_terms_first(sample: Workspace) -> None:
    query = "CXMT HBM3 volume shipments Huawei"
    hits = sample.corpus.keyword_search(query, k=20)
    steps = fts_relaxations(query)
    every = {h.chunk.id for h in sample.corpus._ranked(steps[0], 1000, None, None)}
    four = {h.chunk.id for h in sample.corpus._ranked(steps[1], 1000, None, None)}
    in_all = [h.chunk.id in every for h in hits]
    in_four = [h.chunk.id in four for h in hits]
    assert len(hits) == 20
    assert 0 < sum(in_all) < 20  # some chunks hold every term, not twenty of them
    assert in_all == sorted(in_all, reverse=True)  # those come first
    assert in_four == sorted(in_four, reverse=True)  # then those with four of the five


def test_chunk_owners_give_article_and_day(sample: Workspace) -> None:
    article = sample.corpus.get(sample.corpus.articles(1)[0]["id"])
    assert article is not None
    ids = [c.id for c in sample.corpus.chunks(article.id)]
    owners = sample.corpus.chunk_owners([*ids, "no-such-chunk"])
    assert set(owners) == set(ids)
    assert {owners[i] for i in ids} == {(article.id, article.published or article.fetched_at[:10])}


@pytest.mark.parametrize("query", ['"unbalanced', "NEAR(", "a AND OR", "*", "—"])
def test_keyword_search_survives_fts_syntax_in_queries(sample: Workspace, query: str) -> None:
    sample.corpus.keyword_search(query)  # never an FTS5 syntax error


def test_fts_query_quotes_terms() -> None:
    assert fts_query('Huawei "Ascend" 910C') == '"huawei" OR "ascend" OR "910c"'


def test_fts_relaxations_go_from_all_terms_to_any_term() -> None:
    assert fts_relaxations("the Huawei Ascend 910C") == [
        '"huawei" AND "ascend" AND "910c"',
        '("huawei" AND "ascend") OR ("huawei" AND "910c") OR ("ascend" AND "910c")',
        '"huawei" OR "ascend" OR "910c"',
    ]


def test_fts_relaxations_skip_steps_that_would_be_too_large() -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    steps = fts_relaxations(" ".join(words))
    assert steps[0] == " AND ".join(f'"{w}"' for w in words)
    assert steps[-1] == " OR ".join(f'"{w}"' for w in words)
    assert all(step.count("(") <= MAX_CLAUSES for step in steps)


def test_fts_relaxations_of_only_stopwords_is_empty() -> None:
    assert fts_relaxations("the of and") == []


def test_remove_takes_the_article_out_of_all_three_stores(sample: Workspace) -> None:
    victim = sample.corpus.articles(1)[0]["id"]
    chunk_ids = {c.id for c in sample.corpus.chunks(victim)}
    manage.remove(sample.corpus, sample.index, victim[:6])
    assert sample.corpus.get(victim) is None
    assert not chunk_ids & sample.index.ids()
    assert manage.check(sample.corpus, sample.index).problems == []
    with pytest.raises(UsageError, match="no article"):
        manage.show(sample.corpus, victim)


# --- OpenAI-compatible embeddings, against a real HTTP server on 127.0.0.1 ------------------------
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
    index = VectorIndex(chroma_client(settings), "openai_test", embeddings, model_key(settings))
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


def test_windowed_keyword_search_equals_filtering_every_match(sample: Workspace) -> None:
    day = "coalesce(nullif(a.published, ''), substr(a.fetched_at, 1, 10))"
    days = [r[0] for r in sample.corpus.db.execute(f"SELECT DISTINCT {day} FROM articles a")]
    brute = (
        "SELECT c.id FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid"
        f" JOIN articles a ON a.id = c.article_id WHERE chunks_fts MATCH ?"
        f" AND {day} >= ? AND {day} <= ? ORDER BY f.rank LIMIT ?"
    )
    checked = 0
    for first in sorted(days):
        for k in (1, 2, 5):
            hits = sample.corpus.keyword_search("chips", k=k, start=first, end=first)
            expected = [r[0] for r in sample.corpus.db.execute(brute, ('"chips"', first, first, k))]
            assert [h.chunk.id for h in hits] == expected
            checked += bool(expected)
    assert checked >= 10  # most days have chips in them
