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
    """Agreement of a verifier with human support labels."""
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
    """ALCE citation recall and precision, validity, coverage and quote fidelity of saved files."""
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
    print_citations(out, items, total)
    if report_dir is not None:
        err.print(f"wrote {write_citations_report(items, total, report_dir)}")


@eval_cli.command("run")
def eval_run(
    suite_file: Annotated[Path, typer.Argument(help="A suite, e.g. evals/offline.toml.")],
    accept: Annotated[bool, typer.Option(help="Store the results as the new baseline.")] = False,
) -> None:
    """Run a suite and compare it with its baseline (exit 1 when a metric dropped)."""
    from citebrief.evaluation.suite import gate, load_suite, run_suite

    suite = load_suite(suite_file)
    with RichProgress(err) as progress:
        result = run_suite(suite, progress)
    print_suite(out, result)
    gate(suite, result, accept)
    out.print("baseline stored" if accept else f"suite {suite.name}: no metric below its baseline")
