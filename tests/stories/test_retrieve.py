"""Hybrid retrieval from the corpus and the vector index."""

from __future__ import annotations

from datetime import date

from citebrief.models import Window
from citebrief.stories.retrieve import retrieve
from citebrief.workspace import Workspace


def test_retrieval_respects_window_and_per_article_cap(sample: Workspace) -> None:
    window = Window(date(2026, 11, 16), date(2026, 11, 18))
    found = retrieve("export controls talks", sample.evidence, window)
    assert found.passages
    assert all("2026-11-16" <= p.published <= "2026-11-18" for p in found.passages)
    per_article: dict[str, int] = {}
    for passage in found.passages:
        per_article[passage.article_id] = per_article.get(passage.article_id, 0) + 1
    assert max(per_article.values()) <= sample.settings.retrieval.max_per_article
    assert [p.key for p in found.passages] == [f"S{i}" for i in range(1, len(found.passages) + 1)]
