"""Rich tables for the ``eval`` commands (printing only; the numbers come from ``evaluate``)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from citebrief.evaluate import ItemScore, SuiteResult, Totals, VerifierScore, percent


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
    for name in ("cited", "verdict", "recall", "relevant"):
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
