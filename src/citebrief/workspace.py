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
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from citebrief.brief import answer, weekly
from citebrief.brief.briefing import build_briefing, plan_briefing
from citebrief.brief.render import to_html, to_markdown
from citebrief.brief.weekly import TopicResult
from citebrief.brief.writers import make_writer
from citebrief.corpus import manage, salvage
from citebrief.corpus.embeddings import make_embeddings
from citebrief.corpus.store import Corpus
from citebrief.corpus.sync import sync_vectors
from citebrief.corpus.vectors import VectorIndex, open_index
from citebrief.deliver import archive, mail
from citebrief.errors import CitebriefError, ConfigError, UsageError
from citebrief.files import exclusive
from citebrief.ingest.fetch import Fetcher
from citebrief.ingest.pipeline import ingest
from citebrief.models import (
    Briefing,
    Conversation,
    Desk,
    IngestReport,
    OnToken,
    PricedWriter,
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
        return make_writer(name, self.settings, self.embeddings.embed_documents)

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
            try:
                fresh = open_index(self.settings, self.embeddings, empty=True)
            except Exception as exc:
                served = self.settings.index.chroma_url
                if not type(exc).__module__.startswith("chromadb") or served:
                    raise
                # the embedded store is damaged: set it aside and start a new one
                set_aside_vectors(self.settings)
                fresh = open_index(self.settings, self.embeddings, empty=True)
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
        fresh_since: str | None = None,
    ) -> Briefing:
        return build_briefing(
            topic,
            self.evidence,
            self.desk(writer),
            window=window,
            takeaways=takeaways,
            strict=strict,
            fresh_since=fresh_since,
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
        publish_dir: Path | None = None,
        email: bool = False,
        resend: bool = False,
        dry_run: bool = False,
        smtp: mail.Connect = mail.connect,
    ) -> Weekly:
        """One briefing per topic for the 7 days ending ``as_of`` (md, html and json, marked
        against the previous week's), then published (``publish_dir``, else the setting) and
        emailed (``email``) to those who have not had it (all again with ``resend``). With
        ``dry_run`` nothing is written or sent: each topic's plan and its estimated tokens.
        A second run at the same time stops at once (a lock in CITEBRIEF_HOME)."""
        path = topics_file or self.settings.brief.topics_file
        if path is None:
            raise ConfigError(
                "no topics configured", hint="pass --topics FILE or set CITEBRIEF_TOPICS_FILE"
            )
        topics = weekly.read_topics(path)
        deliver = self.settings.deliver
        if email:
            mail.check(deliver)
        with exclusive(self.settings.home / "weekly.lock", "'citebrief weekly'"):
            chosen = self.writer(writer)
            run = Weekly()
            if dry_run or (isinstance(chosen, PricedWriter) and deliver.max_tokens_per_run):
                run.plans = self._price(topics, as_of, chosen)
                spent = sum(p.tokens for p in run.plans)
                budget = deliver.max_tokens_per_run
                if budget and spent > budget:
                    run.over_budget = (
                        f"this run would take about {spent:,} tokens, over the budget of "
                        f"{budget:,} (CITEBRIEF_MAX_TOKENS_PER_RUN); nothing was written"
                    )
            if dry_run or run.over_budget:
                if email and not run.over_budget:
                    run.deliveries = self._outgoing(topics, as_of, resend)
                return run
            folder = out_dir or self.settings.brief.briefings_dir
            run.topics = weekly.write_weekly(
                topics,
                as_of,
                folder,
                lambda topic, window, since: self.brief(
                    topic, window, writer=chosen, fresh_since=since
                ),
            )
            done = [r for r in run.topics if r.ok and r.briefing is not None]
            target = publish_dir or deliver.publish_dir
            if target is not None and done:
                items = [archive.Published(r.page, r.week, r.briefing) for r in done]  # type: ignore[arg-type]
                run.published = archive.publish(target, items, deliver.publish_url)
            if email:
                outgoing = self._outgoing(topics, as_of, resend, done)
                run.deliveries = mail.send(deliver, outgoing, smtp) if outgoing else []
                for delivery in run.deliveries:
                    if delivery.accepted:
                        item = delivery.item
                        self.corpus.record_delivery(
                            item.week, item.topic, delivery.accepted, delivery.message_id
                        )
            return run

    def _price(self, topics: list[str], as_of: date, chosen: Writer) -> list[Planned]:
        out = []
        for topic in topics:
            try:
                plan = plan_briefing(topic, self.evidence, weekly.week_ending(as_of))
            except CitebriefError as exc:
                out.append(Planned(topic, 0, 0, 0, exc.one_line()))
                continue
            prompt, completion = (
                chosen.estimate_briefing(plan.request)
                if isinstance(chosen, PricedWriter)
                else (0, 0)
            )
            out.append(Planned(topic, len(plan.request.stories), prompt, completion))
        return out

    def _outgoing(
        self,
        topics: list[str],
        as_of: date,
        resend: bool,
        done: Sequence[TopicResult] | None = None,
    ) -> list[mail.Outgoing]:
        """The messages to send: each briefing (``done``, else those written for the week
        before, for a dry run) to the recipients who have not had it."""
        deliver = self.settings.deliver
        week = weekly.week_of(as_of)
        out = []
        for result in done if done is not None else []:
            b = result.briefing
            assert b is not None
            already = {} if resend else self.corpus.delivered(week, b.topic)
            recipients = [r for r in deliver.recipients if r not in already]
            if recipients:
                subject = f"Food for thought: {b.topic} ({week})"
                if b.since_last and not b.since_last.startswith("First"):
                    subject += f" · {b.since_last.removeprefix('Since last week: ')}"
                out.append(
                    mail.Outgoing(week, b.topic, recipients, subject, to_markdown(b), to_html(b))
                )
        if done is None:  # a dry run: what would go, per topic
            for topic in topics:
                already = {} if resend else self.corpus.delivered(week, topic)
                recipients = [r for r in deliver.recipients if r not in already]
                if recipients:
                    out.append(
                        mail.Outgoing(week, topic, recipients, f"Food for thought: {topic}", "", "")
                    )
        return out


@dataclass(frozen=True, slots=True)
class Planned:
    topic: str
    stories: int
    prompt: int  # estimated tokens
    completion: int
    refused: str = ""  # why no briefing would be written

    @property
    def tokens(self) -> int:
        return self.prompt + self.completion


@dataclass(slots=True)
class Weekly:
    """What a weekly run did (or, dry, would do)."""

    topics: list[TopicResult] = field(default_factory=list)
    plans: list[Planned] = field(default_factory=list)
    published: list[Path] = field(default_factory=list)
    deliveries: list[Any] = field(default_factory=list)  # mail.Delivery, or mail.Outgoing dry
    over_budget: str = ""

    @property
    def ok(self) -> bool:
        failed_mail = any(getattr(d, "reason", "") for d in self.deliveries)
        return all(t.ok for t in self.topics) and not failed_mail and not self.over_budget


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
