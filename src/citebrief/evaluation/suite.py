"""Evaluation suites and the CI gate.

A suite is a TOML file (see ``evals/README.md``): the corpus to ingest into a temporary home,
topics and questions, writer, verifier, retrieval settings, window, ``k`` and ``epsilon``.
``run_suite`` builds and scores everything; ``compared`` sets each metric beside its baseline
and marks those that fell more than ``epsilon`` below it, and ``gate`` fails on them.

Where results go: an ordinary run writes ``<name>.{md,json}`` to a folder the caller names (the
command line: ``--out``, else ``$CITEBRIEF_HOME/evals``), never into the repository; only
``--accept`` writes the tracked files beside the suite (``baselines/<name>.json`` and
``results/<name>.{md,json}``), so that a test run leaves the working tree as it was.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from citebrief.brief.weekly import read_topics
from citebrief.errors import ConfigError, RegressionError, ThinEvidenceError, UsageError
from citebrief.evaluation import metrics
from citebrief.evaluation.report import markdown_report, percent
from citebrief.evaluation.score import ItemScore, Judge, score_item, totals
from citebrief.models import Conversation, NoProgress, Progress, Window
from citebrief.settings import RetrievalSettings, Settings, default_of, load_settings
from citebrief.text import plural

# settings a suite pins to their defaults unless it sets them, so that the user's environment
# (CITEBRIEF_* variables, citebrief.toml) cannot move the measured numbers
PINNED = (
    "min_text_chars",
    "near_duplicate_threshold",
    "chunk_size",
    "chunk_overlap",
    "embedding_provider",
    "embedding_model",
    *RetrievalSettings.model_fields,
    "collection",
)


@dataclass(slots=True)
class Question:
    id: str
    question: str
    article: str = ""  # the file (or URL) the answer is in
    passage: str = ""  # the exact text that answers it
    refuse: bool = False  # the corpus cannot answer it: the answer must say so
    # other (article, passage) pairs that state the same answer: a wire report and a
    # line-by-line explainer may both give the rule's threshold; any of them counts
    also: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Relevance:
    """What a topic's briefing may cite: ``articles`` (file names or URLs) about the topic;
    or, with ``refuse``, nothing: the corpus does not cover the topic."""

    topic: str
    articles: tuple[str, ...] = ()
    refuse: bool = False


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
    relevance: list[Relevance] = field(default_factory=list)

    @property
    def briefing_topics(self) -> list[str]:
        """The topics briefed: the suite's, and those only its relevance cases name."""
        return list(dict.fromkeys([*self.topics, *(r.topic for r in self.relevance)]))

    @property
    def baseline_path(self) -> Path:
        return self.path.parent / "baselines" / f"{self.name}.json"

    @property
    def results_dir(self) -> Path:
        """The tracked results beside the suite: written by ``--accept`` only."""
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
            topics += read_topics(base / data["topics_file"], hint=RELATIVE)
        questions = (
            read_questions(base / data["questions"])
            if isinstance(data.get("questions"), str)
            else []
        )
        relevance = [
            Relevance(
                str(case["topic"]),
                tuple(_strings(case.get("articles", []), "articles")),
                bool(case.get("refuse", False)),
            )
            for case in data.get("relevance", [])
        ]
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
            relevance=relevance,
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
                    bool(record.get("refuse", False)),
                    tuple((str(a["article"]), str(a["passage"])) for a in record.get("also", [])),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
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
    pinned = {name: default_of(name) for name in PINNED}
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
    from citebrief.stories.retrieve import retrieve
    from citebrief.workspace import Workspace

    progress = progress or NoProgress()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="citebrief-eval-") as folder:
        settings = suite_settings(suite, Path(folder) / "home")
        settings.home.mkdir(parents=True, exist_ok=True)
        ws = Workspace(settings, verifier=suite.verifier)
        try:
            started = time.perf_counter()
            report = ws.ingest(suite.sources, progress=progress)
            seconds["ingest"] = time.perf_counter() - started
            failed = report.failed
            if failed:
                raise ConfigError(
                    f"suite {suite.name}: {plural(len(failed), 'corpus source')} failed "
                    f"({failed[0].source}: {failed[0].reason})",
                    hint="fix the suite's corpus paths",
                )
            items: list[ItemScore] = []
            recalls: dict[str, float] = {}
            cites_gold: dict[str, float] = {}  # the answer cites the known passage
            writer = ws.writer(suite.writer)
            verifier = ws.verifier
            judge = Judge(lambda: verifier)

            def text(article_id: str) -> str | None:
                article = ws.corpus.get(article_id)
                return article.text if article is not None else None

            started = time.perf_counter()
            cases = {r.topic: r for r in suite.relevance}
            on_topic = [0, 0]  # cited articles about the topic, cited articles
            refused = [0, 0]  # refused, expected to be refused
            progress.stage("brief", len(suite.briefing_topics))
            for topic in suite.briefing_topics:
                try:
                    data: dict[str, Any] | None = ws.brief(
                        topic, suite.window, writer=writer, takeaways=suite.takeaways
                    ).to_dict()
                except ThinEvidenceError:
                    data = None
                case = cases.get(topic)
                if case is not None and case.refuse:
                    refused[0] += data is None
                    refused[1] += 1
                elif case is not None and data is not None:
                    cited_ids = {str(src["article_id"]) for src in data["sources"]}
                    about = _article_ids(case.articles, ws.corpus)
                    on_topic[0] += len(cited_ids & about)
                    on_topic[1] += len(cited_ids)
                if topic in suite.topics:
                    items.append(score_item(topic, data, judge, article_text=text))
                progress.advance("brief")
            seconds["briefings"] = time.perf_counter() - started

            started = time.perf_counter()
            progress.stage("ask", len(suite.questions))
            gold = _gold_spans(suite.questions, ws.corpus)
            for question in suite.questions:
                turn = ws.ask(question.question, Conversation(suite.window), writer=writer)
                answer = turn.answer.to_dict() if turn.answer is not None else None
                if question.refuse:
                    refused[0] += answer is None
                    refused[1] += 1
                    progress.advance("ask")
                    continue
                items.append(
                    score_item(question.id, answer, judge, kind="answer", article_text=text)
                )
                if question.id in gold:
                    if answer is not None:
                        cited = [
                            (str(src["article_id"]), int(q["start"]), int(q["end"]))
                            for src in answer["sources"]
                            for q in src["quotes"]
                        ]
                        cites_gold[question.id] = _any_hit(gold[question.id], cited)
                    else:
                        cites_gold[question.id] = 0.0
                    found = retrieve(question.question, ws.evidence, suite.window)
                    top = [(p.article_id, p.start, p.end) for p in found.passages[: suite.k]]
                    recalls[question.id] = _any_hit(gold[question.id], top)
                progress.advance("ask")
            seconds["answers"] = time.perf_counter() - started
        finally:
            ws.close()
        total = totals(items)
        values = {
            "citation_recall": total.citation_recall,
            "citation_precision": total.citation_precision,
            "validity": total.validity,
            "coverage": total.coverage,
            "quote_fidelity": total.quote_fidelity if total.quote_fidelity is not None else 0.0,
            "answered": (
                statistics.mean(i.answered for i in items if i.kind == "answer")
                if any(i.kind == "answer" for i in items)
                else 1.0
            ),
        }
        if on_topic[1]:
            values["on_topic"] = on_topic[0] / on_topic[1]
        if refused[1]:
            values["refused_when_not_covered"] = refused[0] / refused[1]
        if recalls:
            values["retrieval_recall_at_k"] = statistics.mean(recalls.values())
            values["answer_cites_known_passage"] = statistics.mean(cites_gold.values())
        seconds["total"] = sum(seconds.values())
        flat = settings.flat()
        used = {
            "writer": suite.writer,
            "verifier": suite.verifier,
            "k": suite.k,
            "window": suite.window.label(),
            **{name: flat[name] for name in PINNED},
        }
        return SuiteResult(suite.name, values, items, recalls, seconds, used)


def _article_ids(names: Sequence[str], corpus: Any) -> set[str]:
    """The ids of the corpus's articles read from these files (or URLs)."""
    ids = set()
    for row in corpus.articles():
        article = corpus.get(row["id"])
        if article is not None and any(
            article.location.endswith(n) or article.url == n for n in names
        ):
            ids.add(article.id)
    return ids


def _any_hit(gold: Sequence[metrics.Span], found: Sequence[metrics.Span]) -> float:
    """1.0 when a passage found overlaps any of the question's known passages."""
    return float(any(metrics.recall_at_k([span], found) for span in gold))


def _gold_spans(questions: Sequence[Question], corpus: Any) -> dict[str, list[metrics.Span]]:
    """Question id -> (article id, start, end) of each of its known passages in the ingested
    corpus: the one it names first, then those it lists as stating the same answer."""
    articles = [a for a in (corpus.get(row["id"]) for row in corpus.articles()) if a is not None]
    spans: dict[str, list[metrics.Span]] = {}
    for q in questions:
        if not (q.article and q.passage):
            continue
        for name, passage in ((q.article, q.passage), *q.also):
            article = next(
                (a for a in articles if a.location.endswith(name) or a.url == name), None
            )
            if article is None:
                raise ConfigError(
                    f"question {q.id}: article {name} is not in the suite's corpus",
                    hint="name a file of the corpus (or its URL)",
                )
            start = article.text.find(passage)
            if start < 0:
                raise ConfigError(
                    f"question {q.id}: its passage is not in {name}",
                    hint="copy the passage exactly from the article's text",
                )
            spans.setdefault(q.id, []).append((article.id, start, start + len(passage)))
    return spans


@dataclass(frozen=True, slots=True)
class Regression:
    metric: str
    baseline: float
    current: float


@dataclass(frozen=True, slots=True)
class Compared:
    """A metric of the run beside its baseline."""

    metric: str
    current: float | None  # None: the run lacks a metric the baseline has (counts as 0)
    baseline: float | None  # None: a new metric, not in the baseline
    failed: bool  # fell more than epsilon below the baseline

    @property
    def difference(self) -> float | None:
        if self.baseline is None:
            return None
        return (self.current or 0.0) - self.baseline


def compared(
    current: dict[str, float], baseline: dict[str, float] | None, epsilon: float
) -> list[Compared]:
    """Each metric of the run (then each baseline metric the run lacks) beside its baseline
    (``None``: there is none yet), failed when it dropped by more than ``epsilon``."""
    known = baseline or {}
    rows = []
    for name in [*current, *(n for n in known if n not in current)]:
        value, base = current.get(name), known.get(name)
        failed = base is not None and float(base) - (value or 0.0) > epsilon
        rows.append(Compared(name, value, None if base is None else float(base), failed))
    return rows


def compare(
    current: dict[str, float], baseline: dict[str, float], epsilon: float
) -> list[Regression]:
    """Every baseline metric that dropped by more than ``epsilon`` (a missing one counts as 0)."""
    return [
        Regression(row.metric, row.baseline or 0.0, row.current or 0.0)
        for row in compared(current, baseline, epsilon)
        if row.failed
    ]


def stored_baseline(suite: Suite) -> dict[str, float] | None:
    """The suite's baseline, or None when it has none yet."""
    return read_baseline(suite) if suite.baseline_path.is_file() else None


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


def write_results(
    suite: Suite, result: SuiteResult, regressions: Sequence[Regression], folder: Path
) -> Path:
    """``<name>.json`` and ``<name>.md`` in ``folder``; the path of the Markdown report."""
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


def gate(suite: Suite, result: SuiteResult, accept: bool, results_dir: Path | None = None) -> Path:
    """Store the baseline and the tracked results beside the suite (``accept``), or compare
    with the baseline and write the results to ``results_dir``; RegressionError when a metric
    dropped. The path of the Markdown results."""
    if accept:
        write_baseline(suite, result)
        return write_results(suite, result, [], suite.results_dir)
    if results_dir is None:
        raise UsageError(
            "an evaluation run needs a folder for its results",
            hint="pass --out DIR (only --accept writes the files beside the suite)",
        )
    regressions = compare(result.metrics, read_baseline(suite), suite.epsilon)
    written = write_results(suite, result, regressions, results_dir)
    if regressions:
        named = ", ".join(
            f"{r.metric} {percent(r.current)} < baseline {percent(r.baseline)}" for r in regressions
        )
        raise RegressionError(
            f"suite {suite.name} regressed by more than {suite.epsilon}: {named}",
            hint=f"fix the regression, or accept the new numbers with "
            f"'citebrief eval run {_relative(suite.path)} --accept' (results: {written})",
        )
    return written
