"""The lexical verifier: word overlap, numbers and negation (pure, well under a millisecond)."""

from __future__ import annotations

from collections.abc import Sequence

from citebrief.models import Label, Verdict
from citebrief.text import content_words, numbers

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


def negated(text: str) -> bool:
    """Whether the text says no, not, never, denies... (a crude but cheap test)."""
    lowered = text.lower().replace("’", "'")
    return any(f" {n} " in f" {lowered} " for n in NEGATIONS) or "n't" in lowered


class LexicalVerifier:
    """The share of the claim's content words found in the passages (with crude stemming),
    every number of the claim present in the passages, and no negation only the claim has."""

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
        missing_numbers = numbers(claim) - numbers(evidence)
        score = recall
        reasons = []
        if missing_numbers:
            score = min(score, self.partial - 0.01)
            reasons.append(f"numbers not in the passages: {', '.join(sorted(missing_numbers))}")
        if negated(claim) and not negated(evidence):
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
