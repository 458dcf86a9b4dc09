"""`corpus list` keeps one article a line, in a narrow terminal and through a pipe."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from citebrief.cli import corpus

HEADER = ("id", "published", "site", "chunks", "title")
TITLE = "Jose Mourinho agrees deal to replace Mauricio Pochettino as Tottenham manager"
ROWS = [
    ("921019755f4a", "2019-11-20", "Sky News", "4", TITLE),
    ("f1c0f15d8697", "2019-11-20", "pv magazine International", "6 (pending)", "Solar costs"),
]


def listing(monkeypatch: pytest.MonkeyPatch, *, terminal: bool) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=terminal, color_system=None)
    monkeypatch.setattr(corpus, "out", console)
    corpus._print_one_a_line(HEADER, ROWS)
    return buffer.getvalue().splitlines()


def test_a_narrow_terminal_cuts_the_title_not_the_other_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = listing(monkeypatch, terminal=True)
    assert len(lines) == 1 + len(ROWS)
    assert all(len(line) <= 80 for line in lines)
    assert lines[1].split()[:4] == ["921019755f4a", "2019-11-20", "Sky", "News"]
    assert "…" in lines[1]
    assert TITLE not in lines[1]
    assert "pv magazine Internation…" in lines[2]  # a long site name is cut at 24


def test_through_a_pipe_nothing_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = listing(monkeypatch, terminal=False)
    assert len(lines) == 1 + len(ROWS)
    assert TITLE in lines[1]
    assert lines[1].split()[0] == "921019755f4a"
