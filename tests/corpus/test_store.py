"""The corpus in SQLite: exact spans, keyword search, date windows, removal."""

from __future__ import annotations

import pytest

from citebrief.corpus import manage
from citebrief.corpus.fts import fts_relaxations
from citebrief.errors import UsageError
from citebrief.models import Outcome
from citebrief.workspace import Workspace
from tests.conftest import CORPUS


@pytest.fixture
def sample(workspace: Workspace) -> Workspace:
    report = workspace.ingest([str(CORPUS / "sources.txt")])
    assert report.count(Outcome.ADDED) == 25
    assert report.count(Outcome.DUPLICATE) == 3
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
    assert {owners[i] for i in ids} == {(article.id, article.day)}


@pytest.mark.parametrize("query", ['"unbalanced', "NEAR(", "a AND OR", "*", "—"])
def test_keyword_search_survives_fts_syntax_in_queries(sample: Workspace, query: str) -> None:
    sample.corpus.keyword_search(query)  # never an FTS5 syntax error


def test_remove_takes_the_article_out_of_all_three_stores(sample: Workspace) -> None:
    victim = sample.corpus.articles(1)[0]["id"]
    chunk_ids = {c.id for c in sample.corpus.chunks(victim)}
    manage.remove(sample.corpus, sample.index, victim[:6])
    assert sample.corpus.get(victim) is None
    assert not chunk_ids & sample.index.ids()
    assert manage.check(sample.corpus, sample.index).problems == []
    with pytest.raises(UsageError, match="no article"):
        manage.show(sample.corpus, victim)


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
