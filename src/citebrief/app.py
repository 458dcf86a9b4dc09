"""Wiring: builds the edges (SQLite, Chroma, fetcher, embeddings) from settings and hands them
to the library functions. The CLI calls these; tests and other programs may too."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from citebrief import manage
from citebrief.answer import Conversation, Turn, ask
from citebrief.brief import Briefing, build_briefing
from citebrief.embeddings import make_embeddings, model_key
from citebrief.errors import CitebriefError, ConfigError, UsageError
from citebrief.fetch import Fetcher
from citebrief.ingest import Progress, ingest, sync_vectors
from citebrief.models import IngestReport
from citebrief.render import to_html, to_json, to_markdown
from citebrief.retrieve import Window
from citebrief.settings import Settings
from citebrief.store import Corpus
from citebrief.vectors import VectorIndex, chroma_client, open_index
from citebrief.verify import LexicalVerifier, OfflineVerifier, Verifier
from citebrief.writers import ExtractiveWriter, Writer


@dataclass
class Workspace:
    settings: Settings
    corpus: Corpus
    _index: VectorIndex | None = None
    _embeddings: Any = None

    @property
    def embeddings(self) -> Any:
        if self._embeddings is None:
            self._embeddings = make_embeddings(self.settings)
        return self._embeddings

    @property
    def index(self) -> VectorIndex:
        if self._index is None:
            self._index = open_index(self.settings, self.embeddings, model_key(self.settings))
        return self._index

    @property
    def verifier(self) -> Verifier:
        return make_verifier(self.settings, self.embeddings)


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


# --- briefings --------------------------------------------------------------------------------
def make_verifier(settings: Settings, embeddings: Any) -> Verifier:
    """The verifier named by ``settings.verifier``: offline (the default), llm or lexical."""
    if settings.verifier == "offline":
        return OfflineVerifier(embeddings)
    if settings.verifier == "lexical":
        return LexicalVerifier()
    if settings.verifier == "llm":
        from citebrief.judge import LLMVerifier

        return LLMVerifier(settings)
    raise _unknown_verifier(settings.verifier)


def with_verifier(settings: Settings, verifier: str | None) -> Settings:
    """``settings`` with the verifier a command line chose (validated), or unchanged."""
    if verifier is None:
        return settings
    if verifier not in VERIFIERS:
        raise _unknown_verifier(verifier)
    return settings.model_copy(update={"verifier": verifier})


def _unknown_verifier(name: str) -> UsageError:
    return UsageError(f"unknown verifier {name!r}", hint="use --verifier offline, llm or lexical")


VERIFIERS = ("offline", "llm", "lexical")


def make_writer(name: str | None, settings: Settings) -> Writer:
    """The named writer; by default openai when an endpoint is configured, else extractive."""
    if name is None:
        name = "openai" if (settings.openai_api_key or settings.openai_base_url) else "extractive"
    if name == "extractive":
        return ExtractiveWriter()
    if name == "openai":
        from citebrief.llm import OpenAIWriter

        return OpenAIWriter(settings)
    raise UsageError(f"unknown writer {name!r}", hint="use --writer openai or --writer extractive")


def run_brief(
    topic: str,
    settings: Settings,
    window: Window,
    *,
    writer: str | None = None,
    takeaways: int = 3,
    strict: bool = False,
) -> Briefing:
    with workspace(settings) as ws:
        return build_briefing(
            topic,
            corpus=ws.corpus,
            index=ws.index,
            writer=make_writer(writer, settings),
            verifier=ws.verifier,
            settings=settings,
            window=window,
            takeaways=takeaways,
            strict=strict,
        )


def render(briefing: Briefing, fmt: str) -> str:
    renderers = {"md": to_markdown, "html": to_html, "json": to_json}
    if fmt not in renderers:
        raise UsageError(f"unknown format {fmt!r}", hint="use --format md, html or json")
    return renderers[fmt](briefing)


def read_topics(
    path: Path, hint: str = "pass --topics FILE or set CITEBRIEF_TOPICS_FILE"
) -> list[str]:
    """One topic a line; blank lines and # comments skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the topics file {path}: {exc.strerror}", hint=hint) from exc
    topics = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not topics:
        raise ConfigError(f"the topics file {path} lists no topics", hint="one topic per line")
    return topics


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "topic"


@dataclass(frozen=True, slots=True)
class TopicResult:
    topic: str
    ok: bool
    message: str
    files: list[Path]


def run_weekly(
    settings: Settings,
    topics_file: Path | None,
    as_of: date,
    *,
    writer: str | None = None,
    out_dir: Path | None = None,
) -> list[TopicResult]:
    """One briefing per topic for the 7 days ending ``as_of``, in md, html and json."""
    path = topics_file or settings.topics_file
    if path is None:
        raise ConfigError(
            "no topics configured", hint="pass --topics FILE or set CITEBRIEF_TOPICS_FILE"
        )
    topics = read_topics(path)
    window = Window(as_of - timedelta(days=6), as_of)
    year, week, _ = as_of.isocalendar()
    folder = out_dir or settings.briefings_dir
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    with workspace(settings) as ws:
        chosen = make_writer(writer, settings)
        verifier = ws.verifier
        for topic in topics:
            try:
                briefing = build_briefing(
                    topic,
                    corpus=ws.corpus,
                    index=ws.index,
                    writer=chosen,
                    verifier=verifier,
                    settings=settings,
                    window=window,
                )
            except CitebriefError as exc:
                results.append(TopicResult(topic, False, exc.one_line(), []))
                continue
            base = folder / f"{year}-W{week:02d}-{slug(topic)}"
            files = []
            for fmt in ("md", "html", "json"):
                target = base.with_suffix(f".{fmt}")
                write_atomically(target, render(briefing, fmt))
                files.append(target)
            r = briefing.report
            message = (
                f"{len(briefing.takeaways)} takeaways, {len(briefing.sources)} sources, "
                f"{r.supported}/{r.sentences} sentences supported, {r.flagged} flagged"
            )
            results.append(TopicResult(topic, True, message, files))
    return results


def write_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def latest_day(settings: Settings) -> date:
    with workspace(settings) as ws:
        day = ws.corpus.latest_day()
    if day is None:
        raise UsageError("the corpus is empty", hint="run 'citebrief ingest SOURCE...' first")
    return date.fromisoformat(day)


# --- questions ----------------------------------------------------------------------------------
def run_ask(question: str, settings: Settings, window: Window, *, writer: str | None) -> Turn:
    with workspace(settings) as ws:
        return ask(
            question,
            Conversation(window),
            corpus=ws.corpus,
            index=ws.index,
            writer=make_writer(writer, settings),
            verifier=ws.verifier,
            settings=settings,
        )


def turn_to_dict(turn: Turn) -> dict[str, object]:
    return {
        "question": turn.question,
        "query": turn.query,
        "answered": turn.answer is not None,
        "text": turn.text,
        "note": turn.note,
        "answer": turn.answer.to_dict() if turn.answer is not None else None,
    }
