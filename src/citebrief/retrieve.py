"""Hybrid retrieval: dense (Chroma) and keyword (FTS5 BM25) ranks fused by reciprocal rank
fusion, filtered by a relevance floor and a date window, then diversified with MMR, at most a
few passages per article and one article per story (near-duplicates collapsed).

Every passage gets an opaque key (S1, S2, ...) for the writer to cite.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from citebrief import dedup
from citebrief.errors import CitebriefError
from citebrief.settings import Settings
from citebrief.store import Corpus
from citebrief.vectors import Neighbour, VectorIndex


class ThinEvidenceError(CitebriefError):
    """Too few relevant passages to write anything honest."""


@dataclass(frozen=True, slots=True)
class Window:
    start: date | None = None
    end: date | None = None

    def label(self) -> str:
        if self.start and self.end:
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"since {self.start.isoformat()}"
        if self.end:
            return f"until {self.end.isoformat()}"
        return "all dates"


@dataclass(frozen=True, slots=True)
class Passage:
    key: str
    chunk_id: str
    article_id: str
    start: int
    end: int
    text: str
    score: float  # fused score
    similarity: float  # cosine similarity to the query
    title: str
    site_name: str
    published: str
    url: str


@dataclass(slots=True)
class Retrieval:
    query: str
    window: Window
    passages: list[Passage]
    candidates: int  # after fusion, before the floor
    relevant: int  # above the relevance floor
    settings: dict[str, Any] = field(default_factory=dict)
    vectors: dict[str, Any] = field(default_factory=dict, repr=False)  # key -> unit vector


def _where(window: Window) -> dict[str, Any] | None:
    terms: list[dict[str, Any]] = []
    if window.start:
        terms.append({"day": {"$gte": int(window.start.strftime("%Y%m%d"))}})
    if window.end:
        terms.append({"day": {"$lte": int(window.end.strftime("%Y%m%d"))}})
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _nearest(
    index: VectorIndex, query: str, k: int, window: Window
) -> tuple[np.ndarray[Any, Any], list[Neighbour]]:
    """Embed the query and fetch its nearest chunks: k of them, or 4k when a date window
    will be applied (Chroma's metadata filter is slow on a large collection, so over-fetch
    unfiltered and filter by the corpus's dates instead)."""
    vector = np.asarray(index.embeddings.embed_query(query), dtype=np.float32)
    if window.start is None and window.end is None:
        return vector, index.nearest(vector.tolist(), k)
    # most of the 4k will be dropped: fetch the vectors of those kept, later
    return vector, index.nearest(vector.tolist(), k * 4, with_vectors=False)


def _in_window(
    neighbours: list[Neighbour], owners: dict[str, tuple[str, str]], window: Window
) -> list[Neighbour]:
    low = window.start.isoformat() if window.start else ""
    high = window.end.isoformat() if window.end else "9999"
    return [n for n in neighbours if n.chunk_id in owners and low <= owners[n.chunk_id][1] <= high]


# the settings that shape a retrieval (recorded with every briefing)
RETRIEVAL_SETTINGS = (
    "dense_k",
    "keyword_k",
    "rrf_k",
    "dense_weight",
    "keyword_weight",
    "mmr_lambda",
    "max_passages",
    "max_per_article",
    "relevance_floor",
    "min_passages",
    "min_articles",
)


def _settings_used(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in RETRIEVAL_SETTINGS}


def retrieve(
    query: str,
    *,
    corpus: Corpus,
    index: VectorIndex,
    settings: Settings,
    window: Window | None = None,
    max_passages: int | None = None,
) -> Retrieval:
    window = window or Window()
    limit = max_passages or settings.max_passages
    # the query embedding and the dense search run beside the keyword search (torch, Chroma
    # and SQLite all release the GIL): the slower of the two sets the pace, not their sum
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="citebrief-dense") as pool:
        dense_job = pool.submit(_nearest, index, query, settings.dense_k, window)
        keyword = corpus.keyword_search(
            query,
            k=settings.keyword_k,
            start=window.start.isoformat() if window.start else None,
            end=window.end.isoformat() if window.end else None,
        )
        query_vector, neighbours = dense_job.result()
    owners = corpus.chunk_owners([n.chunk_id for n in neighbours])
    dense = _in_window(neighbours, owners, window)[: settings.dense_k]
    if len(dense) < settings.dense_k and len(neighbours) > settings.dense_k:
        # a narrow window: few of the nearest chunks are in it, so let Chroma filter
        neighbours = index.nearest(
            query_vector.tolist(), settings.dense_k, _where(window), with_vectors=False
        )
        owners = corpus.chunk_owners([n.chunk_id for n in neighbours])
        dense = _in_window(neighbours, owners, window)
    fused: dict[str, float] = {}
    for rank, hit in enumerate(dense):
        fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + settings.dense_weight / (
            settings.rrf_k + rank + 1
        )
    for rank, kw in enumerate(keyword):
        fused[kw.chunk.id] = fused.get(kw.chunk.id, 0.0) + settings.keyword_weight / (
            settings.rrf_k + rank + 1
        )
    if not fused:
        return Retrieval(query, window, [], 0, 0, _settings_used(settings))

    ids = sorted(fused, key=lambda c: -fused[c])
    vectors = {n.chunk_id: n.vector for n in dense if n.vector is not None}
    article_of = {n.chunk_id: owners[n.chunk_id][0] for n in dense}
    article_of.update({kw.chunk.id: kw.chunk.article_id for kw in keyword})
    vectors.update(index.vectors([cid for cid in ids if cid not in vectors]))  # one round trip
    norm = float(np.linalg.norm(query_vector)) or 1.0
    sims = {cid: float(np.dot(vectors[cid], query_vector)) / norm for cid in vectors}
    relevant = [cid for cid in ids if sims.get(cid, -1.0) >= settings.relevance_floor]

    chosen = _mmr(relevant, fused, vectors, article_of, limit, corpus, settings)
    passages = []
    for number, cid in enumerate(chosen, start=1):
        chunk = corpus.chunk(cid)
        article = corpus.get(chunk.article_id) if chunk else None
        if chunk is None or article is None:
            continue  # removed meanwhile
        passages.append(
            Passage(
                key=f"S{number}",
                chunk_id=cid,
                article_id=article.id,
                start=chunk.start,
                end=chunk.end,
                text=chunk.text,
                score=fused[cid],
                similarity=sims[cid],
                title=article.title,
                site_name=article.site_name,
                published=article.published or article.fetched_at[:10],
                url=article.url,
            )
        )
    by_key = {p.key: vectors[p.chunk_id] for p in passages}
    return Retrieval(
        query, window, passages, len(ids), len(relevant), _settings_used(settings), by_key
    )


def _mmr(
    ids: list[str],
    fused: dict[str, float],
    vectors: dict[str, np.ndarray[Any, Any]],
    article_of: dict[str, str],
    limit: int,
    corpus: Corpus,
    settings: Settings,
) -> list[str]:
    """Maximal marginal relevance over fused scores, with a per-article cap and one article
    per story (articles whose MinHash signatures are close count as one)."""
    if not ids:
        return []
    top = max(fused[c] for c in ids)
    relevance = {c: fused[c] / top for c in ids}
    signatures: dict[str, bytes] = {}
    per_article: dict[str, int] = {}
    blocked: set[str] = set()
    chosen: list[str] = []
    pool = list(ids)
    matrix = np.vstack([vectors[c] for c in pool])
    rel = np.array([relevance[c] for c in pool])
    redundancy = np.zeros(len(pool))
    active = np.ones(len(pool), dtype=bool)
    lam = settings.mmr_lambda
    while active.any() and len(chosen) < limit:
        scores = np.where(active, lam * rel - (1 - lam) * redundancy, -np.inf)
        position = int(np.argmax(scores))
        active[position] = False
        best = pool[position]
        article = article_of[best]
        if article in blocked or per_article.get(article, 0) >= settings.max_per_article:
            continue
        if article not in per_article:
            signature = signatures.get(article) or corpus.signature(article)
            signatures[article] = signature
            if any(
                dedup.similarity(signature, signatures[other]) >= settings.collapse_similarity
                for other in per_article
            ):
                blocked.add(article)
                continue
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(best)
        redundancy = np.maximum(redundancy, matrix @ matrix[position])
    return chosen


def require_evidence(retrieval: Retrieval, settings: Settings) -> None:
    """Raise ThinEvidenceError when the evidence is too thin to write from."""
    passages = retrieval.passages
    articles = {p.article_id for p in passages}
    if len(passages) < settings.min_passages or len(articles) < settings.min_articles:
        raise ThinEvidenceError(
            f"not enough evidence on {retrieval.query!r} ({retrieval.window.label()}): "
            f"{len(passages)} relevant passages from {len(articles)} articles, need "
            f"{settings.min_passages} from {settings.min_articles}; nothing was written",
            hint="widen the date window (--since 30d), ingest more sources, or rephrase the topic",
        )
