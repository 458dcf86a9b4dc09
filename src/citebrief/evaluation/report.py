"""Reports of scores: a Markdown table per item and sentence, a chart, a suite's results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from citebrief.evaluation.score import ItemScore, Totals


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
        f"| takeaways on topic | {percent(total.on_topic)} |",
        f"| mean relevance of their stories | {_fraction(total.relevance)} |",
        f"| responses / sentences | {total.responses} / {total.sentences} |",
        "",
    ]
    if chart:
        lines += [f"![citation recall and precision]({chart})", ""]
    lines += [
        "| item | kind | sentences | recall | precision | takeaways on topic |",
        "|---|---|---|---|---|---|",
    ]
    for i in items:
        if not i.answered:
            lines.append(f"| {_cell(i.name)} | {i.kind} | not answered | | | |")
            continue
        lines.append(
            f"| {_cell(i.name)} | {i.kind} | {len(i.sentences)} | {percent(i.response.recall)} "
            f"| {percent(i.response.precision)} | {_on_topic(i)} |"
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


def _fraction(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _on_topic(item: ItemScore) -> str:
    if not item.takeaways:
        return "n/a"
    each = ", ".join(f"{r:.2f}" for r in item.relevance)
    return f"{item.on_topic}/{item.takeaways} (relevance {each})"


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
