"""``citebrief brief`` and ``citebrief weekly``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from citebrief import dates
from citebrief.brief.render import check_format, render
from citebrief.cli.app import (
    FromOption,
    SinceOption,
    ToOption,
    VerifierOption,
    cli,
    err,
    out,
    plain,
    verifier_name,
)
from citebrief.dates import parse_day
from citebrief.errors import EXIT_OK, EXIT_SOME_FAILED
from citebrief.files import writable_target, write_atomically
from citebrief.settings import load_settings
from citebrief.text import plural
from citebrief.workspace import open_workspace


@cli.command()
def brief(
    topic: Annotated[str, typer.Argument(help="What the briefing is about.")],
    since: SinceOption = None,
    start: FromOption = None,
    end: ToOption = None,
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
    """Write a cited "Food for thought" briefing on a topic.

    \b
    Examples:
      citebrief brief "HBM export controls" --since 7d --format html -o hbm.html
      citebrief brief "Nvidia China sales" --from 2026-11-09 --to 2026-11-22 --writer extractive
      citebrief brief "HBM export controls" --since all --strict --format json
    """
    check_format(fmt)  # before any work is done
    if output is not None:
        writable_target(output)
    window = dates.window(since, start, end)
    with open_workspace(load_settings(), verifier=verifier_name(verifier)) as ws:
        briefing = ws.brief(topic, window, writer=writer, takeaways=takeaways, strict=strict)
    text = render(briefing, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomically(output, text)
        err.print(f"wrote {output}", highlight=False)


@cli.command(short_help="One briefing per topic for the last 7 days.")
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
    publish: Annotated[
        Path | None,
        typer.Option(
            help="Keep a static archive with a feed here (default: CITEBRIEF_PUBLISH_DIR)."
        ),
    ] = None,
    email: Annotated[bool, typer.Option(help="Email each briefing (CITEBRIEF_SMTP_*).")] = False,
    resend: Annotated[bool, typer.Option(help="Email again those who already had it.")] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Write and send nothing: show the plan, tokens and recipients.")
    ] = False,
) -> None:
    """One briefing per topic for the last 7 days: briefings/<ISO week>-<topic>.{md,html,json},
    marked against last week's; then published and emailed if asked.

    \b
    Examples:
      citebrief weekly --topics corpus/topics.txt --as-of latest
      citebrief weekly --topics topics.txt --as-of 2026-11-22 --publish site --email
      citebrief weekly --topics topics.txt --dry-run --email
    """
    with open_workspace(load_settings(), verifier=verifier_name(verifier)) as ws:
        if as_of == "today":
            day = datetime.now(UTC).date()
        elif as_of == "latest":
            day = ws.latest_day()
        else:
            day = parse_day(as_of)
        run = ws.weekly(
            day,
            topics_file=topics,
            writer=writer,
            out_dir=out_dir,
            publish_dir=publish,
            email=email,
            resend=resend,
            dry_run=dry_run,
        )

    def say(text: str) -> None:
        out.print(plain(text), highlight=False)

    for plan in run.plans:
        if plan.refused:
            say(f"{'plan':>6}  {plan.topic}: would be refused: {plan.refused}")
        else:
            tokens = (
                f", about {plan.prompt:,} prompt + {plural(plan.completion, 'completion token')}"
            )
            say(
                f"{'plan':>6}  {plan.topic}: {plural(plan.stories, 'story', 'stories')}"
                + (tokens if plan.tokens else "")
            )
    if run.plans:
        total = sum(p.tokens for p in run.plans)
        if total:
            say(f"{'plan':>6}  about {plural(total, 'token')} in all")
    for result in run.topics:
        where = f" -> {result.files[0]}" if result.files else ""
        say(f"{'ok' if result.ok else 'failed':>6}  {result.topic}: {result.message}{where}")
    if run.published:
        pages, folder = len(run.published) - 2, run.published[-1].parent
        say(f"{'ok':>6}  archive: {plural(pages, 'page')}, index and feed in {folder}")
    for delivery in run.deliveries:
        item = getattr(delivery, "item", delivery)
        to = ", ".join(item.recipients)
        if dry_run:
            say(f"{'email':>6}  {item.topic}: would send to {to}")
        elif delivery.reason:
            sent = f" (sent to {', '.join(delivery.accepted)})" if delivery.accepted else ""
            say(f"{'failed':>6}  email {item.topic}: {delivery.reason}{sent}")
        else:
            say(f"{'sent':>6}  email {item.topic}: to {to}")
    if run.over_budget:
        err.print(plain(f"error: {run.over_budget}"), highlight=False)
    raise typer.Exit(EXIT_OK if run.ok else EXIT_SOME_FAILED)
