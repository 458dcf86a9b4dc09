"""The composition root: one session's stores and models, opened once, from settings.

``Workspace`` opens the corpus (SQLite) at once and the rest on first use: the embedding
model, the vector index (Chroma), the verifier (one per session) and writers by name. Any of
them may be passed in instead (tests do). Its methods are the use cases the command line and
other programs call: ingest, brief, ask, weekly, and managing the corpus.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from citebrief.brief import answer, weekly
from citebrief.brief.briefing import build_briefing
from citebrief.brief.writers import make_writer
from citebrief.corpus import manage, salvage
from citebrief.corpus.embeddings import make_embeddings
from citebrief.corpus.store import Corpus
from citebrief.corpus.sync import sync_vectors
from citebrief.corpus.vectors import VectorIndex, chroma_client, open_index
from citebrief.errors import ConfigError, UsageError
from citebrief.ingest.fetch import Fetcher
from citebrief.ingest.pipeline import ingest
from citebrief.models import (
    Briefing,
    Conversation,
    Desk,
    IngestReport,
    OnToken,
    Progress,
    Turn,
    Verifier,
    Window,
    Writer,
)
from citebrief.settings import Settings
from citebrief.stories.retrieve import Evidence
from citebrief.stories.update import update_stories
from citebrief.verify import check_verifier, make_verifier


class Workspace:
    """The stores and models of one session. ``verifier`` may be a name (``offline``, ``llm``,
    ``lexical``; default: the settings') or a ready verifier."""

    def __init__(
        self,
        settings: Settings,
        *,
        corpus: Corpus | None = None,
        index: VectorIndex | None = None,
        embeddings: Any = None,
        verifier: Verifier | str | None = None,
    ) -> None:
        self.settings = settings
        if isinstance(verifier, str) or verifier is None:
            self.verifier_name = check_verifier(verifier or settings.verify.verifier)
        else:
            self.verifier_name = type(verifier).__name__
            self.__dict__["verifier"] = verifier
        if embeddings is not None:
            self.__dict__["embeddings"] = embeddings
        if index is not None:
            self.__dict__["index"] = index
        if corpus is None:
            corpus = Corpus(settings.db_path)  # creates CITEBRIEF_HOME, or says why it cannot
        self.corpus = corpus

    @cached_property
    def embeddings(self) -> Any:
        return make_embeddings(self.settings)

    @cached_property
    def index(self) -> VectorIndex:
        return open_index(self.settings, self.embeddings)

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.corpus, self.index, self.settings.retrieval)

    @cached_property
    def verifier(self) -> Verifier:
        return make_verifier(self.verifier_name, self.settings, self.embeddings)

    def writer(self, name: str | None = None) -> Writer:
        return make_writer(name, self.settings)

    def close(self) -> None:
        self.corpus.close()

    # --- ingest and the corpus -----------------------------------------------------------------
    def ingest(
        self,
        sources: Sequence[str | Path],
        *,
        since: date | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Fetch, extract, deduplicate and index every source (URLs, feeds, files, folders)."""
        fetcher = Fetcher(self.settings.fetch)
        try:
            report = ingest(
                [str(source) for source in sources],
                settings=self.settings,
                corpus=self.corpus,
                index=self.index,
                fetcher=fetcher,
                since=since,
                progress=progress,
            )
        finally:
            fetcher.close()
        started = time.perf_counter()
        self.update_stories(progress)
        report.stage_seconds["stories"] = time.perf_counter() - started
        report.stage_seconds["total"] = (
            report.stage_seconds.get("total", 0.0) + (report.stage_seconds["stories"])
        )
        return report

    def update_stories(self, progress: Progress | None = None) -> int:
        """Group the articles that are in no story yet (``stories.update``)."""
        evidence = self.evidence
        return update_stories(
            self.corpus,
            self.index.embeddings.embed_documents,
            self.index.model,
            evidence.grouping,
            progress,
        )

    def stats(self) -> dict[str, Any]:
        found = manage.stats(self.corpus, self.index)
        found["home"] = str(self.settings.home)
        found["vector_store"] = self.settings.index.chroma_url or str(self.settings.chroma_path)
        return found

    def check(self) -> manage.Check:
        return manage.check(self.corpus, self.index)

    def remove(self, article_id: str) -> Any:
        return manage.remove(self.corpus, self.index, article_id)

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the vector index from the corpus with the configured model, whatever model
        built the old one."""

        def recreate() -> VectorIndex:
            index = self.settings.index
            try:
                fresh = VectorIndex.recreate(
                    chroma_client(self.settings), index.collection, self.embeddings, index.model_key
                )
            except Exception as exc:
                if not type(exc).__module__.startswith("chromadb") or index.chroma_url:
                    raise
                # the embedded store is damaged: set it aside and start a new one
                set_aside_vectors(self.settings)
                fresh = VectorIndex.recreate(
                    chroma_client(self.settings), index.collection, self.embeddings, index.model_key
                )
            self.__dict__["index"] = fresh
            return fresh

        return manage.reindex(self.corpus, recreate, progress)

    def sync(self, progress: Progress | None = None) -> int:
        return sync_vectors(self.corpus, self.index, progress)

    def latest_day(self) -> date:
        day = self.corpus.latest_day()
        if day is None:
            raise UsageError("the corpus is empty", hint="run 'citebrief ingest SOURCE...' first")
        return date.fromisoformat(day)

    # --- briefings and answers -----------------------------------------------------------------
    def desk(self, writer: str | Writer | None = None) -> Desk:
        """A writer (by name, default by settings) with the session's verifier."""
        chosen = self.writer(writer) if writer is None or isinstance(writer, str) else writer
        return Desk(chosen, self.verifier)

    def brief(
        self,
        topic: str,
        window: Window,
        *,
        writer: str | Writer | None = None,
        takeaways: int = 3,
        strict: bool = False,
    ) -> Briefing:
        desk, within = self.desk(writer), window
        return build_briefing(
            topic, self.evidence, desk, window=within, takeaways=takeaways, strict=strict
        )

    def ask(
        self,
        question: str,
        conversation: Conversation,
        *,
        writer: str | Writer | None = None,
        condense: answer.Condenser = answer.condense_by_rule,
        on_token: OnToken | None = None,
    ) -> Turn:
        desk = self.desk(writer)
        return answer.ask(
            question, conversation, self.evidence, desk, condense=condense, on_token=on_token
        )

    def weekly(
        self,
        as_of: date,
        *,
        topics_file: Path | None = None,
        writer: str | None = None,
        out_dir: Path | None = None,
    ) -> list[weekly.TopicResult]:
        """One briefing per topic for the 7 days ending ``as_of``, in md, html and json."""
        path = topics_file or self.settings.brief.topics_file
        if path is None:
            raise ConfigError(
                "no topics configured", hint="pass --topics FILE or set CITEBRIEF_TOPICS_FILE"
            )
        topics = weekly.read_topics(path)
        chosen = self.writer(writer)
        return weekly.write_weekly(
            topics,
            as_of,
            out_dir or self.settings.brief.briefings_dir,
            lambda topic, window: self.brief(topic, window, writer=chosen),
        )


@dataclass(frozen=True, slots=True)
class Rebuilt:
    articles: int  # articles kept
    lost: int  # article rows that could not be read
    vectors: int  # articles whose vectors were rebuilt
    damaged: Path | None  # where the damaged database was moved
    sources: list[str]  # what to ingest again to get back what was lost


def set_aside_vectors(settings: Settings) -> Path | None:
    """Move the embedded vector store aside (``chroma.damaged-<time>``); its new name."""
    if not settings.chroma_path.exists():
        return None
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # no cached client may keep the old files open
    aside = settings.chroma_path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    settings.chroma_path.rename(aside)
    return aside


def rebuild(settings: Settings, progress: Progress | None = None) -> Rebuilt:
    """Rebuild the corpus from what can still be read (``corpus.salvage``): a new database of
    the readable articles (passages and keyword index re-cut), a new vector index."""
    path = settings.db_path
    found = salvage.read_damaged(path) if path.exists() else salvage.Salvage(readable=False)
    damaged = salvage.set_aside(path) if path.exists() else None
    if settings.index.chroma_url is None:
        set_aside_vectors(settings)  # a damaged store could refuse to drop its collection
    chunking = settings.chunking
    salvage.write_new(path, found, chunking.chunk_size, chunking.chunk_overlap)
    with open_workspace(settings) as ws:
        vectors = ws.reindex(progress)
    return Rebuilt(len(found.articles), found.lost, vectors, damaged, sorted(found.sources))


@contextmanager
def open_workspace(settings: Settings, *, verifier: str | None = None) -> Iterator[Workspace]:
    """A workspace for the duration of a ``with`` block; the corpus is closed at its end."""
    workspace = Workspace(settings, verifier=verifier)
    try:
        yield workspace
    finally:
        workspace.close()
