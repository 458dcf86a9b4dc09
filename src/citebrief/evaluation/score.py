"""Scoring saved briefings and answers, and a verifier against human labels.

Scoring is one path for every source of briefings: a briefing (or an answer, which is a
briefing of one takeaway) as the JSON dict of schema ``citebrief.briefing/2`` (or /1) goes
through ``score_item``, which hands its sentences to ``metrics.score_response`` (ALCE citation
recall and precision, per cited passage) and counts validity, coverage and quote fidelity. The
verdicts a briefing carries are reused as the joint judgement of each sentence's citations; a
verifier judges the subsets ALCE precision needs (each citation alone, the others without it).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from citebrief.corpus.store import Corpus
from citebrief.errors import UsageError
from citebrief.evaluation import metrics
from citebrief.evaluation.datasets import Example
from citebrief.evaluation.metrics import Agreement, Cited, ResponseScore
from citebrief.models import BRIEFING_SCHEMA, Label, NoProgress, Progress, Verifier
from citebrief.settings import Settings

# briefings scored: this version's, and those of the version before (one source per passage)
SCHEMAS = (BRIEFING_SCHEMA, "citebrief.briefing/1")

ArticleText = Callable[[str], str | None]


# --- judging --------------------------------------------------------------------------------------
class Judge:
    """``entails(passages, claim)`` for the metrics: a verifier's verdict (supported or not),
    memoised, and seeded with the verdicts briefings already carry. ``make`` builds the
    verifier, called only if a judgement is still needed."""

    def __init__(self, make: Callable[[], Verifier]) -> None:
        self._verifier: Verifier | None = None
        self._make = make
        self.known: dict[tuple[tuple[str, ...], str], bool] = {}
        self.asked = 0

    def seed(self, passages: Sequence[str], claim: str, supported: bool) -> None:
        self.known[(tuple(passages), claim)] = supported

    def __call__(self, passages: Sequence[str], claim: str) -> bool:
        key = (tuple(passages), claim)
        if key not in self.known:
            verdict = self.verifier.judge(list(passages), claim)
            self.known[key] = verdict.label is Label.SUPPORTED
            self.asked += 1
        return self.known[key]

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            self._verifier = self._make()
        return self._verifier


# --- scoring briefings and answers -------------------------------------------------------------
@dataclass(slots=True)
class SentenceRow:
    text: str
    citations: list[int]
    verdict: str  # as recorded in the briefing ("" when it has none)
    recall: int
    relevant: int
    counted: int


@dataclass(slots=True)
class ItemScore:
    name: str  # file, topic or question
    kind: str  # briefing | answer
    answered: bool
    response: ResponseScore
    markers: int = 0  # citation markers written, dropped ones included
    resolved: int = 0  # ... that name a listed source
    cited: int = 0  # sentences with a citation
    sentences: list[SentenceRow] = field(default_factory=list)
    sources: int = 0
    quotes_checked: int = 0  # cited passages whose article text was at hand
    quotes_exact: int = 0  # ... and whose quote is its exact span
    takeaways: int = 0  # takeaways of a briefing (answers have none that count)
    relevance: list[float] = field(default_factory=list)  # per takeaway: its story's relevance

    @property
    def on_topic(self) -> int:
        """Takeaways about a story judged on the topic (0 relevance: about no such story)."""
        return sum(1 for r in self.relevance if r > 0)


def _passages(briefing: dict[str, Any]) -> list[tuple[str, str]]:
    """(passage key, quote) of every cited passage, in source order (schema 2: each source
    lists its quotes; schema 1: each source is one passage)."""
    out = []
    for source in sorted(briefing.get("sources") or [], key=lambda s: int(s["number"])):
        if "quotes" in source:
            out += [(str(q["key"]), str(q["quote"])) for q in source["quotes"]]
        else:
            out.append((str(source.get("key") or source["number"]), str(source["quote"])))
    return out


def _quotes(briefing: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(article id, start, end, quote) of every cited passage."""
    out = []
    for source in briefing.get("sources") or []:
        for quote in source.get("quotes") or [source]:
            out.append(
                (
                    str(source.get("article_id", "")),
                    int(quote["start"]),
                    int(quote["end"]),
                    str(quote["quote"]),
                )
            )
    return out


def _passage_refs(
    sentence: dict[str, Any], index: dict[str, int], schema2: bool
) -> tuple[int, ...]:
    """The passages a sentence cites, 1-based in the order of ``_passages``."""
    if schema2:
        return tuple(
            dict.fromkeys(index[c["key"]] for c in sentence.get("cites") or [] if c["key"] in index)
        )
    return tuple(int(n) for n in sentence.get("citations") or [])


def score_item(
    name: str,
    briefing: dict[str, Any] | None,
    judge: Judge,
    *,
    kind: str = "briefing",
    article_text: ArticleText | None = None,
    reuse_verdicts: bool = True,
) -> ItemScore:
    """Score one briefing or answer (a ``Briefing.to_dict()``; None: a question not answered).
    ALCE recall and precision are per cited passage (two passages of one source count apart)."""
    if briefing is None:
        return ItemScore(name, kind, False, ResponseScore(0.0, 0.0))
    passages = _passages(briefing)
    docs = [text for _, text in passages]
    schema2 = any("quotes" in s for s in briefing.get("sources") or [])
    index = {key: i for i, (key, _) in enumerate(passages, start=1)}
    numbers = {int(s["number"]) for s in briefing.get("sources") or []}
    sentences = [s for t in briefing.get("takeaways") or [] for s in t.get("sentences") or []]
    cited = [Cited(str(s["text"]), _passage_refs(s, index, schema2)) for s in sentences]
    for sentence, raw in zip(cited, sentences, strict=True):
        refs = sentence.citations
        verdict = raw.get("verdict")
        in_range = bool(refs) and min(refs) >= 1 and max(refs) <= len(docs)
        if reuse_verdicts and verdict and in_range and len(refs) <= 3:
            judge.seed([docs[n - 1] for n in refs], sentence.text, verdict == Label.SUPPORTED)
    response = metrics.score_response(cited, docs, judge)
    rows = [
        SentenceRow(
            c.text,
            [int(n) for n in raw.get("citations") or []],
            str(raw.get("verdict") or ""),
            *_counts(s),
        )
        for c, raw, s in zip(cited, sentences, response.sentences, strict=True)
    ]
    item = ItemScore(name, kind, True, response, sentences=rows)
    markers = [int(n) for raw in sentences for n in raw.get("citations") or []]
    item.markers = len(markers) + int((briefing.get("report") or {}).get("dropped_citations", 0))
    item.resolved = sum(n in numbers for n in markers)
    item.cited = sum(bool(raw.get("citations")) for raw in sentences)
    item.sources = len(numbers)
    if kind == "briefing":
        takeaways = briefing.get("takeaways") or []
        item.takeaways = len(takeaways)
        item.relevance = [float((t.get("story") or {}).get("relevance", 0.0)) for t in takeaways]
    if article_text is not None:
        for article_id, start, end, quote in _quotes(briefing):
            text = article_text(article_id)
            if text is None:
                continue
            item.quotes_checked += 1
            item.quotes_exact += text[start:end] == quote
    return item


def _counts(score: metrics.SentenceScore) -> tuple[int, int, int]:
    return score.recall, score.relevant, score.counted


@dataclass(slots=True)
class Totals:
    citation_recall: float  # ALCE, 0..1
    citation_precision: float
    validity: float
    coverage: float
    quote_fidelity: float | None  # None: no quote could be checked
    responses: int
    sentences: int
    answered: float
    on_topic: float | None = None  # share of briefing takeaways about a story on the topic
    relevance: float | None = None  # mean relevance of those takeaways' stories

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def totals(items: Sequence[ItemScore]) -> Totals:
    recall, precision = metrics.alce([i.response for i in items])
    checked = sum(i.quotes_checked for i in items)
    takeaways = sum(i.takeaways for i in items)
    relevance = [r for i in items for r in i.relevance if r > 0]
    return Totals(
        citation_recall=recall / 100,
        citation_precision=precision / 100,
        validity=metrics.validity(sum(i.markers for i in items), sum(i.resolved for i in items)),
        coverage=metrics.coverage(
            sum(len(i.sentences) for i in items), sum(i.cited for i in items)
        ),
        quote_fidelity=(
            metrics.quote_fidelity(checked, sum(i.quotes_exact for i in items)) if checked else None
        ),
        responses=sum(bool(i.sentences) for i in items),
        sentences=sum(len(i.sentences) for i in items),
        answered=sum(i.answered for i in items) / len(items) if items else 0.0,
        on_topic=(sum(i.on_topic for i in items) / takeaways) if takeaways else None,
        relevance=statistics.mean(relevance) if relevance else None,
    )


def read_scored_file(path: Path) -> tuple[str, dict[str, Any] | None]:
    """A saved briefing (``--format json``) or answer (``ask --json``): its kind and briefing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"no such file: {path}", hint="check the path") from exc
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", hint="check the path") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{path} is not JSON",
            hint="give files written by 'brief --format json' or 'ask --json'",
        ) from exc
    if isinstance(data, dict) and data.get("schema") in SCHEMAS:
        return "briefing", data
    if isinstance(data, dict) and "question" in data and "answer" in data:
        answer = data["answer"]
        if answer is not None and answer.get("schema") not in SCHEMAS:
            raise UsageError(f"{path}: the answer is not a {BRIEFING_SCHEMA} briefing")
        return "answer", answer
    raise UsageError(
        f"{path} is neither a briefing ({BRIEFING_SCHEMA}) nor an answer",
        hint="give files written by 'brief --format json' or 'ask --json'",
    )


def score_files(
    paths: Sequence[Path],
    verifier: Callable[[], Verifier],
    *,
    article_text: ArticleText | None = None,
    reuse_verdicts: bool = True,
) -> list[ItemScore]:
    loaded = [(path, *read_scored_file(path)) for path in paths]  # all read before any work
    judge = Judge(verifier)
    return [
        score_item(
            path.name,
            briefing,
            judge,
            kind=kind,
            article_text=article_text,
            reuse_verdicts=reuse_verdicts,
        )
        for path, kind, briefing in loaded
    ]


@contextmanager
def corpus_texts(settings: Settings) -> Iterator[ArticleText | None]:
    """Article texts from the corpus in ``settings.home``, if there is one (for quote fidelity)."""
    if not settings.db_path.is_file():
        yield None
        return
    corpus = Corpus(settings.db_path)
    try:

        def text(article_id: str) -> str | None:
            article = corpus.get(article_id)
            return article.text if article is not None else None

        yield text
    finally:
        corpus.close()


# --- a verifier against human labels --------------------------------------------------------
@dataclass(slots=True)
class VerifierScore:
    agreement: Agreement
    ms_per_claim: float  # mean
    sources: dict[str, int]
    ms_p50: float = 0.0
    ms_p95: float = 0.0
    warm_up_s: float = 0.0  # the first judgement (loading a model), not in the per-claim times


def score_verifier(
    examples: Sequence[Example], verifier: Verifier, progress: Progress | None = None
) -> VerifierScore:
    """Judge every example; time each judgement. One judgement of the first example comes
    first and is timed apart: it loads whatever the verifier needs (a model, a client)."""
    progress = progress or NoProgress()
    progress.stage("judge", len(examples))
    warm_up = 0.0
    if examples:
        started = time.perf_counter()
        verifier.judge(examples[0].passages, examples[0].claim)
        warm_up = time.perf_counter() - started
    predicted, times = [], []
    for example in examples:
        started = time.perf_counter()
        verdict = verifier.judge(example.passages, example.claim)
        times.append(time.perf_counter() - started)
        predicted.append(verdict.label is Label.SUPPORTED)
        progress.advance("judge")
    sources: dict[str, int] = {}
    for example in examples:
        sources[example.source] = sources.get(example.source, 0) + 1
    ordered = sorted(times)

    def ms_at(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    return VerifierScore(
        metrics.agreement(predicted, [e.supported for e in examples]),
        1000 * sum(times) / len(times) if times else 0.0,
        sources,
        ms_p50=ms_at(0.5),
        ms_p95=ms_at(0.95),
        warm_up_s=warm_up,
    )
