"""Briefings: retrieve, write, verify, renumber; the result carries its evidence.

``build_briefing`` applies the citation contract to whatever a writer drafted: markers are
parsed and unknown keys dropped, every sentence is judged against its cited passages, an
unsupported sentence is re-cited to a retrieved passage that supports it if there is one,
otherwise flagged (or removed with ``strict``); keys are renumbered in order of first use and
the source list holds exactly the cited passages, each an exact span of its article.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from citebrief import citations
from citebrief.errors import StoreError
from citebrief.retrieve import Passage, Retrieval, Window, require_evidence, retrieve
from citebrief.settings import Settings
from citebrief.store import Corpus
from citebrief.vectors import VectorIndex
from citebrief.verify import Label, Verifier
from citebrief.writers import Draft, Writer, WriteRequest

SCHEMA_VERSION = "citebrief.briefing/1"


@dataclass(slots=True)
class Sentence:
    text: str
    citations: list[int]  # final numbers
    verdict: str  # supported | partial | unsupported
    score: float
    flagged: bool = False
    recited: bool = False
    note: str = ""


@dataclass(slots=True)
class Takeaway:
    number: int
    headline: str
    sentences: list[Sentence]


@dataclass(slots=True)
class Source:
    number: int
    key: str
    article_id: str
    chunk_id: str
    title: str
    site_name: str
    published: str
    url: str
    start: int
    end: int
    quote: str  # == article.text[start:end]


@dataclass(slots=True)
class Report:
    sentences: int = 0
    cited: int = 0
    supported: int = 0
    partial: int = 0
    unsupported: int = 0
    flagged: int = 0
    recited: int = 0
    removed: int = 0
    dropped_citations: int = 0


@dataclass(slots=True)
class Briefing:
    topic: str
    window: dict[str, str | None]
    generated_at: str
    writer: str
    model: str
    takeaways: list[Takeaway]
    sources: list[Source]
    report: Report
    retrieval: dict[str, Any]
    usage: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    schema: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_briefing(
    topic: str,
    *,
    corpus: Corpus,
    index: VectorIndex,
    writer: Writer,
    verifier: Verifier,
    settings: Settings,
    window: Window | None = None,
    takeaways: int = 3,
    strict: bool = False,
    kind: str = "briefing",
    on_token: Callable[[str], None] | None = None,
) -> Briefing:
    """Retrieve, write, verify. ``kind="answer"`` answers ``topic`` as a question in one
    takeaway without a headline (the chat uses it; ``on_token`` streams an LLM's words)."""
    window = window or Window()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    retrieval = retrieve(topic, corpus=corpus, index=index, settings=settings, window=window)
    timings["retrieval"] = time.perf_counter() - started
    require_evidence(retrieval, settings)

    started = time.perf_counter()
    request = WriteRequest(
        topic,
        window,
        retrieval.passages,
        takeaways,
        retrieval.vectors,
        today=datetime.now(UTC).date().isoformat(),
        kind=kind,
        on_token=on_token,
    )
    draft = writer.write(request)
    timings["writing"] = time.perf_counter() - started

    started = time.perf_counter()
    briefing = assemble(topic, draft, retrieval, corpus, verifier, strict)
    timings["verification"] = time.perf_counter() - started
    briefing.timings = timings
    return briefing


def assemble(
    topic: str,
    draft: Draft,
    retrieval: Retrieval,
    corpus: Corpus,
    verifier: Verifier,
    strict: bool = False,
) -> Briefing:
    """Apply the citation contract to a draft (pure but for reading article texts)."""
    passages = {p.key: p for p in retrieval.passages}
    report = Report()
    staged: list[tuple[str, list[tuple[str, list[str], str, float, bool, bool, str]]]] = []
    for takeaway in draft.takeaways:
        kept = []
        for sentence in takeaway.sentences:
            parsed = citations.parse_sentence(sentence.text, passages)
            keys = citations.merge_keys(parsed.keys, sentence.keys)
            unknown = [k for k in citations.merge_keys(sentence.keys) if k not in passages]
            report.dropped_citations += len(parsed.dropped) + len(unknown)
            keys = [k for k in keys if k in passages]
            text = parsed.text
            if not text:
                continue
            report.sentences += 1
            verdict = verifier.judge([passages[k].text for k in keys], text) if keys else None
            label = verdict.label if verdict else Label.UNSUPPORTED
            score = verdict.score if verdict else 0.0
            recited = False
            note = verdict.reason if verdict else "no citation"
            if label is Label.UNSUPPORTED:
                better = _recite(text, retrieval.passages, verifier)
                if better is not None:
                    keys, label, score = [better[0]], better[1].label, better[1].score
                    recited, note = True, f"re-cited: {better[1].reason}"
            if label is Label.UNSUPPORTED:
                if strict:
                    report.removed += 1
                    continue
                flagged = True
            else:
                flagged = False
            kept.append((text, keys, label.value, score, flagged, recited, note))
        if kept:
            staged.append((takeaway.headline, kept))

    numbers = citations.renumber([keys for _, kept in staged for _, keys, *_ in kept])
    takeaway_list = []
    for position, (headline, kept) in enumerate(staged, start=1):
        sentences = []
        for text, keys, label_value, score, flagged, recited, note in kept:
            sentences.append(
                Sentence(
                    text,
                    citations.numbers_for(keys, numbers),
                    label_value,
                    score,
                    flagged,
                    recited,
                    note,
                )
            )
            report.cited += bool(keys)
            report.supported += label_value == Label.SUPPORTED
            report.partial += label_value == Label.PARTIAL
            report.unsupported += label_value == Label.UNSUPPORTED
            report.flagged += flagged
            report.recited += recited
        takeaway_list.append(Takeaway(position, headline, sentences))

    sources = [_source(passages[key], number, corpus) for key, number in numbers.items()]
    return Briefing(
        topic=topic,
        window={"start": _iso(retrieval.window.start), "end": _iso(retrieval.window.end)},
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        writer=draft.writer,
        model=draft.model,
        takeaways=takeaway_list,
        sources=sources,
        report=report,
        retrieval={
            **retrieval.settings,
            "candidates": retrieval.candidates,
            "relevant": retrieval.relevant,
            "passages": len(retrieval.passages),
        },
        usage=dict(draft.usage),
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _recite(text: str, passages: list[Passage], verifier: Verifier) -> tuple[str, Any] | None:
    best = None
    for passage in passages:
        verdict = verifier.judge([passage.text], text)
        if verdict.label is Label.SUPPORTED and (best is None or verdict.score > best[1].score):
            best = (passage.key, verdict)
    return best


def _source(passage: Passage, number: int, corpus: Corpus) -> Source:
    article = corpus.get(passage.article_id)
    if article is None:
        raise StoreError(
            f"article {passage.article_id} vanished while the briefing was written",
            hint="run the command again",
        )
    quote = article.text[passage.start : passage.end]
    if quote != passage.text:
        raise StoreError(
            f"passage {passage.chunk_id} no longer matches its article's text",
            hint="run 'citebrief corpus check', then ingest again",
        )
    return Source(
        number,
        passage.key,
        article.id,
        passage.chunk_id,
        article.title,
        article.site_name,
        passage.published,
        article.url,
        passage.start,
        passage.end,
        quote,
    )
