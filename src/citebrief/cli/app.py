"""The typer application, its consoles and the options several commands share."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from citebrief import __version__
from citebrief.dates import SINCE_HELP
from citebrief.verify import check_verifier

# Help is click's plain layout (rich_markup_mode=None): typer's rich panels print a type for
# every option, flags included ("--strict <bool>", "--help <bool>"), though a flag takes no
# value; the plain layout shows a value's type only where one is given, and keeps the indented
# example blocks of the docstrings as written.
cli = typer.Typer(
    help="Cited analytic briefings from the articles you follow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    epilog="""\b
Examples:
  citebrief ingest corpus/sources.txt
  citebrief brief "HBM export controls" --since 7d --format html -o hbm.html
  citebrief ask "How many Ascend dies will Huawei ship in 2027?" --since all
  citebrief COMMAND --help    each command's options, with examples""",
)
corpus_cli = typer.Typer(
    help="See and manage what was ingested.",
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog="""\b
Examples:
  citebrief corpus stats
  citebrief corpus list --all
  citebrief corpus show 7b84
  citebrief corpus check""",
)
cli.add_typer(corpus_cli, name="corpus")
eval_cli = typer.Typer(
    help="Measure citation quality and the verifiers.",
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog="""\b
Examples:
  citebrief eval run evals/offline.toml
  citebrief eval citations hbm.json answer.json --report report/
  citebrief eval verifier expertqa.jsonl --verifier llm --limit 200""",
)
cli.add_typer(eval_cli, name="eval")
# no console markup: titles, URLs, file names and server messages are printed, and "[/]" or
# "[link=...]" in them must print as written (styles are given as Text or style=, never inline)
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


def plain(text: object) -> str:
    """Text from outside (a title, a file name, a server's message) safe on one line: control
    characters such as a newline in a file name are shown escaped, never acted on."""
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
        for c in str(text)
    )


def _print_version(wanted: bool) -> None:
    if wanted:
        out.print(f"citebrief {__version__}", highlight=False)
        raise typer.Exit()


@cli.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """citebrief: analytic briefings whose every claim cites an exact source passage."""


@cli.command()
def version() -> None:
    """Print the version.

    \b
    Examples:
      citebrief version
      citebrief --version
    """
    _print_version(True)


VerifierOption = Annotated[
    str | None,
    typer.Option(help="offline, llm or lexical (default: CITEBRIEF_VERIFIER, else offline)."),
]


def verifier_name(given: str | None) -> str | None:
    """A verifier chosen on the command line, checked before any work is done."""
    return check_verifier(given) if given is not None else None


SinceOption = Annotated[str | None, typer.Option(help=SINCE_HELP)]
FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]
