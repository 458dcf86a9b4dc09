"""Briefings as Markdown and self-contained HTML (the browser checks are in tests/e2e)."""

from __future__ import annotations

import re

from citebrief.brief.render import to_html, to_markdown
from citebrief.workspace import Workspace
from tests.brief.conftest import brief as _brief


def test_markdown_lists_exactly_the_cited_sources(sample: Workspace) -> None:
    briefing = _brief(sample)
    text = to_markdown(briefing)
    body, sources = text.split("## Sources")
    assert text.startswith("# Food for thought: HBM export controls")
    assert "1️⃣" in body
    assert "extractive" in body
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = {int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.M)}
    assert used == listed == {s.number for s in briefing.sources}
    assert "## Citation report" in sources


def test_html_is_one_file_with_linked_citations(sample: Workspace) -> None:
    page = to_html(_brief(sample))
    assert "<script src" not in page
    assert '<link rel="stylesheet"' not in page
    for number in re.findall(r'href="#src-(\d+)"', page):
        assert f'id="src-{number}"' in page
