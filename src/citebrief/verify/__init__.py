"""Verification: does the cited evidence support a sentence?

A verifier has one method, ``judge(passages, claim) -> Verdict`` (``models.Verifier``). Three are
registered by name: ``offline`` (the default: fitted trees over lexical features and MiniLM
alignment, ``offline``), ``llm`` (an LLM judge with cached verdicts, ``judge``; a verdict malformed
twice is the offline verifier's) and ``lexical`` (word overlap, ``lexical``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citebrief.errors import UsageError
from citebrief.models import Verifier
from citebrief.settings import Settings


def _offline(settings: Settings, embeddings: Any) -> Verifier:
    from citebrief.verify.offline import OfflineVerifier

    return OfflineVerifier(embeddings)


def _llm(settings: Settings, embeddings: Any) -> Verifier:
    from citebrief.verify.judge import LLMVerifier

    return LLMVerifier(settings, fallback=lambda: _offline(settings, embeddings))


def _lexical(settings: Settings, embeddings: Any) -> Verifier:
    from citebrief.verify.lexical import LexicalVerifier

    return LexicalVerifier()


# name -> factory(settings, embeddings)
VERIFIERS: dict[str, Callable[[Settings, Any], Verifier]] = {
    "offline": _offline,
    "llm": _llm,
    "lexical": _lexical,
}


def check_verifier(name: str) -> str:
    """``name`` if a verifier is registered under it; a UsageError otherwise."""
    if name not in VERIFIERS:
        raise UsageError(
            f"unknown verifier {name!r}", hint=f"use --verifier {', '.join(VERIFIERS)}"
        )
    return name


def make_verifier(name: str, settings: Settings, embeddings: Any) -> Verifier:
    """The verifier registered under ``name``; ``embeddings`` serve the offline one."""
    return VERIFIERS[check_verifier(name)](settings, embeddings)
