"""Citation verification: does a passage (or several) support a claim?

A verifier has one method, ``judge(passages, claim) -> Verdict``. ``LexicalVerifier`` is the
fast offline default: the share of the claim's content words found in the passages (with
crude stemming), every number in the claim present in the passages, and a negation in the
claim that the passages do not share. The evaluation work replaces the scoring behind the
same interface.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Label(StrEnum):
    SUPPORTED = "supported"
    PARTIAL = "partial"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Verdict:
    label: Label
    score: float  # 0..1, higher is better supported
    reason: str = ""


class Verifier(Protocol):
    def judge(self, passages: Sequence[str], claim: str) -> Verdict: ...


STOPWORDS = frozenset(
    """a an the and or but if then of to in on at by for with from as is are was were be been
    being this that these those it its it's he she they them his her their we our you your i
    has have had do does did so than too very can will would should could may might must shall
    about into over after before under between through during also just only more most some
    such any each other which who whom whose what when where why how all both few said says
    say""".split()
)
NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "neither",
        "nor",
        "without",
        "n't",
        "denied",
        "denies",
        "deny",
        "rejected",
        "rejects",
        "refused",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*%?")
_NUMBER = re.compile(r"\d[\d,.]*")


def _stem(word: str) -> str:
    word = word.lower().strip("'’-")
    for suffix in (
        "ational",
        "ation",
        "ments",
        "ment",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "ed",
        "es",
        "ly",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1}


def _negated(text: str) -> bool:
    lowered = text.lower().replace("’", "'")
    return any(f" {n} " in f" {lowered} " for n in NEGATIONS) or "n't" in lowered


class LexicalVerifier:
    """Offline, CPU-only, well under a millisecond per claim."""

    def __init__(self, supported: float = 0.7, partial: float = 0.4) -> None:
        self.supported = supported
        self.partial = partial

    def judge(self, passages: Sequence[str], claim: str) -> Verdict:
        evidence = " ".join(passages)
        words = content_words(claim)
        if not words:
            return Verdict(Label.UNSUPPORTED, 0.0, "claim has no content words")
        found = content_words(evidence)
        recall = len(words & found) / len(words)
        missing_numbers = _numbers(claim) - _numbers(evidence)
        score = recall
        reasons = []
        if missing_numbers:
            score = min(score, self.partial - 0.01)
            reasons.append(f"numbers not in the passages: {', '.join(sorted(missing_numbers))}")
        if _negated(claim) and not _negated(evidence):
            score = min(score, self.partial - 0.01)
            reasons.append("the claim negates what the passages say")
        if score >= self.supported:
            label = Label.SUPPORTED
        elif score >= self.partial:
            label = Label.PARTIAL
        else:
            label = Label.UNSUPPORTED
        reasons.insert(0, f"{recall:.0%} of the claim's content words are in the passages")
        return Verdict(label, round(score, 3), "; ".join(reasons))
