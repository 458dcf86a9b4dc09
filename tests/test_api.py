"""The public API: what ``import citebrief`` offers is a curated list, and importing it is cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import citebrief

PUBLIC = {
    "__version__",
    "Article",
    "Briefing",
    "CitebriefError",
    "ConfigError",
    "Conversation",
    "Draft",
    "LLMError",
    "Label",
    "Passage",
    "Sentence",
    "Settings",
    "Source",
    "StoreError",
    "Takeaway",
    "ThinEvidenceError",
    "Turn",
    "UsageError",
    "Verdict",
    "Verifier",
    "Window",
    "Workspace",
    "Writer",
    "ask",
    "build_answer",
    "build_briefing",
    "load_settings",
    "make_verifier",
    "make_writer",
    "open_workspace",
    "render",
    "retrieve",
}


def test_all_is_exactly_the_public_api() -> None:
    assert set(citebrief.__all__) == PUBLIC


def test_every_public_name_resolves_to_its_home() -> None:
    for name in citebrief.__all__:
        value = getattr(citebrief, name)
        if name != "__version__":
            assert value.__module__.startswith("citebrief."), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        citebrief.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def test_importing_citebrief_loads_no_store_model_or_sdk() -> None:
    code = (
        "import sys, citebrief; "
        "print(sorted(m for m in ('chromadb', 'torch', 'openai', 'langchain_openai', 'sqlite3')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
