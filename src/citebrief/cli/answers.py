"""``citebrief ask`` and ``citebrief chat``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from citebrief import dates
from citebrief.brief.render import answer_dict, answer_markdown
from citebrief.cli.app import (
    FromOption,
    SinceOption,
    ToOption,
    VerifierOption,
    cli,
    out,
    verifier_name,
)
from citebrief.errors import EXIT_OK, EXIT_SOME_FAILED
from citebrief.models import Conversation
from citebrief.settings import load_settings
from citebrief.workspace import open_workspace


@cli.command(short_help="Ask questions in a conversation, with cited answers.")
def chat(
    since: SinceOption = None,
    start: FromOption = None,
    end: ToOption = None,
    writer: Annotated[str | None, typer.Option(help="openai or extractive.")] = None,
) -> None:
    """Ask the corpus questions and get cited answers, in a conversation (/help lists the
    chat's commands).

    \b
    Examples:
      citebrief chat
      citebrief chat --since 7d --writer extractive
    """
    from citebrief.cli.chat import ChatSession

    session = ChatSession(
        load_settings(), out, writer, Conversation(dates.window(since, start, end))
    )
    raise typer.Exit(session.run())


@cli.command(short_help="Answer one question with citations.")
def ask(
    question: Annotated[str, typer.Argument(help="One question.")],
    since: SinceOption = None,
    start: FromOption = None,
    end: ToOption = None,
    writer: Annotated[str | None, typer.Option(help="openai or extractive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    verifier: VerifierOption = None,
) -> None:
    """Answer one question with citations (exit 1 when the corpus has no support).

    \b
    Examples:
      citebrief ask "How many Ascend dies will Huawei ship in 2027?" --since all
      citebrief ask "What did Beijing say about the HBM rule?" --json --from 2026-11-09
    """
    window = dates.window(since, start, end)
    with open_workspace(load_settings(), verifier=verifier_name(verifier)) as ws:
        turn = ws.ask(question, Conversation(window), writer=ws.writer(writer))
    if as_json:
        out.print_json(json.dumps(answer_dict(turn), ensure_ascii=False))
    else:
        out.print(answer_markdown(turn), highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if turn.answer is not None else EXIT_SOME_FAILED)
