"""Citation verification: does a passage (or several) support a claim?

A verifier has one method, ``judge(passages, claim) -> Verdict``. ``LexicalVerifier`` is the
fast offline default: the share of the claim's content words found in the passages (with
crude stemming), every number in the claim present in the passages, and a negation in the
claim that the passages do not share. The evaluation work replaces the scoring behind the
same interface.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


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


# --- the fitted offline verifier ----------------------------------------------------------------
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
FEATURES = (
    "word_recall",
    "bigram_recall",
    "best_sentence_recall",
    "second_sentence_recall",
    "number_missing",
    "numbers_missing_log",
    "names_missing",
    "negation_mismatch",
    "claim_words_log",
    "evidence_chars_log",
    "embed_max",
    "embed_top2",
    "embed_mean",
)
CANDIDATES = 4  # evidence sentences embedded per claim (the lexically closest)


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1]


def candidate_sentences(claim: str, evidence: str) -> tuple[list[str], list[float]]:
    """Evidence sentences ranked by how many of the claim's content words they hold."""
    from citebrief.writers import sentences_of

    words = content_words(claim)
    sentences = [evidence[s:e] for s, e in sentences_of(evidence)] or [evidence]
    recalls = [len(words & content_words(s)) / max(len(words), 1) for s in sentences]
    order = sorted(range(len(sentences)), key=lambda i: -recalls[i])
    return [sentences[i][:600] for i in order], [recalls[i] for i in order]


def lexical_features(claim: str, evidence: str) -> tuple[list[float], list[str]]:
    """The lexical features and the candidate sentences to embed."""
    import math

    words, found = content_words(claim), content_words(evidence)
    recall = len(words & found) / max(len(words), 1)
    ct, et = _tokens(claim), _tokens(evidence)
    claim_bigrams, evidence_bigrams = (
        set(itertools.pairwise(ct)),
        set(itertools.pairwise(et)),
    )
    bigram = len(claim_bigrams & evidence_bigrams) / max(len(claim_bigrams), 1)
    sentences, recalls = candidate_sentences(claim, evidence)
    best = recalls[0] if recalls else 0.0
    second = recalls[1] if len(recalls) > 1 else 0.0
    missing = len(_numbers(claim) - _numbers(evidence))
    names = set(_CAPITALISED.findall(claim))
    names_missing = len(names - set(_CAPITALISED.findall(evidence))) / max(len(names), 1)
    negation = float(_negated(claim) and not _negated(evidence))
    values = [
        recall,
        bigram,
        best,
        second,
        float(missing > 0),
        math.log1p(missing),
        names_missing,
        negation,
        math.log1p(len(words)),
        math.log1p(len(evidence)),
    ]
    return values, sentences[:CANDIDATES]


def embedding_features(claim_vector: Any, sentence_vectors: Any) -> list[float]:
    import numpy as np

    if len(sentence_vectors) == 0:
        return [0.0, 0.0, 0.0]
    sims = np.asarray(sentence_vectors) @ np.asarray(claim_vector)
    top = np.sort(sims)[::-1]
    return [float(top[0]), float(top[:2].mean()), float(sims.mean())]


def verifier_features(embeddings: Any, passages: Sequence[str], claim: str) -> list[float]:
    """The offline verifier's feature vector (FEATURES order)."""
    evidence = "\n".join(passages)
    lexical, sentences = lexical_features(claim, evidence)
    vectors = embeddings.embed_documents([claim, *sentences])
    return lexical + embedding_features(vectors[0], vectors[1:])


class OfflineVerifier:
    """Logistic regression over lexical features and MiniLM similarities between the claim and
    its closest evidence sentences; weights in ``data/verifier.json``, fitted by
    ``evals/fit_verifier.py``. Offline, CPU only."""

    def __init__(self, embeddings: Any, model: dict[str, Any] | None = None) -> None:
        self.embeddings = embeddings
        self.model = model or load_verifier_model()
        self.mean = self.model["mean"]
        self.scale = self.model["scale"]
        self.weights = self.model["weights"]
        self.bias = float(self.model["bias"])
        self.threshold = float(self.model["threshold"])
        self.partial_margin = float(self.model.get("partial_margin", 0.15))

    def features(self, passages: Sequence[str], claim: str) -> list[float]:
        return verifier_features(self.embeddings, passages, claim)

    def probability(self, values: Sequence[float]) -> float:
        import math

        z = self.bias + sum(
            w * (v - m) / (s or 1.0)
            for w, v, m, s in zip(self.weights, values, self.mean, self.scale, strict=True)
        )
        return 1 / (1 + math.exp(-z))

    def judge(self, passages: Sequence[str], claim: str) -> Verdict:
        if not passages or not content_words(claim):
            return Verdict(Label.UNSUPPORTED, 0.0, "no evidence or no content words")
        p = self.probability(self.features(passages, claim))
        if p >= self.threshold:
            label = Label.SUPPORTED
        elif p >= self.threshold - self.partial_margin:
            label = Label.PARTIAL
        else:
            label = Label.UNSUPPORTED
        return Verdict(label, round(p, 3), f"support probability {p:.2f}")


def load_verifier_model() -> dict[str, Any]:
    import json
    from importlib import resources

    text = (resources.files("citebrief") / "data" / "verifier.json").read_text("utf-8")
    model: dict[str, Any] = json.loads(text)
    if list(model["features"]) != list(FEATURES):
        raise ValueError("data/verifier.json was fitted on other features: run fit_verifier.py")
    return model
