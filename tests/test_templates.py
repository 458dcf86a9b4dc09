"""Prompt templates: files with named variables, shipped inside the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from citebrief import templates


def test_every_prompt_template_takes_exactly_the_variables_the_code_passes() -> None:
    for name, expected in templates.VARIABLES.items():
        assert templates.variables(templates.load(name)) == expected, name


def test_prompts_ship_inside_the_package() -> None:
    import citebrief

    folder = Path(citebrief.__file__).parent / "prompts"
    assert {p.stem for p in folder.glob("*.md")} >= {"briefing", "answer", "judge", "condense"}


def test_rendering_a_prompt_with_wrong_variables_fails() -> None:
    with pytest.raises(ValueError, match="takes"):
        templates.render("judge", claim="x")
