"""Hybrid retrieval (I/O): the dense neighbours of a query from the vector index and its
keyword hits from the corpus, in a date window, ranked by ``rank`` (fusion, floor, MMR, caps).

Every passage gets an opaque key (S1, S2, ...) for the writer to cite.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citebrief.corpus.store import Corpus
from citebrief.corpus.vectors import Neighbour, VectorIndex
from citebrief.models import ALL_DATES, Passage, Retrieval, Window
from citebrief.settings import RetrievalSettings
from citebrief.stories import params, rank
from citebrief.stories.cluster import GroupingParams
from citebrief.stories.relevance import RelevanceModel
from citebrief.text import after_title


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where passages and stories come from: the corpus (texts and keyword index), its vector
    index, the settings that rank passages, and the fitted grouping and relevance parameters
    (by default the shipped ones, ``params.load()``): the relevance of a story to a briefing's
    topic (``topics``) and to a question asked (``questions``); the caller says which it asks
    (``find_stories(..., question=...)``)."""

    corpus: Corpus
    index: VectorIndex
    settings: RetrievalSettings
    grouping: GroupingParams = field(default_factory=lambda: params.load().grouping)
    topics: RelevanceModel = field(default_factory=lambda: params.load().topics)
    questions: RelevanceModel = field(default_factory=lambda: params.load().questions)


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


@dataclass(slots=True)
class Hits:
    """The candidate chunks of a query in a window, with what ranking needs of them."""

    query: str
    window: Window
    query_vector: Any
    fused: dict[str, float]  # chunk id -> fused rank score
    vectors: dict[str, Any]  # chunk id -> unit vector
    article_of: dict[str, str]  # chunk id -> article id

    @property
    def similarity(self) -> dict[str, float]:
        return rank.similarities(self.vectors, self.query_vector)


def search(query: str, evidence: Evidence, window: Window = ALL_DATES) -> Hits:
    """The query's dense neighbours (Chroma) and keyword hits (FTS5) in the window, fused."""
    corpus, index, settings = evidence.corpus, evidence.index, evidence.settings
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
    fused = rank.fuse(
        [n.chunk_id for n in dense],
        [hit.chunk.id for hit in keyword],
        k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        keyword_weight=settings.keyword_weight,
    )
    vectors = {n.chunk_id: n.vector for n in dense if n.vector is not None}
    article_of = {n.chunk_id: owners[n.chunk_id][0] for n in dense}
    article_of.update({hit.chunk.id: hit.chunk.article_id for hit in keyword})
    vectors.update(index.vectors([cid for cid in fused if cid not in vectors]))  # one round trip
    return Hits(query, window, query_vector, fused, vectors, article_of)


def add_articles(hits: Hits, evidence: Evidence, article_ids: set[str]) -> None:
    """Make every chunk of these articles a candidate (after the ones already found), ranked
    by its similarity to the query: a story found by its articles' titles and leads may have
    no chunk among the query's nearest."""
    known = set(hits.fused)
    chunks = [c for aid in sorted(article_ids) for c in evidence.corpus.chunks(aid)]
    fresh = [c for c in chunks if c.id not in known]
    if not fresh:
        return
    hits.vectors.update(evidence.index.vectors([c.id for c in fresh]))
    similarity = rank.similarities(
        {c.id: hits.vectors[c.id] for c in fresh if c.id in hits.vectors}, hits.query_vector
    )
    settings = evidence.settings
    for position, cid in enumerate(rank.by_score(similarity)):
        hits.fused[cid] = settings.dense_weight / (settings.rrf_k + len(known) + position + 1)
    hits.article_of.update({c.id: c.article_id for c in fresh})


def prefer_leads(hits: Hits, evidence: Evidence, article_ids: set[str]) -> None:
    """Rank the first passage of each of these articles above every other candidate, in their
    own order: a story's leads say what happened (they are candidates after ``add_articles``)."""
    top = max(hits.fused.values(), default=0.0)
    leads = [chunks[0].id for aid in sorted(article_ids) if (chunks := evidence.corpus.chunks(aid))]
    ranked = sorted((c for c in leads if c in hits.fused), key=lambda c: -hits.fused[c])
    for position, cid in enumerate(ranked):
        hits.fused[cid] = top + (len(ranked) - position) * 1e-3


def select(
    hits: Hits,
    evidence: Evidence,
    limit: int,
    within: set[str] | None = None,
    first_key: int = 1,
    per_article: int | None = None,
) -> list[Passage]:
    """The best ``limit`` passages of the hits, diverse (MMR), at most a few per article
    (``per_article``, by default the settings') and one article per story of near-copies;
    keyed S<first_key>, ... With ``within``, only passages of those articles, and no relevance
    floor: they were chosen already."""
    corpus, settings = evidence.corpus, evidence.settings
    ids = [
        cid
        for cid in rank.by_score(hits.fused)
        if cid in hits.vectors and (within is None or hits.article_of.get(cid) in within)
    ]
    similarity = rank.similarities({c: hits.vectors[c] for c in ids}, hits.query_vector)
    if within is None:
        ids = rank.above_floor(ids, similarity, settings.relevance_floor)
    chosen = rank.mmr(
        ids,
        hits.fused,
        hits.vectors,
        hits.article_of,
        corpus.signatures_of({hits.article_of[c] for c in ids}),
        limit=limit,
        lam=settings.mmr_lambda,
        max_per_article=per_article or settings.max_per_article,
        collapse_similarity=settings.collapse_similarity,
    )
    passages: list[Passage] = []
    for cid in chosen:
        chunk = corpus.chunk(cid)
        article = corpus.get(chunk.article_id) if chunk else None
        if chunk is None or article is None:
            continue  # removed meanwhile
        skip = after_title(chunk.text, article.title)  # the title is the source line's
        passages.append(
            Passage(
                key=f"S{first_key + len(passages)}",
                chunk_id=cid,
                article_id=article.id,
                start=chunk.start + skip,
                end=chunk.end,
                text=chunk.text[skip:],
                score=hits.fused[cid],
                similarity=similarity[cid],
                title=article.title,
                site_name=article.site_name,
                published=article.day,
                url=article.url,
                section=article.section,
                author=article.author,
            )
        )
    return passages


def retrieve(
    query: str, evidence: Evidence, window: Window = ALL_DATES, max_passages: int | None = None
) -> Retrieval:
    """The passages that best answer ``query`` in the window, keyed S1, S2, ..."""
    settings = evidence.settings
    limit = max_passages or settings.max_passages
    hits = search(query, evidence, window)
    passages = select(hits, evidence, limit)
    similarity = hits.similarity
    relevant = sum(1 for c in hits.fused if similarity.get(c, -1.0) >= settings.relevance_floor)
    by_key = {p.key: hits.vectors[p.chunk_id] for p in passages}
    used = {**settings.model_dump(), "max_passages": limit}
    return Retrieval(query, window, passages, len(hits.fused), relevant, used, by_key)
