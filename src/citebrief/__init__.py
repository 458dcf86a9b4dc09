"""citebrief: analytic briefings whose every claim cites an exact source passage.

The public API, for programs that use citebrief as a library::

    from citebrief import Window, load_settings, open_workspace

    with open_workspace(load_settings()) as ws:
        ws.ingest(["corpus/sources.txt"])
        briefing = ws.brief("HBM export controls", Window())

The pipeline's stages are packages: ``ingest`` (sources -> articles), ``corpus`` (SQLite,
keyword and vector indexes), ``brief`` (retrieval, writing, citations, rendering), ``verify``
(does a passage support a claim?), ``evaluation`` (citation metrics and suites) and ``cli``.
Names are imported on first use, so ``import citebrief`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Settings": "citebrief.settings",
    "load_settings": "citebrief.settings",
    "Workspace": "citebrief.workspace",
    "open_workspace": "citebrief.workspace",
    "build_briefing": "citebrief.brief.briefing",
    "build_answer": "citebrief.brief.briefing",
    "ask": "citebrief.brief.answer",
    "retrieve": "citebrief.stories.retrieve",
    "render": "citebrief.brief.render",
    "make_writer": "citebrief.brief.writers",
    "make_verifier": "citebrief.verify",
    "Article": "citebrief.models",
    "Passage": "citebrief.models",
    "Window": "citebrief.models",
    "Briefing": "citebrief.models",
    "Takeaway": "citebrief.models",
    "Sentence": "citebrief.models",
    "Source": "citebrief.models",
    "Conversation": "citebrief.models",
    "Turn": "citebrief.models",
    "Draft": "citebrief.models",
    "Verdict": "citebrief.models",
    "Label": "citebrief.models",
    "Writer": "citebrief.models",
    "Verifier": "citebrief.models",
    "CitebriefError": "citebrief.errors",
    "ConfigError": "citebrief.errors",
    "UsageError": "citebrief.errors",
    "StoreError": "citebrief.errors",
    "LLMError": "citebrief.errors",
    "ThinEvidenceError": "citebrief.errors",
}
__all__ = [
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
    "__version__",
    "ask",
    "build_answer",
    "build_briefing",
    "load_settings",
    "make_verifier",
    "make_writer",
    "open_workspace",
    "render",
    "retrieve",
]

if TYPE_CHECKING:
    from citebrief.brief.answer import ask
    from citebrief.brief.briefing import build_answer, build_briefing
    from citebrief.brief.render import render
    from citebrief.brief.writers import make_writer
    from citebrief.errors import (
        CitebriefError,
        ConfigError,
        LLMError,
        StoreError,
        ThinEvidenceError,
        UsageError,
    )
    from citebrief.models import (
        Article,
        Briefing,
        Conversation,
        Draft,
        Label,
        Passage,
        Sentence,
        Source,
        Takeaway,
        Turn,
        Verdict,
        Verifier,
        Window,
        Writer,
    )
    from citebrief.settings import Settings, load_settings
    from citebrief.stories.retrieve import retrieve
    from citebrief.verify import make_verifier
    from citebrief.workspace import Workspace, open_workspace


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'citebrief' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
