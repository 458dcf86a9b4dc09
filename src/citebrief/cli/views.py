"""What the commands print: the ingest report and the evaluation tables (printing only; the
numbers come from the library)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from citebrief.cli.app import out, plain
from citebrief.evaluation.report import percent
from citebrief.evaluation.score import ItemScore, Totals, VerifierScore
from citebrief.evaluation.suite import SuiteResult
from citebrief.models import IngestReport, Outcome


def print_ingest_report(report: IngestReport, as_json: bool, home: str) -> None:
    if as_json:
        items = [
            {
                "source": i.source,
                "outcome": i.outcome.value,
                "article_id": i.article_id,
                "reason": i.reason,
                "title": i.title,
                "chunks": i.chunks,
            }
            for i in report.items
        ]
        out.print_json(json.dumps({"items": items, "seconds": report.stage_seconds}))
        return
    for item in report.items:
        if item.outcome in (Outcome.FAILED, Outcome.DUPLICATE, Outcome.SKIPPED) or item.reason:
            style = "red" if item.outcome is Outcome.FAILED else "yellow"
            line = Text.assemble(
                (f"{item.outcome.value:>9}", style), f" {plain(item.source)}: {plain(item.reason)}"
            )
            out.print(line, highlight=False)
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)
    chunks = sum(i.chunks for i in report.items)
    seconds = report.stage_seconds.get("total", 0.0)
    out.print(
        f"ingest: {counts}; {chunks} chunks indexed in {seconds:.1f} s (home: {plain(home)})",
        highlight=False,
    )


def print_verifier(out: Console, name: str, verifier: str, score: VerifierScore) -> None:
    a = score.agreement
    sources = ", ".join(f"{k} {v}" for k, v in sorted(score.sources.items()))
    table = Table(title=f"{verifier} verifier on {name} ({a.n} claims: {sources})", box=None)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("balanced accuracy", f"{a.balanced_accuracy:.3f}")
    table.add_row("macro-F1", f"{a.macro_f1:.3f}")
    table.add_row("Cohen's kappa", f"{a.kappa:.3f}")
    table.add_row(
        "ms per claim",
        f"mean {score.ms_per_claim:.1f}, median {score.ms_p50:.1f}, p95 {score.ms_p95:.1f} "
        f"(first call {score.warm_up_s:.1f} s, not counted)",
    )
    out.print(table)
    matrix = Table(title="confusion matrix (rows: human label)", box=None)
    matrix.add_column("")
    matrix.add_column("judged supported", justify="right")
    matrix.add_column("judged not", justify="right")
    matrix.add_row("supported", str(a.tp), str(a.fn))
    matrix.add_row("not supported", str(a.fp), str(a.tn))
    out.print(matrix)


def print_citations(out: Console, items: Sequence[ItemScore], total: Totals) -> None:
    table = Table(box=None)
    table.add_column("file", overflow="fold")
    table.add_column("claim", overflow="fold", ratio=1)
    for name in ("cited", "verdict", "recall", "relevant cites"):
        table.add_column(name, no_wrap=True)
    for item in items:
        if not item.answered:
            table.add_row(item.name, "(not answered)", "", "", "", "")
        for s in item.sentences:
            cited = " ".join(f"[{n}]" for n in s.citations) or "-"
            table.add_row(
                item.name,
                s.text,
                cited,
                s.verdict or "-",
                str(s.recall),
                f"{s.relevant}/{s.counted}",
            )
    out.print(table, markup=False)
    briefings = [i for i in items if i.takeaways]
    if briefings:
        topical = Table(title="takeaways on topic", box=None)
        topical.add_column("file", overflow="fold")
        topical.add_column("on topic", no_wrap=True)
        topical.add_column("relevance of each takeaway's story", overflow="fold")
        for item in briefings:
            each = ", ".join(f"{r:.2f}" if r > 0 else "no story" for r in item.relevance)
            topical.add_row(item.name, f"{item.on_topic}/{item.takeaways}", each)
        out.print(topical, markup=False)
    print_totals(out, total)


def print_totals(out: Console, total: Totals) -> None:
    table = Table(title="totals", box=None)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("citation recall (ALCE)", percent(total.citation_recall))
    table.add_row("citation precision (ALCE)", percent(total.citation_precision))
    table.add_row("citation validity", percent(total.validity))
    table.add_row("citation coverage", percent(total.coverage))
    table.add_row("quote fidelity", percent(total.quote_fidelity))
    table.add_row("takeaways on topic", percent(total.on_topic))
    table.add_row("mean relevance", "n/a" if total.relevance is None else f"{total.relevance:.2f}")
    table.add_row("responses / sentences", f"{total.responses} / {total.sentences}")
    out.print(table)


def print_suite(out: Console, result: SuiteResult) -> None:
    table = Table(title=f"suite {result.suite}", box=None)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in result.metrics.items():
        table.add_row(name.replace("_", " "), percent(value))
    seconds = ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items())
    table.add_row("seconds", seconds)
    out.print(table)
