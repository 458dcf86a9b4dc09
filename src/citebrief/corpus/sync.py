"""Keeping the vector store in step with SQLite, the source of truth.

An article is marked indexed only after its vectors are written; removals are queued in the
same transaction that removes the article. ``sync_vectors`` applies the queue and indexes every
article not marked indexed, so a process killed at any point leaves work the next run finishes.
``crash_point`` is the test hook that proves it.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from citebrief.corpus.store import Corpus
from citebrief.corpus.vectors import VectorIndex
from citebrief.models import Article, Chunk, NoProgress, Progress

_CRASH_COUNTS: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Test hook: ``CITEBRIEF_CRASH_AT=name:N`` kills the process with SIGKILL at the Nth pass
    through point ``name``, to prove that a killed run leaves everything consistent."""
    spec = os.environ.get("CITEBRIEF_CRASH_AT")
    if not spec:
        return
    point, _, count = spec.partition(":")
    if point != name:
        return
    _CRASH_COUNTS[name] = _CRASH_COUNTS.get(name, 0) + 1
    if _CRASH_COUNTS[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def vector_meta(article: Article) -> dict[str, Any]:
    """What each of an article's vectors carries besides its chunk's place."""
    day = article.day
    return {
        "published": day,
        "day": int(day.replace("-", "")) if day else 0,
        "site_name": article.site_name,
    }


def index_batch(
    index: VectorIndex,
    articles: list[Article],
    chunks: list[Chunk],
    progress: Progress,
    step: int = 64,
) -> None:
    """Embed the chunks of some articles and write their vectors, replacing any older ones."""
    index.delete_articles(
        [a.id for a in articles]
    )  # stale vectors of an older text, or of a half-written batch
    crash_point("after-vector-delete")
    vectors: list[list[float]] = []
    for start in range(0, len(chunks), step):
        texts = [c.text for c in chunks[start : start + step]]
        vectors.extend(index.embeddings.embed_documents(texts))
        progress.advance("embed", len(texts))
    index.add_embedded(chunks, vectors, {a.id: vector_meta(a) for a in articles})
    crash_point("after-vector-add")


def sync_vectors(corpus: Corpus, index: VectorIndex, progress: Progress | None = None) -> int:
    """Bring the vector store in step with SQLite: apply queued removals, (re)index every
    article not marked indexed. Returns the number of articles indexed."""
    progress = progress or NoProgress()
    deletes = corpus.pending_vector_deletes()
    if deletes:
        index.delete_articles(deletes)
        corpus.clear_vector_deletes(deletes)
    pending = corpus.pending_index()
    if not pending:
        return 0
    progress.stage("embed")
    done = 0
    for start in range(0, len(pending), 32):
        batch = [a for a in (corpus.get(i) for i in pending[start : start + 32]) if a]
        chunks = [c for a in batch for c in corpus.chunks(a.id)]
        progress.grow("embed", len(chunks))
        index_batch(index, batch, chunks, progress)
        corpus.mark_indexed([a.id for a in batch], {a.id: a.content_hash for a in batch})
        crash_point("after-mark")
        done += len(batch)
    return done
