"""A briefing helper on the sample corpus (the ``sample`` fixture of tests/conftest.py)."""

from __future__ import annotations

from datetime import date

from citebrief.brief.briefing import build_briefing
from citebrief.brief.writers import ExtractiveWriter
from citebrief.models import Briefing, Desk, Window
from citebrief.verify.lexical import LexicalVerifier
from citebrief.workspace import Workspace

SAMPLE_WINDOW = Window(date(2026, 11, 9), date(2026, 11, 22))


def brief(ws: Workspace, topic: str = "HBM export controls", **kwargs: object) -> Briefing:
    """The extractive writer and the lexical verifier on the sample window."""
    desk = Desk(kwargs.pop("writer", ExtractiveWriter()), LexicalVerifier())  # type: ignore[arg-type]
    window = kwargs.pop("window", SAMPLE_WINDOW)
    return build_briefing(topic, ws.evidence, desk, window=window, **kwargs)  # type: ignore[arg-type]
