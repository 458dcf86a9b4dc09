"""The command line: each command parses options and calls one library function.

Errors become one line on stderr and an exit code here, in ``main``: 0 all ok, 1 some items
failed, 2 usage or configuration error. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from citebrief import __version__, app, evalview, manage
from citebrief.dates import parse_day, parse_since
from citebrief.embeddings import make_embeddings
from citebrief.errors import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, CitebriefError, UsageError
from citebrief.models import IngestReport, Outcome
from citebrief.progress import RichProgress
from citebrief.retrieve import Window
from citebrief.settings import Settings, load_settings

cli = typer.Typer(
    help="Cited analytic briefings from the articles you follow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
corpus_cli = typer.Typer(help="See and manage what was ingested.", no_args_is_help=True)
cli.add_typer(corpus_cli, name="corpus")
eval_cli = typer.Typer(help="Measure citation quality and the verifiers.", no_args_is_help=True)
cli.add_typer(eval_cli, name="eval")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@cli.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """citebrief: analytic briefings whose every claim cites an exact source passage."""


@cli.command()
def version() -> None:
    """Print the version."""
    out.print(f"citebrief {__version__}")


@cli.command()
def ingest(
    sources: Annotated[
        list[str],
        typer.Argument(help="URLs, feeds, sitemaps, files, folders, or .txt lists of sources."),
    ],
    since: Annotated[
        str | None, typer.Option(help="Skip feed items older than this: 7d, 2w or 2026-11-09.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fetch, extract, deduplicate and index articles."""
    settings = load_settings()
    with RichProgress(err) as progress:
        report = app.run_ingest(sources, settings, parse_since(since) if since else None, progress)
    _print_report(report, as_json, str(settings.home))
    raise typer.Exit(EXIT_SOME_FAILED if report.failed else EXIT_OK)


VerifierOption = Annotated[
    str | None,
    typer.Option(help="offline, llm or lexical (default: CITEBRIEF_VERIFIER, else offline)."),
]


def _settings(verifier: str | None = None) -> Settings:
    return app.with_verifier(load_settings(), verifier)


def _window(since: str | None, start: str | None, end: str | None) -> Window:
    if since and (start or end):
        raise UsageError("--since cannot be combined with --from/--to", hint="use one or the other")
    if since:
        return Window(parse_since(since), None)
    return Window(parse_day(start) if start else None, parse_day(end) if end else None)


@cli.command()
def brief(
    topic: Annotated[str, typer.Argument(help="What the briefing is about.")],
    since: Annotated[str | None, typer.Option(help="Window: 7d, 2w or a date.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    takeaways: Annotated[int, typer.Option(min=1, max=10, help="Number of takeaways.")] = 3,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    writer: Annotated[
        str | None,
        typer.Option(help="openai or extractive (default: openai when an LLM is configured)."),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Remove unsupported sentences.")] = False,
    verifier: VerifierOption = None,
) -> None:
    """Write a cited "Food for thought" briefing on a topic."""
    if fmt not in ("md", "html", "json"):  # before any work is done
        raise UsageError(f"unknown format {fmt!r}", hint="use --format md, html or json")
    settings = _settings(verifier)
    window = _window(since, start, end)
    briefing = app.run_brief(
        topic, settings, window, writer=writer, takeaways=takeaways, strict=strict
    )
    text = app.render(briefing, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        app.write_atomically(output, text)
        err.print(f"wrote {output}", highlight=False)


@cli.command()
def weekly(
    topics: Annotated[Path | None, typer.Option(help="Topics file (default: settings).")] = None,
    as_of: Annotated[
        str,
        typer.Option(
            help="Last day of the week: a date, 'today' or 'latest' (the newest article)."
        ),
    ] = "today",
    out_dir: Annotated[Path | None, typer.Option(help="Folder for the briefings.")] = None,
    writer: Annotated[str | None, typer.Option(help="openai or extractive.")] = None,
    verifier: VerifierOption = None,
) -> None:
    """One briefing per topic for the last 7 days: briefings/<ISO week>-<topic>.{md,html,json}."""
    settings = _settings(verifier)
    if as_of == "today":
        day = datetime.now(UTC).date()
    elif as_of == "latest":
        day = app.latest_day(settings)
    else:
        day = parse_day(as_of)
    results = app.run_weekly(settings, topics, day, writer=writer, out_dir=out_dir)
    for result in results:
        where = f" -> {result.files[0]}" if result.files else ""
        out.print(
            f"{'ok' if result.ok else 'failed':>6}  {result.topic}: {result.message}{where}",
            highlight=False,
            markup=False,
        )
    raise typer.Exit(EXIT_OK if all(r.ok for r in results) else EXIT_SOME_FAILED)


@cli.command()
def chat(
    since: Annotated[str | None, typer.Option(help="Window: 30d, 2w or a date.")] = "30d",
    writer: Annotated[str | None, typer.Option(help="openai or extractive.")] = None,
) -> None:
    """Ask the corpus questions and get cited answers, in a conversation."""
    from citebrief.answer import Conversation
    from citebrief.chat import ChatSession

    settings = load_settings()
    window = Window(parse_since(since) if since and since != "all" else None, None)
    session = ChatSession(settings, out, writer, Conversation(window))
    raise typer.Exit(session.run())


@cli.command()
def ask(
    question: Annotated[str, typer.Argument(help="One question.")],
    since: Annotated[str | None, typer.Option(help="Window: 30d, 2w or a date.")] = None,
    writer: Annotated[str | None, typer.Option(help="openai or extractive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    verifier: VerifierOption = None,
) -> None:
    """Answer one question with citations (exit 1 when the corpus has no support)."""
    settings = _settings(verifier)
    turn = app.run_ask(
        question, settings, Window(parse_since(since) if since else None, None), writer=writer
    )
    if as_json:
        out.print_json(json.dumps(app.turn_to_dict(turn), ensure_ascii=False))
    else:
        out.print(turn.text, highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if turn.answer is not None else EXIT_SOME_FAILED)


@corpus_cli.command("stats")
def corpus_stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts, dates, sites, and where the data lives."""
    stats = app.corpus_stats(load_settings())
    if as_json:
        out.print_json(json.dumps(stats, default=str))
        return
    sites = stats.pop("sites_by_count")
    for key, value in stats.items():
        out.print(f"{key.replace('_', ' '):>16}: {value}")
    out.print(f"{'by site':>16}: " + ", ".join(f"{s} {n}" for s, n in sites))  # type: ignore[attr-defined]


@corpus_cli.command("list")
def corpus_list(limit: Annotated[int, typer.Option(help="At most this many.")] = 50) -> None:
    """Articles, newest first."""
    with app.workspace(load_settings()) as ws:
        table = Table("id", "published", "site", "chunks", "title", box=None)
        for row in ws.corpus.articles(limit):
            flag = "" if row["indexed"] else " (pending)"
            table.add_row(
                row["id"],
                row["published"],
                row["site_name"],
                f"{row['chunks']}{flag}",
                row["title"],
            )
        out.print(table)


@corpus_cli.command("show")
def corpus_show(article_id: str) -> None:
    """One article's metadata and text."""
    with app.workspace(load_settings()) as ws:
        article = manage.show(ws.corpus, article_id)
    for name in (
        "id",
        "title",
        "author",
        "site_name",
        "published",
        "language",
        "url",
        "location",
        "fetched_at",
        "sample",
    ):
        out.print(f"{name:>10}: {getattr(article, name)}", highlight=False)
    out.print()
    out.print(article.text, highlight=False, markup=False)


@corpus_cli.command("remove")
def corpus_remove(article_id: str) -> None:
    """Remove an article from the corpus and both indexes."""
    with app.workspace(load_settings()) as ws:
        article = manage.remove(ws.corpus, ws.index, article_id)
    out.print(f"removed {article.id}: {article.title}", highlight=False)


@corpus_cli.command("check")
def corpus_check() -> None:
    """Check that SQLite, the keyword index and the vector store agree."""
    result = app.check(load_settings())
    for problem in result.problems:
        err.print(f"problem: {problem}", highlight=False)
    out.print(
        f"{result.chunks} chunks, {result.vectors} vectors: "
        + ("consistent" if not result.problems else f"{len(result.problems)} problems")
    )
    raise typer.Exit(EXIT_SOME_FAILED if result.problems else EXIT_OK)


@corpus_cli.command("reindex")
def corpus_reindex() -> None:
    """Rebuild the vector index from the corpus (after changing the embedding model)."""
    settings = load_settings()
    with RichProgress(err) as progress:
        count = app.reindex(settings, progress)
    out.print(f"re-indexed {count} articles with {settings.embedding_model}")


@eval_cli.command("verifier")
def eval_verifier(
    dataset: Annotated[Path, typer.Argument(help="AttributionBench or ExpertQA .jsonl file.")],
    verifier: VerifierOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Judge only the first N claims.")] = None,
) -> None:
    """Agreement of a verifier with human support labels."""
    from citebrief.evaldata import read_dataset
    from citebrief.evaluate import score_verifier

    settings = _settings(verifier)
    examples = read_dataset(dataset)[:limit]
    if not examples:
        raise UsageError(f"{dataset} holds no labelled claims", hint="check the file")
    chosen = app.make_verifier(settings, make_embeddings(settings))
    with RichProgress(err) as progress:
        score = score_verifier(examples, chosen, progress)
    evalview.print_verifier(out, dataset.name, settings.verifier, score)


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
    from citebrief import evaluate

    settings = _settings(verifier)
    with evaluate.corpus_texts(settings) as texts:
        items = evaluate.score_files(
            files,
            lambda: app.make_verifier(settings, make_embeddings(settings)),
            article_text=texts,
            reuse_verdicts=not rejudge,
        )
    total = evaluate.totals(items)
    evalview.print_citations(out, items, total)
    if report_dir is not None:
        err.print(f"wrote {evaluate.write_citations_report(items, total, report_dir)}")


@eval_cli.command("run")
def eval_run(
    suite_file: Annotated[Path, typer.Argument(help="A suite, e.g. evals/offline.toml.")],
    accept: Annotated[bool, typer.Option(help="Store the results as the new baseline.")] = False,
) -> None:
    """Run a suite and compare it with its baseline (exit 1 when a metric dropped)."""
    from citebrief import evaluate

    suite = evaluate.load_suite(suite_file)
    with RichProgress(err) as progress:
        result = evaluate.run_suite(suite, progress)
    evalview.print_suite(out, result)
    evaluate.gate(suite, result, accept)
    out.print("baseline stored" if accept else f"suite {suite.name}: no metric below its baseline")


def _print_report(report: IngestReport, as_json: bool, home: str) -> None:
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
            out.print(
                f"[{style}]{item.outcome.value:>9}[/] {item.source}: {item.reason}", highlight=False
            )
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)
    chunks = sum(i.chunks for i in report.items)
    seconds = report.stage_seconds.get("total", 0.0)
    out.print(
        f"ingest: {counts}; {chunks} chunks indexed in {seconds:.1f} s (home: {home})",
        highlight=False,
    )


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        code = cli(standalone_mode=False)
    except CitebriefError as exc:
        if debug:
            traceback.print_exc()
        err.print(exc.one_line(), highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("interrupted", highlight=False)
        sys.exit(130)
    except typer.TyperException as exc:  # click's usage errors, as typer vendors click
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(int(getattr(exc, "exit_code", EXIT_USAGE)))
    except KeyboardInterrupt:
        err.print("interrupted", highlight=False)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
