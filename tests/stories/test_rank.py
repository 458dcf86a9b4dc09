"""Ranking rules, directly: fusion, the floor, MMR with its caps, the evidence minimum."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from citebrief.corpus import dedup
from citebrief.errors import ThinEvidenceError
from citebrief.models import Passage, Window
from citebrief.stories import rank


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_fuse_adds_weighted_reciprocal_ranks() -> None:
    fused = rank.fuse(["a", "b"], ["b", "c"], k=60, dense_weight=1.0, keyword_weight=2.0)
    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 2 / 61, "c": 2 / 62})


def test_by_score_puts_the_best_first_and_keeps_ties_in_order() -> None:
    assert rank.by_score({"x": 0.1, "y": 0.3, "z": 0.1}) == ["y", "x", "z"]


def test_similarities_are_cosines_with_the_query() -> None:
    found = rank.similarities({"a": unit(1, 0), "b": unit(0, 1)}, np.asarray([2.0, 0.0]))
    assert found == pytest.approx({"a": 1.0, "b": 0.0})


def test_above_floor_keeps_order_and_drops_ids_without_a_vector() -> None:
    assert rank.above_floor(["a", "b", "c"], {"a": 0.5, "c": 0.2}, 0.25) == ["a"]


def _mmr(ids: list[str], **kwargs: object) -> list[str]:
    defaults: dict[str, object] = {
        "scores": {c: 1.0 - i / 10 for i, c in enumerate(ids)},
        "vectors": {c: unit(1, i) for i, c in enumerate(ids)},
        "article_of": {c: c for c in ids},
        "signatures": {},
        "limit": 10,
        "lam": 1.0,
        "max_per_article": 2,
        "collapse_similarity": 0.5,
    }
    defaults.update(kwargs)
    return rank.mmr(ids, **defaults)  # type: ignore[arg-type]


def test_mmr_with_lambda_one_is_pure_relevance() -> None:
    assert _mmr(["a", "b", "c"]) == ["a", "b", "c"]


def test_mmr_stops_at_the_limit() -> None:
    assert _mmr(["a", "b", "c"], limit=2) == ["a", "b"]


def test_mmr_caps_passages_per_article() -> None:
    chosen = _mmr(["a1", "a2", "a3", "b1"], article_of={"a1": "A", "a2": "A", "a3": "A", "b1": "B"})
    assert chosen == ["a1", "a2", "b1"]


def test_mmr_with_lambda_zero_prefers_what_is_least_like_the_chosen() -> None:
    vectors = {"a": unit(1, 0), "b": unit(1, 0.05), "c": unit(0, 1)}
    assert _mmr(["a", "b", "c"], vectors=vectors, lam=0.0, limit=2) == ["a", "c"]


def test_mmr_takes_one_article_per_story() -> None:
    text = " ".join(f"word{i} and more words follow here" for i in range(40))
    copy = dedup.minhash(text)
    other = dedup.minhash("an unrelated article about something else entirely " * 5)
    chosen = _mmr(
        ["a", "b", "c"],
        signatures={"a": copy, "b": copy, "c": other},
    )
    assert chosen == ["a", "c"]


def test_mmr_of_nothing_is_nothing() -> None:
    assert _mmr([]) == []


def passage(key: str, article: str) -> Passage:
    return Passage(key, key, article, 0, 1, "x", 0.1, 0.5, "t", "s", "2026-11-10", "u")


def test_require_evidence_accepts_enough_passages_and_articles() -> None:
    passages = [passage("S1", "a"), passage("S2", "b"), passage("S3", "b")]
    rank.require_evidence("q", Window(), passages, min_passages=3, min_articles=2)


def test_require_evidence_refuses_too_few_articles_with_a_hint() -> None:
    passages = [passage("S1", "a"), passage("S2", "a"), passage("S3", "a")]
    window = Window(date(2026, 11, 9), date(2026, 11, 15))
    with pytest.raises(ThinEvidenceError, match="3 relevant passages from 1 article,") as caught:
        rank.require_evidence("chips", window, passages, min_passages=3, min_articles=2)
    assert "2026-11-09 to 2026-11-15" in caught.value.message
    assert caught.value.hint == (
        "widen the window (--since all), ingest more sources, or rephrase the topic"
    )
    with pytest.raises(ThinEvidenceError) as caught:  # every date already: nothing to widen
        rank.require_evidence("chips", Window(), passages, min_passages=3, min_articles=2)
    assert caught.value.hint == "ingest more sources, or rephrase the topic"
