"""Wiring: builds the edges (SQLite, Chroma, fetcher, embeddings) from settings and hands them
to the library functions. The CLI calls these; tests and other programs may too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from citebrief import manage
from citebrief.embeddings import make_embeddings, model_key
from citebrief.fetch import Fetcher
from citebrief.ingest import Progress, ingest, sync_vectors
from citebrief.models import IngestReport
from citebrief.settings import Settings
from citebrief.store import Corpus
from citebrief.vectors import VectorIndex, chroma_client, open_index


@dataclass
class Workspace:
    settings: Settings
    corpus: Corpus
    _index: VectorIndex | None = None

    @property
    def index(self) -> VectorIndex:
        if self._index is None:
            embeddings = make_embeddings(self.settings)
            self._index = open_index(self.settings, embeddings, model_key(self.settings))
        return self._index


@contextmanager
def workspace(settings: Settings) -> Iterator[Workspace]:
    settings.home.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(settings.db_path)
    try:
        yield Workspace(settings, corpus)
    finally:
        corpus.close()


def run_ingest(
    sources: list[str], settings: Settings, since: date | None, progress: Progress | None
) -> IngestReport:
    with workspace(settings) as ws:
        fetcher = Fetcher(settings)
        try:
            return ingest(
                sources,
                settings=settings,
                corpus=ws.corpus,
                index=ws.index,
                fetcher=fetcher,
                since=since,
                progress=progress,
            )
        finally:
            fetcher.close()


def corpus_stats(settings: Settings) -> dict[str, object]:
    with workspace(settings) as ws:
        stats = ws.corpus.stats()
        stats["vectors"] = ws.index.count()
        stats["sites_by_count"] = ws.corpus.site_counts()
        stats["embedding_model"] = model_key(settings)
        stats["home"] = str(settings.home)
        stats["vector_store"] = settings.chroma_url or str(settings.chroma_path)
        return stats


def reindex(settings: Settings, progress: Progress | None) -> int:
    """Drop the vector collection, whatever model built it, and rebuild it from SQLite."""
    with workspace(settings) as ws:
        client = chroma_client(settings)
        if any(c.name == settings.collection for c in client.list_collections()):
            client.delete_collection(settings.collection)
        embeddings = make_embeddings(settings)
        index = VectorIndex(client, settings.collection, embeddings, model_key(settings))
        ws.corpus.mark_all_unindexed()
        return sync_vectors(ws.corpus, index, progress)


def check(settings: Settings) -> manage.Check:
    with workspace(settings) as ws:
        return manage.check(ws.corpus, ws.index)
