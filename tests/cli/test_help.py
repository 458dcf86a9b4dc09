"""What ``--help`` and ``--version`` print, in-process (typer's test runner): every command has
examples, and a flag shows no value type."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from citebrief import __version__
from citebrief.cli import cli


def _commands(app: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group of the application, as its words on the command line."""
    found: list[tuple[str, ...]] = []
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        found.append((*prefix, name.replace("_", "-")))
    for group in app.registered_groups:
        assert group.name is not None
        assert group.typer_instance is not None
        found.append((*prefix, group.name))
        found += _commands(group.typer_instance, (*prefix, group.name))
    return found


COMMANDS = _commands(cli)


def help_of(*words: str) -> str:
    result = CliRunner().invoke(cli, [*words, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_checked() -> None:
    assert ("brief",) in COMMANDS
    assert ("corpus", "list") in COMMANDS
    assert ("eval", "run") in COMMANDS
    assert len(COMMANDS) >= 17


@pytest.mark.parametrize("words", [(), *COMMANDS], ids=lambda w: " ".join(w) or "citebrief")
def test_help_shows_examples_of_the_command(words: tuple[str, ...]) -> None:
    shown = help_of(*words)
    assert "Examples:" in shown
    examples = shown.split("Examples:", 1)[1]
    assert f"citebrief {' '.join(words)}".strip() in examples


@pytest.mark.parametrize("words", [(), *COMMANDS], ids=lambda w: " ".join(w) or "citebrief")
def test_help_shows_no_type_for_flags(words: tuple[str, ...]) -> None:
    shown = help_of(*words)
    assert "<bool>" not in shown
    assert "--help  " in shown or "--help " in shown


def test_strict_flag_reads_as_a_switch() -> None:
    shown = help_of("brief")
    assert "--strict / --no-strict  " in shown
    assert "--takeaways <int range>" in shown  # an option with a value still says its type


@pytest.mark.parametrize("words", [("--version",), ("version",)])
def test_version(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, list(words))
    assert result.exit_code == 0
    assert result.output == f"citebrief {__version__}\n"
