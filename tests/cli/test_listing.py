"""`corpus list` keeps one article a line, in a narrow terminal and through a pipe."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
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
    assert lines[0].split("\t") == list(HEADER)
    assert lines[1].split("\t") == list(ROWS[0])
    assert lines[2].split("\t")[2] == "pv magazine International"  # the site name whole


def test_a_wide_title_is_measured_in_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, color_system=None)
    monkeypatch.setattr(corpus, "out", console)
    wide = ("a1b2c3d4e5f6", "2019-11-20", "ライトハウス国際特許事務所", "2", "商標法違反に" * 10)
    corpus._print_one_a_line(HEADER, [wide])
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2
    assert all(cell_len(line) <= 80 for line in lines)
    assert "ライトハウス国際特許事" in lines[1]  # 26 cells: cut at 24
    assert "ライトハウス国際特許事務所" not in lines[1]
    assert "商標法違反に商標" in lines[1]  # the title keeps the room that is left
