"""Evaluation: score saved briefings and answers, a verifier against human labels, and whole
suites against a stored baseline (the CI gate).

Scoring is one path for every source of briefings: a briefing (or an answer, which is a
briefing of one takeaway) as the JSON dict of schema ``citebrief.briefing/1`` goes through
``score_item``, which hands its sentences to ``metrics.score_response`` (ALCE citation recall
and precision) and counts validity, coverage and quote fidelity. The verdicts a briefing carries
are reused as the joint judgement of each sentence's citations; a verifier judges the subsets
ALCE precision needs (each citation alone, the others without it).

A suite is a TOML file (see ``evals/README.md``): the corpus to ingest into a temporary home,
topics and questions, writer, verifier, retrieval settings, window, ``k`` and ``epsilon``.
``run_suite`` builds and scores everything; ``compare`` names each metric that fell more than
``epsilon`` below the baseline.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from citebrief import metrics
from citebrief.brief import SCHEMA_VERSION
from citebrief.errors import EXIT_SOME_FAILED, CitebriefError, ConfigError, UsageError
from citebrief.evaldata import Example
from citebrief.ingest import NoProgress, Progress
from citebrief.metrics import Agreement, Cited, ResponseScore
from citebrief.retrieve import RETRIEVAL_SETTINGS, Window
from citebrief.settings import Settings
from citebrief.verify import Label, Verifier

ArticleText = Callable[[str], str | None]
# settings a suite pins to their defaults unless it sets them, so that the user's environment
# (CITEBRIEF_* variables, citebrief.toml) cannot move the measured numbers
PINNED = (
    "min_text_chars",
    "near_duplicate_threshold",
    "chunk_size",
    "chunk_overlap",
    "embedding_provider",
    "embedding_model",
    *RETRIEVAL_SETTINGS,
    "collapse_similarity",
    "collection",
)


class RegressionError(CitebriefError):
    """A suite's metric fell below its baseline by more than the suite's epsilon."""

    exit_code = EXIT_SOME_FAILED


# --- judging --------------------------------------------------------------------------------------
class Judge:
    """``entails(passages, claim)`` for the metrics: a verifier's verdict (supported or not),
    memoised, and seeded with the verdicts briefings already carry. ``verifier`` may be a
    function that builds one, called only if a judgement is still needed."""

    def __init__(self, verifier: Verifier | Callable[[], Verifier]) -> None:
        self._verifier: Verifier | None = verifier if hasattr(verifier, "judge") else None
        self._make = verifier
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
            assert callable(self._make)
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
    sentences: list[SentenceRow] = field(default_factory=list)
    markers: int = 0
    resolved: int = 0
    cited: int = 0
    sources: int = 0
    quotes_checked: int = 0
    quotes_exact: int = 0


def docs_of(briefing: dict[str, Any]) -> list[str]:
    """Quoted passages by source number: ``docs[n - 1]`` is source [n]."""
    quotes = {int(s["number"]): str(s["quote"]) for s in briefing.get("sources") or []}
    docs: list[str] = []
    while len(docs) + 1 in quotes:
        docs.append(quotes[len(docs) + 1])
    return docs


def score_item(
    name: str,
    briefing: dict[str, Any] | None,
    judge: Judge,
    *,
    kind: str = "briefing",
    article_text: ArticleText | None = None,
    reuse_verdicts: bool = True,
) -> ItemScore:
    """Score one briefing or answer (a ``Briefing.to_dict()``; None: a question not answered)."""
    if briefing is None:
        return ItemScore(name, kind, False, ResponseScore(0.0, 0.0))
    docs = docs_of(briefing)
    numbers = {int(s["number"]) for s in briefing.get("sources") or []}
    sentences = [s for t in briefing.get("takeaways") or [] for s in t.get("sentences") or []]
    cited = [
        Cited(str(s["text"]), tuple(int(n) for n in s.get("citations") or [])) for s in sentences
    ]
    for sentence, raw in zip(cited, sentences, strict=True):
        refs = sentence.citations
        verdict = raw.get("verdict")
        in_range = bool(refs) and min(refs) >= 1 and max(refs) <= len(docs)
        if reuse_verdicts and verdict and in_range and len(refs) <= 3:
            judge.seed([docs[n - 1] for n in refs], sentence.text, verdict == Label.SUPPORTED)
    response = metrics.score_response(cited, docs, judge)
    rows = [
        SentenceRow(c.text, list(c.citations), str(raw.get("verdict") or ""), *_counts(s))
        for c, raw, s in zip(cited, sentences, response.sentences, strict=True)
    ]
    item = ItemScore(name, kind, True, response, rows)
    item.markers = sum(len(c.citations) for c in cited) + int(
        (briefing.get("report") or {}).get("dropped_citations", 0)
    )
    item.resolved = sum(n in numbers for c in cited for n in c.citations)
    item.cited = sum(bool(c.citations) for c in cited)
    item.sources = len(numbers)
    if article_text is not None:
        for source in briefing.get("sources") or []:
            text = article_text(str(source.get("article_id", "")))
            if text is None:
                continue
            item.quotes_checked += 1
            item.quotes_exact += text[int(source["start"]) : int(source["end"])] == source["quote"]
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

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def totals(items: Sequence[ItemScore]) -> Totals:
    recall, precision = metrics.alce([i.response for i in items])
    checked = sum(i.quotes_checked for i in items)
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
    if isinstance(data, dict) and data.get("schema") == SCHEMA_VERSION:
        return "briefing", data
    if isinstance(data, dict) and "question" in data and "answer" in data:
        answer = data["answer"]
        if answer is not None and answer.get("schema") != SCHEMA_VERSION:
            raise UsageError(f"{path}: the answer is not a {SCHEMA_VERSION} briefing")
        return "answer", answer
    raise UsageError(
        f"{path} is neither a briefing ({SCHEMA_VERSION}) nor an answer",
        hint="give files written by 'brief --format json' or 'ask --json'",
    )


def score_files(
    paths: Sequence[Path],
    verifier: Verifier | Callable[[], Verifier],
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
    from citebrief.store import Corpus

    corpus = Corpus(settings.db_path)
    try:

        def text(article_id: str) -> str | None:
            article = corpus.get(article_id)
            return article.text if article is not None else None

        yield text
    finally:
        corpus.close()


# --- reports ------------------------------------------------------------------------------------
def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def write_chart(items: Sequence[ItemScore], target: Path) -> None:
    """Citation recall and precision per item, as a PNG bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [i for i in items if i.sentences]
    names = [i.name if len(i.name) <= 28 else i.name[:27] + "…" for i in scored]
    positions = range(len(scored))
    figure, axes = plt.subplots(figsize=(max(6.0, 0.9 * len(scored) + 2), 4.2))
    try:
        width = 0.4
        axes.bar(
            [p - width / 2 for p in positions],
            [100 * i.response.recall for i in scored],
            width,
            label="citation recall",
        )
        axes.bar(
            [p + width / 2 for p in positions],
            [100 * i.response.precision for i in scored],
            width,
            label="citation precision",
        )
        axes.set_xticks(list(positions), names, rotation=30, ha="right", fontsize=8)
        axes.set_ylim(0, 105)
        axes.set_ylabel("%")
        axes.set_title("ALCE citation recall and precision")
        axes.legend(loc="lower right")
        figure.tight_layout()
        target.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(target, dpi=110)
    finally:
        plt.close(figure)


def markdown_report(
    title: str, items: Sequence[ItemScore], total: Totals, chart: str | None
) -> str:
    lines = [f"# {title}", ""]
    lines += [
        "| metric | value |",
        "|---|---|",
        f"| citation recall (ALCE) | {percent(total.citation_recall)} |",
        f"| citation precision (ALCE) | {percent(total.citation_precision)} |",
        f"| citation validity | {percent(total.validity)} |",
        f"| citation coverage | {percent(total.coverage)} |",
        f"| quote fidelity | {percent(total.quote_fidelity)} |",
        f"| responses / sentences | {total.responses} / {total.sentences} |",
        "",
    ]
    if chart:
        lines += [f"![citation recall and precision]({chart})", ""]
    lines += ["| item | kind | sentences | recall | precision |", "|---|---|---|---|---|"]
    for i in items:
        if not i.answered:
            lines.append(f"| {_cell(i.name)} | {i.kind} | not answered | | |")
            continue
        lines.append(
            f"| {_cell(i.name)} | {i.kind} | {len(i.sentences)} | {percent(i.response.recall)} "
            f"| {percent(i.response.precision)} |"
        )
    lines += ["", "## Sentences", "", "| item | claim | cited | verdict | recall | relevant |"]
    lines.append("|---|---|---|---|---|---|")
    for i in items:
        for s in i.sentences:
            lines.append(
                f"| {_cell(i.name)} | {_cell(s.text)} | {s.citations or '-'} | {s.verdict or '-'} "
                f"| {s.recall} | {s.relevant}/{s.counted} |"
            )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def write_citations_report(items: Sequence[ItemScore], total: Totals, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_chart(items, folder / "citations.png")
    report = folder / "citations.md"
    report.write_text(
        markdown_report("Citation report", items, total, "citations.png"), encoding="utf-8"
    )
    return report


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


# --- suites -------------------------------------------------------------------------------------
@dataclass(slots=True)
class Question:
    id: str
    question: str
    article: str = ""  # the file (or URL) the answer is in
    passage: str = ""  # the exact text that answers it


@dataclass(slots=True)
class Suite:
    name: str
    path: Path
    sources: list[str]
    topics: list[str]
    questions: list[Question]
    writer: str
    verifier: str
    window: Window
    takeaways: int
    k: int
    epsilon: float
    settings: dict[str, Any]

    @property
    def baseline_path(self) -> Path:
        return self.path.parent / "baselines" / f"{self.name}.json"

    @property
    def results_dir(self) -> Path:
        return self.path.parent / "results"


RELATIVE = "paths in a suite file are relative to the suite file"


def load_suite(path: Path) -> Suite:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(
            f"no such suite: {path}", hint="give a suite file such as evals/offline.toml"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", hint="check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", hint="fix the suite file") from exc
    base = path.parent
    try:
        sources = [str((base / s).resolve()) for s in _strings(data.get("corpus"), "corpus")]
        topics = _strings(data.get("topics", []), "topics")
        if isinstance(data.get("topics_file"), str):
            from citebrief.app import read_topics

            topics += read_topics(base / data["topics_file"], hint=RELATIVE)
        questions = (
            read_questions(base / data["questions"])
            if isinstance(data.get("questions"), str)
            else []
        )
        window = data.get("window") or {}
        suite = Suite(
            name=str(data.get("name") or path.stem),
            path=path,
            sources=sources,
            topics=topics,
            questions=questions,
            writer=str(data.get("writer", "extractive")),
            verifier=str(data.get("verifier", "offline")),
            window=Window(
                date.fromisoformat(window["from"]) if "from" in window else None,
                date.fromisoformat(window["to"]) if "to" in window else None,
            ),
            takeaways=int(data.get("takeaways", 3)),
            k=int(data.get("k", 5)),
            epsilon=float(data.get("epsilon", 0.01)),
            settings=dict(data.get("settings") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: bad suite: {exc}", hint="see evals/README.md") from exc
    if not suite.sources or not (suite.topics or suite.questions):
        raise ConfigError(
            f"{path}: a suite needs a corpus and topics or questions", hint="see evals/README.md"
        )
    return suite


def _strings(value: object, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"'{name}' must be a string or a list of strings")


def read_questions(path: Path) -> list[Question]:
    """``{"id", "question", "article", "passage"}`` per line; article and passage optional."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read the questions {path}: {exc.strerror}", hint=RELATIVE
        ) from exc
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            out.append(
                Question(
                    str(record.get("id") or f"q{number}"),
                    str(record["question"]),
                    str(record.get("article", "")),
                    str(record.get("passage", "")),
                )
            )
        except (json.JSONDecodeError, KeyError) as exc:
            raise ValueError(f"{path.name}:{number}: not a question record ({exc})") from exc
    return out


@dataclass(slots=True)
class SuiteResult:
    suite: str
    metrics: dict[str, float]
    items: list[ItemScore]
    retrieval: dict[str, float]  # question id -> recall@k
    seconds: dict[str, float]
    settings: dict[str, Any]


def suite_settings(suite: Suite, home: Path) -> Settings:
    from citebrief.settings import Settings as SettingsClass
    from citebrief.settings import load_settings

    pinned = {name: SettingsClass.model_fields[name].default for name in PINNED}
    return load_settings(
        **{
            **pinned,
            **suite.settings,
            "home": home,
            "chroma_url": None,
            "verifier": suite.verifier,
        }
    )


def run_suite(suite: Suite, progress: Progress | None = None) -> SuiteResult:
    """Ingest the suite's corpus into a temporary home, build every briefing and answer with
    the suite's writer and verifier, and score them."""
    from citebrief import app
    from citebrief.answer import Conversation, ask
    from citebrief.brief import build_briefing
    from citebrief.retrieve import ThinEvidenceError, retrieve

    progress = progress or NoProgress()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="citebrief-eval-") as folder:
        settings = suite_settings(suite, Path(folder) / "home")
        started = time.perf_counter()
        report = app.run_ingest(suite.sources, settings, None, progress)
        seconds["ingest"] = time.perf_counter() - started
        failed = [i for i in report.items if i.outcome.value == "failed"]
        if failed:
            raise ConfigError(
                f"suite {suite.name}: {len(failed)} corpus sources failed "
                f"({failed[0].source}: {failed[0].reason})",
                hint="fix the suite's corpus paths",
            )
        items: list[ItemScore] = []
        recalls: dict[str, float] = {}
        cites_gold: dict[str, float] = {}  # the answer cites the known passage
        with app.workspace(settings) as ws:
            writer = app.make_writer(suite.writer, settings)
            verifier = ws.verifier
            judge = Judge(verifier)

            def text(article_id: str) -> str | None:
                article = ws.corpus.get(article_id)
                return article.text if article is not None else None

            started = time.perf_counter()
            progress.stage("brief", len(suite.topics))
            for topic in suite.topics:
                try:
                    briefing = build_briefing(
                        topic,
                        corpus=ws.corpus,
                        index=ws.index,
                        writer=writer,
                        verifier=verifier,
                        settings=settings,
                        window=suite.window,
                        takeaways=suite.takeaways,
                    )
                    data: dict[str, Any] | None = briefing.to_dict()
                except ThinEvidenceError:
                    data = None
                items.append(score_item(topic, data, judge, article_text=text))
                progress.advance("brief")
            seconds["briefings"] = time.perf_counter() - started

            started = time.perf_counter()
            progress.stage("ask", len(suite.questions))
            gold = _gold_spans(suite.questions, ws.corpus)
            for question in suite.questions:
                turn = ask(
                    question.question,
                    Conversation(suite.window),
                    corpus=ws.corpus,
                    index=ws.index,
                    writer=writer,
                    verifier=verifier,
                    settings=settings,
                )
                answer = turn.answer.to_dict() if turn.answer is not None else None
                items.append(
                    score_item(question.id, answer, judge, kind="answer", article_text=text)
                )
                if question.id in gold:
                    if answer is not None:
                        cited = [
                            (str(src["article_id"]), int(src["start"]), int(src["end"]))
                            for src in answer["sources"]
                        ]
                        cites_gold[question.id] = metrics.recall_at_k([gold[question.id]], cited)
                    else:
                        cites_gold[question.id] = 0.0
                    found = retrieve(
                        question.question,
                        corpus=ws.corpus,
                        index=ws.index,
                        settings=settings,
                        window=suite.window,
                    )
                    top = [(p.article_id, p.start, p.end) for p in found.passages[: suite.k]]
                    recalls[question.id] = metrics.recall_at_k([gold[question.id]], top)
                progress.advance("ask")
            seconds["answers"] = time.perf_counter() - started
        total = totals(items)
        values = {
            "citation_recall": total.citation_recall,
            "citation_precision": total.citation_precision,
            "validity": total.validity,
            "coverage": total.coverage,
            "quote_fidelity": total.quote_fidelity if total.quote_fidelity is not None else 0.0,
            "answered": (
                statistics.mean(i.answered for i in items if i.kind == "answer")
                if suite.questions
                else 1.0
            ),
        }
        if recalls:
            values["retrieval_recall_at_k"] = statistics.mean(recalls.values())
            values["answer_cites_known_passage"] = statistics.mean(cites_gold.values())
        seconds["total"] = sum(seconds.values())
        used = {
            "writer": suite.writer,
            "verifier": suite.verifier,
            "k": suite.k,
            "window": suite.window.label(),
            **{name: getattr(settings, name) for name in PINNED},
        }
        return SuiteResult(suite.name, values, items, recalls, seconds, used)


def _gold_spans(questions: Sequence[Question], corpus: Any) -> dict[str, metrics.Span]:
    """Question id -> (article id, start, end) of its known passage in the ingested corpus."""
    articles = [corpus.get(row["id"]) for row in corpus.articles()]
    spans = {}
    for q in questions:
        if not (q.article and q.passage):
            continue
        for article in articles:
            if article is None or not (
                article.location.endswith(q.article) or article.url == q.article
            ):
                continue
            start = article.text.find(q.passage)
            if start < 0:
                raise ConfigError(
                    f"question {q.id}: its passage is not in {q.article}",
                    hint="copy the passage exactly from the article's text",
                )
            spans[q.id] = (article.id, start, start + len(q.passage))
            break
        else:
            raise ConfigError(
                f"question {q.id}: article {q.article} is not in the suite's corpus",
                hint="name a file of the corpus (or its URL)",
            )
    return spans


@dataclass(frozen=True, slots=True)
class Regression:
    metric: str
    baseline: float
    current: float


def compare(
    current: dict[str, float], baseline: dict[str, float], epsilon: float
) -> list[Regression]:
    """Every baseline metric that dropped by more than ``epsilon`` (a missing one counts as 0)."""
    return [
        Regression(name, float(value), current.get(name, 0.0))
        for name, value in baseline.items()
        if float(value) - current.get(name, 0.0) > epsilon
    ]


def read_baseline(suite: Suite) -> dict[str, float]:
    path = suite.baseline_path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(
            f"suite {suite.name} has no baseline ({path})",
            hint=f"run 'citebrief eval run {suite.path} --accept' to store one",
        ) from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"cannot read the baseline {path}: {exc}",
            hint=f"regenerate it: citebrief eval run {suite.path} --accept",
        ) from exc
    return {str(k): float(v) for k, v in data["metrics"].items()}


def write_baseline(suite: Suite, result: SuiteResult) -> Path:
    path = suite.baseline_path
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"suite": suite.name, "metrics": result.metrics, "settings": result.settings}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def write_results(suite: Suite, result: SuiteResult, regressions: Sequence[Regression]) -> Path:
    folder = suite.results_dir
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "suite": suite.name,
        "metrics": result.metrics,
        "retrieval_recall_at_k": result.retrieval,
        "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        "settings": result.settings,
        "regressions": [asdict(r) for r in regressions],
        "items": [
            {
                "name": i.name,
                "kind": i.kind,
                "answered": i.answered,
                "recall": i.response.recall,
                "precision": i.response.precision,
                "sentences": [asdict(s) for s in i.sentences],
            }
            for i in result.items
        ],
    }
    (folder / f"{suite.name}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    lines = [
        f"# Suite {suite.name}",
        "",
        f"Writer {suite.writer}, verifier {suite.verifier}, window {suite.window.label()}, "
        f"k = {suite.k}, epsilon = {suite.epsilon}. Regenerate the baseline with "
        f"`citebrief eval run {_relative(suite.path)} --accept`.",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {name} | {percent(value)} |" for name, value in result.metrics.items()),
        "",
        "Seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()) + ".",
        "",
    ]
    if result.retrieval:
        lines += ["| question | recall@k |", "|---|---|"]
        lines += [f"| {q} | {percent(v)} |" for q, v in result.retrieval.items()]
        lines.append("")
    body = markdown_report("Citations", result.items, totals(result.items), None)
    target = folder / f"{suite.name}.md"
    target.write_text(
        "\n".join(lines)
        + "\n"
        + body.replace("# Citations", "## Citations", 1).replace(
            "\n## Sentences", "\n### Sentences"
        ),
        encoding="utf-8",
    )
    return target


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def gate(suite: Suite, result: SuiteResult, accept: bool) -> list[Regression]:
    """Write the results, then store the baseline (``accept``) or compare with it."""
    if accept:
        write_results(suite, result, [])
        write_baseline(suite, result)
        return []
    regressions = compare(result.metrics, read_baseline(suite), suite.epsilon)
    write_results(suite, result, regressions)
    if regressions:
        named = ", ".join(
            f"{r.metric} {percent(r.current)} < baseline {percent(r.baseline)}" for r in regressions
        )
        raise RegressionError(
            f"suite {suite.name} regressed by more than {suite.epsilon}: {named}",
            hint=f"fix the regression, or accept the new numbers with "
            f"'citebrief eval run {_relative(suite.path)} --accept'",
        )
    return regressions
