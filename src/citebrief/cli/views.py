"""What the commands print: the ingest report and the evaluation tables (printing only; the
numbers come from the library)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from citebrief.cli.app import out, plain
from citebrief.evaluation.report import percent
from citebrief.evaluation.score import ItemScore, Totals, VerifierScore
from citebrief.evaluation.suite import Compared, SuiteResult
from citebrief.models import IngestReport, Outcome
from citebrief.text import plural


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
        f"ingest: {counts}; {plural(chunks, 'chunk')} indexed in {seconds:.1f} s "
        f"(home: {plain(home)})",
        highlight=False,
    )


def print_verifier(out: Console, name: str, verifier: str, score: VerifierScore) -> None:
    a = score.agreement
    sources = ", ".join(f"{k} {v}" for k, v in sorted(score.sources.items()))
    table = Table(
        title=f"{verifier} verifier on {name} ({plural(a.n, 'claim')}: {sources})", box=None
    )
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


CLAIM_CHARS = 60  # a claim's first characters in the per-sentence table (the report has all)


def short(text: str, most: int) -> str:
    """``text`` on one line, cut to ``most`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1].rstrip() + "…"


def print_citations(
    out: Console, items: Sequence[ItemScore], total: Totals, report: Path | None = None
) -> None:
    """The totals first, then one line per sentence (its claim cut short: ``report``, the
    report file, has every claim in full), then the takeaways on topic."""
    print_totals(out, total)
    # the claim gets what the other columns leave of the terminal's width, at most CLAIM_CHARS
    width = max(24, min(CLAIM_CHARS, out.width - 48))
    table = Table(title="sentences", box=None)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("claim", no_wrap=True, overflow="ellipsis", max_width=width)
    for name, least in (("cited", 6), ("verdict", 11), ("recall", 6), ("relevant", 8)):
        table.add_column(name, no_wrap=True, min_width=least)
    for item in items:
        table.add_row("", Text(short(item.name, width), style="bold"), "", "", "", "")
        if not item.answered:
            table.add_row("", "(not answered)", "", "", "", "")
        for number, s in enumerate(item.sentences, 1):
            cited = "".join(f"[{n}]" for n in s.citations) or "-"
            table.add_row(
                str(number),
                short(s.text, width),
                cited,
                s.verdict or "-",
                str(s.recall),
                f"{s.relevant}/{s.counted}",
            )
    out.print(table, markup=False)
    where = f"in {report}" if report is not None else "with --report DIR"
    out.print(f"(claims cut short; every claim in full {where})", highlight=False, markup=False)
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


def print_suite(out: Console, result: SuiteResult, rows: Sequence[Compared]) -> None:
    """Each metric, its baseline and the difference; a metric that fails the gate is marked."""
    table = Table(title=f"suite {result.suite}", box=None)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("baseline", justify="right")
    table.add_column("difference", justify="right")
    table.add_column("gate")
    for row in rows:
        difference = row.difference
        change = "" if difference is None else f"{100 * difference:+.1f} pts"
        if row.failed:
            mark = Text("FAIL: below baseline", style="bold red")
        else:
            mark = Text("new" if row.baseline is None else "ok")
        table.add_row(
            row.metric.replace("_", " "),
            percent(row.current),
            "-" if row.baseline is None else percent(row.baseline),
            change,
            mark,
        )
    out.print(table)
    seconds = ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items())
    out.print(f"seconds: {seconds}", highlight=False)
