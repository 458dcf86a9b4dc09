"""Hybrid retrieval (I/O): the dense neighbours of a query from the vector index and its
keyword hits from the corpus, in a date window, ranked by ``rank`` (fusion, floor, MMR, caps).

Every passage gets an opaque key (S1, S2, ...) for the writer to cite.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from citebrief.brief import rank
from citebrief.corpus.store import Corpus
from citebrief.corpus.vectors import Neighbour, VectorIndex
from citebrief.models import ALL_DATES, Passage, Retrieval, Window
from citebrief.settings import RetrievalSettings


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where passages come from: the corpus (texts and keyword index), its vector index, and
    the settings that rank them."""

    corpus: Corpus
    index: VectorIndex
    settings: RetrievalSettings


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


def retrieve(
    query: str, evidence: Evidence, window: Window = ALL_DATES, max_passages: int | None = None
) -> Retrieval:
    """The passages that best answer ``query`` in the window, keyed S1, S2, ..."""
    corpus, index, settings = evidence.corpus, evidence.index, evidence.settings
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
    used = {**settings.model_dump(), "max_passages": limit}
    fused = rank.fuse(
        [n.chunk_id for n in dense],
        [hit.chunk.id for hit in keyword],
        k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        keyword_weight=settings.keyword_weight,
    )
    if not fused:
        return Retrieval(query, window, [], 0, 0, used)

    ids = rank.by_score(fused)
    vectors = {n.chunk_id: n.vector for n in dense if n.vector is not None}
    article_of = {n.chunk_id: owners[n.chunk_id][0] for n in dense}
    article_of.update({hit.chunk.id: hit.chunk.article_id for hit in keyword})
    vectors.update(index.vectors([cid for cid in ids if cid not in vectors]))  # one round trip
    similarity = rank.similarities(vectors, query_vector)
    relevant = rank.above_floor(ids, similarity, settings.relevance_floor)
    chosen = rank.mmr(
        relevant,
        fused,
        vectors,
        article_of,
        corpus.signatures_of({article_of[c] for c in relevant}),
        limit=limit,
        lam=settings.mmr_lambda,
        max_per_article=settings.max_per_article,
        collapse_similarity=settings.collapse_similarity,
    )
    passages: list[Passage] = []
    for cid in chosen:
        chunk = corpus.chunk(cid)
        article = corpus.get(chunk.article_id) if chunk else None
        if chunk is None or article is None:
            continue  # removed meanwhile
        passages.append(
            Passage(
                key=f"S{len(passages) + 1}",
                chunk_id=cid,
                article_id=article.id,
                start=chunk.start,
                end=chunk.end,
                text=chunk.text,
                score=fused[cid],
                similarity=similarity[cid],
                title=article.title,
                site_name=article.site_name,
                published=article.day,
                url=article.url,
            )
        )
    by_key = {p.key: vectors[p.chunk_id] for p in passages}
    return Retrieval(query, window, passages, len(ids), len(relevant), used, by_key)
