"""``citebrief ingest``."""

from __future__ import annotations

from typing import Annotated

import typer

from citebrief.cli.app import cli, err
from citebrief.cli.progress import RichProgress
from citebrief.cli.views import print_ingest_report
from citebrief.dates import parse_since
from citebrief.errors import EXIT_OK, EXIT_SOME_FAILED
from citebrief.settings import load_settings
from citebrief.workspace import open_workspace


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
    """Fetch, extract, deduplicate and index articles.

    \b
    Examples:
      citebrief ingest corpus/sources.txt
      citebrief ingest https://example.com/feed.xml --since 7d
      citebrief ingest https://example.com/sitemap.xml ./saved-pages/ notes.md
    """
    settings = load_settings()
    first_day = parse_since(since) if since else None
    with open_workspace(settings) as ws, RichProgress(err) as progress:
        report = ws.ingest(sources, since=first_day, progress=progress)
    print_ingest_report(report, as_json, str(settings.home))
    raise typer.Exit(EXIT_SOME_FAILED if report.failed else EXIT_OK)
