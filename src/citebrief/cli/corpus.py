"""``citebrief corpus ...``: see and manage what was ingested."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.table import Table

from citebrief.cli.app import corpus_cli, err, out, plain
from citebrief.cli.progress import RichProgress
from citebrief.corpus.manage import show
from citebrief.errors import EXIT_OK, EXIT_SOME_FAILED
from citebrief.settings import load_settings
from citebrief.text import plural
from citebrief.workspace import open_workspace, rebuild


@corpus_cli.command("stats")
def corpus_stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts, dates, sites, and where the data lives.

    \b
    Examples:
      citebrief corpus stats
      citebrief corpus stats --json
    """
    with open_workspace(load_settings()) as ws:
        stats = ws.stats()
    if as_json:
        out.print_json(json.dumps(stats, default=str))
        return
    sites = stats.pop("sites_by_count")
    for key, value in stats.items():
        out.print(f"{key.replace('_', ' '):>16}: {value}")
    out.print(f"{'by site':>16}: " + ", ".join(f"{plain(s)} {n}" for s, n in sites))


@corpus_cli.command("list")
def corpus_list(
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    every: Annotated[bool, typer.Option("--all", help="All of them, however many.")] = False,
) -> None:
    """Articles, newest first (the first 50 unless --limit or --all says otherwise).

    \b
    Examples:
      citebrief corpus list
      citebrief corpus list --limit 10
      citebrief corpus list --all
    """
    with open_workspace(load_settings()) as ws:
        rows = ws.corpus.articles(None if every else limit)
        total = ws.corpus.article_count()
        listed = [
            (
                row["id"],
                row["published"],
                plain(row["site_name"]),
                f"{row['chunks']}" + ("" if row["indexed"] else " (pending)"),
                plain(row["title"]),
            )
            for row in rows
        ]
        _print_one_a_line(("id", "published", "site", "chunks", "title"), listed)
    if len(rows) < total:  # said on stderr: the listing itself stays one article a line
        err.print(f"{len(rows)} of {total} (use --limit/--all)", highlight=False)


def _print_one_a_line(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A table of one row a line. In a terminal the last column is cut to fit (``…``), a site
    name at 24 cells, and the others stay whole; through a pipe (grep, cut -f, wc -l) the rows
    are tab-separated and nothing is cut."""
    if not out.is_terminal:
        for row in (header, *rows):
            out.file.write("\t".join(" ".join(cell.split()) for cell in row) + "\n")
        return
    fixed = [
        min(24, max([cell_len(h), *(cell_len(r[i]) for r in rows)]))
        for i, h in enumerate(header[:-1])
    ]
    last = max(8, out.width - sum(fixed) - 2 * len(header))
    table = Table(box=None)
    for name, width in zip(header[:-1], fixed, strict=True):
        table.add_column(name, no_wrap=True, min_width=width, max_width=24, overflow="ellipsis")
    table.add_column(header[-1], no_wrap=True, overflow="ellipsis", max_width=last)
    for row in rows:
        table.add_row(*row)
    out.print(table, highlight=False)


@corpus_cli.command("show")
def corpus_show(article_id: str) -> None:
    """One article's metadata and text (an id or a unique prefix of 4 or more characters).

    \b
    Examples:
      citebrief corpus show 7b84aeb53e7c
      citebrief corpus show 7b84
    """
    with open_workspace(load_settings()) as ws:
        article = show(ws.corpus, article_id)
    for name in (
        "id",
        "title",
        "author",
        "site_name",
        "section",
        "published",
        "language",
        "url",
        "location",
        "fetched_at",
        "sample",
    ):
        out.print(f"{name:>10}: {plain(getattr(article, name))}", highlight=False)
    out.print()
    out.print("\n".join(plain(line) for line in article.text.split("\n")), highlight=False)


@corpus_cli.command("remove")
def corpus_remove(article_id: str) -> None:
    """Remove an article from the corpus and both indexes.

    \b
    Examples:
      citebrief corpus remove 7b84aeb53e7c
    """
    with open_workspace(load_settings()) as ws:
        article = ws.remove(article_id)
    out.print(f"removed {article.id}: {plain(article.title)}", highlight=False)


@corpus_cli.command("check")
def corpus_check() -> None:
    """Check that SQLite, the keyword index and the vector store agree (exit 1 when not).

    \b
    Examples:
      citebrief corpus check
    """
    with open_workspace(load_settings()) as ws:
        result = ws.check()
    for problem in result.problems:
        err.print(f"problem: {plain(problem)}", highlight=False)
    out.print(
        f"{plural(result.chunks, 'chunk')}, {plural(result.vectors, 'vector')}: "
        + ("consistent" if not result.problems else plural(len(result.problems), "problem"))
    )
    raise typer.Exit(EXIT_SOME_FAILED if result.problems else EXIT_OK)


@corpus_cli.command("rebuild")
def corpus_rebuild() -> None:
    """Rebuild a damaged corpus from what can still be read (the damaged files are kept).

    \b
    Examples:
      citebrief corpus rebuild
      citebrief ingest sources.txt    (then: what was lost comes back)
    """
    settings = load_settings()
    with RichProgress(err) as progress:
        done = rebuild(settings, progress)
    if done.damaged is not None:
        out.print(f"the old database is kept as {plain(done.damaged)}", highlight=False)
    out.print(
        f"rebuilt: {plural(done.articles, 'article')} kept, {done.lost} lost; vectors rebuilt "
        f"for {done.vectors}",
        highlight=False,
    )
    if done.lost:
        sources = ", ".join(plain(s) for s in done.sources[:5]) or "your sources"
        err.print(
            f"to get back what was lost, ingest the sources again ({sources}): what is already "
            "there is left unchanged",
            highlight=False,
        )
    raise typer.Exit(EXIT_SOME_FAILED if done.lost else EXIT_OK)


@corpus_cli.command("reindex")
def corpus_reindex() -> None:
    """Rebuild the vector index from the corpus (after changing the embedding model).

    \b
    Examples:
      CITEBRIEF_EMBEDDING_MODEL=... citebrief corpus reindex
      citebrief corpus reindex
    """
    settings = load_settings()
    with open_workspace(settings) as ws, RichProgress(err) as progress:
        count = ws.reindex(progress)
    out.print(f"re-indexed {plural(count, 'article')} with {settings.index.embedding_model}")
