"""``citebrief eval ...``: citation quality of saved files, verifiers, suites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citebrief.cli.app import VerifierOption, err, eval_cli, out, verifier_name
from citebrief.cli.progress import RichProgress
from citebrief.cli.views import print_citations, print_suite, print_verifier
from citebrief.errors import UsageError
from citebrief.models import Verifier
from citebrief.settings import Settings, load_settings


def _make_verifier(settings: Settings, given: str | None) -> Verifier:
    from citebrief.corpus.embeddings import make_embeddings
    from citebrief.verify import make_verifier

    name = verifier_name(given) or settings.verify.verifier
    return make_verifier(name, settings, make_embeddings(settings))


@eval_cli.command("verifier")
def eval_verifier(
    dataset: Annotated[Path, typer.Argument(help="AttributionBench or ExpertQA .jsonl file.")],
    verifier: VerifierOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Judge only the first N claims.")] = None,
) -> None:
    """Agreement of a verifier with human support labels.

    \b
    Examples:
      citebrief eval verifier expertqa.jsonl --verifier llm --limit 200
      citebrief eval verifier attributionbench-dev.jsonl --verifier offline
    """
    from citebrief.evaluation.datasets import read_dataset
    from citebrief.evaluation.score import score_verifier

    settings = load_settings()
    name = verifier_name(verifier) or settings.verify.verifier
    examples = read_dataset(dataset)[:limit]
    if not examples:
        raise UsageError(f"{dataset} holds no labelled claims", hint="check the file")
    chosen = _make_verifier(settings, name)
    with RichProgress(err) as progress:
        score = score_verifier(examples, chosen, progress)
    print_verifier(out, dataset.name, name, score)


@eval_cli.command("citations")
def eval_citations(
    files: Annotated[
        list[Path], typer.Argument(help="Briefings (--format json) or answers (--json).")
    ],
    verifier: VerifierOption = None,
    rejudge: Annotated[
        bool, typer.Option(help="Judge every sentence again instead of reusing its verdict.")
    ] = False,
    report_dir: Annotated[
        Path | None, typer.Option("--report", help="Write citations.md and citations.png here.")
    ] = None,
) -> None:
    """ALCE citation recall and precision, validity, coverage and quote fidelity of saved files:
    the totals, then a short line per sentence (the report file has every claim in full).

    \b
    Examples:
      citebrief eval citations hbm.json answer.json --report report/
      citebrief eval citations hbm.json --rejudge --verifier llm
    """
    from citebrief.evaluation.report import write_citations_report
    from citebrief.evaluation.score import corpus_texts, score_files, totals

    settings = load_settings()
    verifier_name(verifier)  # an unknown name fails before any file is read
    with corpus_texts(settings) as texts:
        items = score_files(
            files,
            lambda: _make_verifier(settings, verifier),
            article_text=texts,
            reuse_verdicts=not rejudge,
        )
    total = totals(items)
    report = write_citations_report(items, total, report_dir) if report_dir is not None else None
    print_citations(out, items, total, report)


@eval_cli.command("run")
def eval_run(
    suite_file: Annotated[Path, typer.Argument(help="A suite, e.g. evals/offline.toml.")],
    accept: Annotated[
        bool,
        typer.Option(
            help="Store the results as the new baseline, with the tracked results beside the "
            "suite (results/)."
        ),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the results (default: $CITEBRIEF_HOME/evals)."),
    ] = None,
) -> None:
    """Run a suite and compare each metric with its baseline (exit 1 when one dropped by more
    than the suite's epsilon). Results go to --out or $CITEBRIEF_HOME/evals; only --accept
    rewrites the files tracked beside the suite.

    \b
    Examples:
      citebrief eval run evals/offline.toml
      citebrief eval run evals/offline.toml --out /tmp/eval
      citebrief eval run evals/offline.toml --accept    (after an intended change)
    """
    from citebrief.evaluation.suite import (
        compared,
        gate,
        load_suite,
        run_suite,
        stored_baseline,
    )

    suite = load_suite(suite_file)
    folder = out_dir or load_settings().home / "evals"
    with RichProgress(err) as progress:
        result = run_suite(suite, progress)
    print_suite(out, result, compared(result.metrics, stored_baseline(suite), suite.epsilon))
    written = gate(suite, result, accept, folder)
    if accept:
        out.print(f"baseline stored: {suite.baseline_path}", highlight=False)
    else:
        out.print(f"suite {suite.name}: no metric below its baseline", highlight=False)
    err.print(f"results: {written}", highlight=False)
