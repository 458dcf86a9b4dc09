"""Ranking rules (pure): reciprocal rank fusion, the relevance floor, maximal marginal
relevance with a per-article cap and one article per story, and the evidence minimum.

Everything here is a function of ids, scores and vectors; ``retrieve`` brings them from the
corpus and the vector index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from citebrief.corpus import dedup
from citebrief.errors import ThinEvidenceError, options
from citebrief.models import Passage, Window
from citebrief.text import plural

Vector = np.ndarray[Any, Any]


def fuse(
    dense: Sequence[str],
    keyword: Sequence[str],
    *,
    k: int,
    dense_weight: float = 1.0,
    keyword_weight: float = 1.0,
) -> dict[str, float]:
    """Reciprocal rank fusion of two ranked lists of ids: id -> sum of weight / (k + rank)."""
    fused: dict[str, float] = {}
    for weight, ranked in ((dense_weight, dense), (keyword_weight, keyword)):
        for rank, cid in enumerate(ranked):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank + 1)
    return fused


def by_score(scores: Mapping[str, float]) -> list[str]:
    """Ids, best score first (ties keep their first-seen order)."""
    return sorted(scores, key=lambda c: -scores[c])


def similarities(vectors: Mapping[str, Vector], query: Vector) -> dict[str, float]:
    """Cosine similarity of each unit vector with the query vector."""
    norm = float(np.linalg.norm(query)) or 1.0
    return {cid: float(np.dot(vector, query)) / norm for cid, vector in vectors.items()}


def above_floor(ids: Sequence[str], similarity: Mapping[str, float], floor: float) -> list[str]:
    """The ids (in order) whose similarity to the query reaches the floor; an id without a
    vector never does."""
    return [cid for cid in ids if similarity.get(cid, -1.0) >= floor]


def mmr(
    ids: Sequence[str],
    scores: Mapping[str, float],
    vectors: Mapping[str, Vector],
    article_of: Mapping[str, str],
    signatures: Mapping[str, bytes],
    *,
    limit: int,
    lam: float,
    max_per_article: int,
    collapse_similarity: float,
) -> list[str]:
    """Maximal marginal relevance over ``scores`` (normalised by the best), with at most
    ``max_per_article`` passages an article and one article per story: an article whose MinHash
    signature is at least ``collapse_similarity`` like an article already chosen is skipped."""
    if not ids:
        return []
    top = max(scores[c] for c in ids) or 1.0
    pool = list(ids)
    matrix = np.vstack([vectors[c] for c in pool])
    relevance = np.array([scores[c] / top for c in pool])
    redundancy = np.zeros(len(pool))
    active = np.ones(len(pool), dtype=bool)
    per_article: dict[str, int] = {}
    blocked: set[str] = set()
    chosen: list[str] = []
    while active.any() and len(chosen) < limit:
        position = int(
            np.argmax(np.where(active, lam * relevance - (1 - lam) * redundancy, -np.inf))
        )
        active[position] = False
        best = pool[position]
        article = article_of[best]
        if article in blocked or per_article.get(article, 0) >= max_per_article:
            continue
        if article not in per_article and any(
            dedup.similarity(signatures.get(article, b""), signatures.get(other, b""))
            >= collapse_similarity
            for other in per_article
        ):
            blocked.add(article)
            continue
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(best)
        redundancy = np.maximum(redundancy, matrix @ matrix[position])
    return chosen


def require_evidence(
    query: str,
    window: Window,
    passages: Sequence[Passage],
    *,
    min_passages: int,
    min_articles: int,
) -> None:
    """Raise ThinEvidenceError when the evidence is too thin to write from."""
    articles = {p.article_id for p in passages}
    if len(passages) < min_passages or len(articles) < min_articles:
        raise ThinEvidenceError(
            f"not enough evidence on {query!r} ({window.label()}): "
            f"{plural(len(passages), 'relevant passage')} from {plural(len(articles), 'article')}, "
            f"need {min_passages} from {min_articles}; nothing was written",
            hint=options(window.widening(), "ingest more sources", "rephrase the topic"),
        )
