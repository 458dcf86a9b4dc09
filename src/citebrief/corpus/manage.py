"""Seeing and managing the corpus: stats, consistency checks, removal, re-indexing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from citebrief.corpus.store import Corpus
from citebrief.corpus.sync import sync_vectors
from citebrief.corpus.vectors import VectorIndex
from citebrief.errors import UsageError
from citebrief.models import Article, Progress
from citebrief.text import plural


def resolve_id(corpus: Corpus, given: str) -> str:
    """An article id from a full id or a unique prefix of at least 4 characters."""
    if corpus.get(given) is not None:
        return given
    matches = corpus.find_id(given) if len(given) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UsageError(
            f"article id {given!r} is ambiguous ({', '.join(matches)})",
            hint="give more characters of the id",
        )
    raise UsageError(f"no article with id {given!r}", hint="'citebrief corpus list' shows the ids")


def show(corpus: Corpus, given: str) -> Article:
    article = corpus.get(resolve_id(corpus, given))
    assert article is not None
    return article


def remove(corpus: Corpus, index: VectorIndex, given: str) -> Article:
    """Remove an article from SQLite, the keyword index and the vector store."""
    article = show(corpus, given)
    corpus.remove(article.id)  # queues the vector delete in the same transaction
    sync_vectors(corpus, index)
    return article


def stats(corpus: Corpus, index: VectorIndex) -> dict[str, Any]:
    """Counts, dates and sites of the corpus, and the size of the vector index."""
    found: dict[str, Any] = corpus.stats()
    found["vectors"] = index.count()
    found["sites_by_count"] = corpus.site_counts()
    found["embedding_model"] = index.model
    found["embedded_by"] = index.built_with
    return found


@dataclass(frozen=True, slots=True)
class Check:
    problems: list[str]
    chunks: int
    vectors: int


def check(corpus: Corpus, index: VectorIndex) -> Check:
    """Compare SQLite, the keyword index and the vector store; list every disagreement."""
    problems = corpus.integrity_problems()
    expected = corpus.all_chunk_ids(indexed_only=True)
    every = corpus.all_chunk_ids(indexed_only=False)
    present = index.ids()
    missing = expected - present
    stray = present - every
    if missing:
        problems.append(
            f"{plural(len(missing), 'chunk')} of indexed articles "
            f"{'has' if len(missing) == 1 else 'have'} no vector"
            " (run 'citebrief corpus reindex')"
        )
    if stray:
        problems.append(
            f"{plural(len(stray), 'vector')} "
            f"{'belongs' if len(stray) == 1 else 'belong'} to no chunk in the corpus"
            " (run 'citebrief corpus reindex')"
        )
    pending = corpus.pending_index()
    if pending:
        problems.append(
            f"{plural(len(pending), 'article')} {'is' if len(pending) == 1 else 'are'} "
            "waiting to be indexed"
            " (the next ingest finishes them, or run 'citebrief corpus reindex')"
        )
    return Check(problems, len(every), len(present))


def reindex(
    corpus: Corpus, recreate: Callable[[], VectorIndex], progress: Progress | None = None
) -> int:
    """Rebuild the vector index from SQLite in a new collection (``recreate`` drops the old
    one). Every article is marked unindexed first, so a run killed at any point leaves work
    that the next ingest or reindex finishes."""
    corpus.mark_all_unindexed()
    return sync_vectors(corpus, recreate(), progress)
