"""Citation verification: does a passage (or several) support a claim?

A verifier has one method, ``judge(passages, claim) -> Verdict``. ``LexicalVerifier``: the
share of the claim's content words found in the passages (with crude stemming), every number in
the claim present in the passages, and a negation in the claim that the passages do not share.
``OfflineVerifier``: gradient-boosted trees (stored as data) over lexical features and MiniLM
alignment between the claim and its best evidence sentence; how it was fitted and how well it
does is in ``evals/results/verifier-fit.md``.
"""

from __future__ import annotations

import itertools
import math
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
# Features of a claim against its passages, in the order the fitted model reads them. Lexical:
# content-word recall over all the evidence, in its best sentence, the second best and the best
# two adjacent sentences; bigram recall; content words, numbers and capitalised names of the
# claim the evidence lacks; a negation only the claim has; hedges and clauses in the claim; sizes.
# MiniLM: cosine of the claim with its best sentence, and a BERTScore-like alignment: for each
# word piece of the claim, its best cosine with a piece of that sentence (all pieces, and content
# pieces only: mean, minimum, share below 0.5 or 0.6, lower quartile).
FEATURES = (
    "word_recall",
    "best_sentence_recall",
    "second_sentence_recall",
    "window_recall",
    "bigram_recall",
    "missing_words_log",
    "number_missing",
    "names_missing",
    "negation_mismatch",
    "hedges",
    "clauses",
    "claim_words_log",
    "claim_chars_log",
    "evidence_chars_log",
    "sentences_log",
    "passages",
    "embed_best",
    "align_mean",
    "align_min",
    "align_low",
    "content_align_mean",
    "content_align_min",
    "content_align_low",
    "content_align_q25",
)
NUMBER_MISSING = FEATURES.index("number_missing")
MAX_EVIDENCE_CHARS = 20_000  # beyond this the passages are cut before any work (p99 is ~15k)
MAX_SENTENCE_WORDS = 60  # longer "sentences" (lists, tables) are cut into windows
MAX_SENTENCE_CHARS = 400
EMBED_TOKENS = 48  # word pieces embedded per text
HEDGES = frozenset(
    "can may might could often some several various many generally typically usually such "
    "example including include includes important".split()
)
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+\b")
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]”’]))\s+|\n+")
_NOT_TEXT = re.compile(r"\[\d+\]|\bhttps?://\S+")


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1]


def split_sentences(text: str) -> list[str]:
    """Sentences by punctuation and line breaks (a regex: cheap), long ones cut into windows
    of ``MAX_SENTENCE_WORDS`` words that overlap by ten."""
    sentences = []
    for part in _SENTENCE_BREAK.split(text):
        words = part.split()
        for start in range(0, len(words), MAX_SENTENCE_WORDS - 10):
            sentences.append(" ".join(words[start : start + MAX_SENTENCE_WORDS]))
            if start + MAX_SENTENCE_WORDS >= len(words):
                break
    return sentences


def has_evidence_text(passages: Sequence[str]) -> bool:
    """Whether the passages hold any text to check a claim against (not just "[1] URL")."""
    return len(content_words(_NOT_TEXT.sub(" ", " ".join(passages)))) >= 3


def lexical_features(claim: str, passages: Sequence[str]) -> tuple[list[float], str]:
    """The lexical features (FEATURES up to ``passages``) and the claim's best sentence."""
    evidence = "\n".join(passages)[:MAX_EVIDENCE_CHARS]
    words = content_words(claim)
    sentences = split_sentences(evidence) or [evidence]
    stems = [_tokens(s) for s in sentences]
    found_sets = [set(t) for t in stems]
    found = set().union(*found_sets)
    n = max(len(words), 1)
    recalls = [len(words & f) / n for f in found_sets]
    order = sorted(range(len(sentences)), key=lambda i: -recalls[i])
    window = max(
        (len(words & (a | b)) / n for a, b in itertools.pairwise(found_sets)),
        default=recalls[0],
    )
    claim_tokens = _tokens(claim)
    claim_bigrams = set(itertools.pairwise(claim_tokens))
    evidence_bigrams = {pair for t in stems for pair in itertools.pairwise(t)}
    names = set(_CAPITALISED.findall(claim))
    values = [
        len(words & found) / n,
        recalls[order[0]],
        recalls[order[1]] if len(order) > 1 else 0.0,
        window,
        len(claim_bigrams & evidence_bigrams) / max(len(claim_bigrams), 1),
        math.log1p(len(words - found)),
        float(bool(_numbers(claim) - _numbers(evidence))),
        len(names - set(_CAPITALISED.findall(evidence))) / max(len(names), 1),
        float(_negated(claim) and not _negated(evidence)),
        float(len(HEDGES & set(claim.lower().split()))),
        float(claim.count(",") + claim.lower().count(" and ")),
        math.log1p(len(words)),
        math.log1p(len(claim)),
        math.log1p(len(evidence)),
        math.log1p(len(sentences)),
        float(len(passages)),
    ]
    return values, sentences[order[0]][:MAX_SENTENCE_CHARS]


def _is_content_piece(piece: str) -> bool:
    return piece.isalnum() and len(piece) > 1 and piece not in STOPWORDS


def alignment_features(
    claim_vector: Any,
    claim_pieces: Sequence[str],
    claim_piece_vectors: Any,
    sentence_vector: Any,
    sentence_piece_vectors: Any,
) -> list[float]:
    """MiniLM features (FEATURES from ``embed_best``): unit vectors in, cosines out."""
    import numpy as np

    cosine = float(np.dot(claim_vector, sentence_vector))
    claim_pieces_v = np.asarray(claim_piece_vectors, dtype=np.float32)
    sentence_pieces_v = np.asarray(sentence_piece_vectors, dtype=np.float32)
    if len(claim_pieces_v) == 0 or len(sentence_pieces_v) == 0:
        return [cosine, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    best = (claim_pieces_v @ sentence_pieces_v.T).max(axis=1)
    content = np.array([_is_content_piece(p) for p in claim_pieces], dtype=bool)
    kept = best[content] if content.any() else best
    return [
        cosine,
        float(best.mean()),
        float(best.min()),
        float((best < 0.6).mean()),
        float(kept.mean()),
        float(kept.min()),
        float((kept < 0.5).mean()),
        float(np.quantile(kept, 0.25)),
    ]


def _word_pieces(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _exact_alignment(claim: str, sentence: str, embeddings: Any) -> list[float]:
    """Fallback for embeddings without ``embed_tokens`` (OpenAI, test doubles): the text
    vectors from ``embed_documents`` and words that align only with themselves."""
    import numpy as np

    claim_vector, sentence_vector = (
        np.asarray(v) for v in embeddings.embed_documents([claim, sentence])
    )
    claim_words, sentence_words = _word_pieces(claim), _word_pieces(sentence)
    vocabulary = {w: i for i, w in enumerate(dict.fromkeys(claim_words + sentence_words))}
    eye = np.eye(max(len(vocabulary), 1), dtype=np.float32)
    return alignment_features(
        claim_vector,
        claim_words,
        eye[[vocabulary[w] for w in claim_words]] if claim_words else eye[:0],
        sentence_vector,
        eye[[vocabulary[w] for w in sentence_words]] if sentence_words else eye[:0],
    )


def verifier_features(embeddings: Any, passages: Sequence[str], claim: str) -> list[float]:
    """The offline verifier's feature vector (FEATURES order). ``embeddings`` needs
    ``embed_documents``; with ``embed_tokens`` (``LocalEmbeddings``) it also aligns the claim's
    word pieces with its best sentence's, in one batched call of the local model."""
    lexical, sentence = lexical_features(claim, passages)
    embed_tokens = getattr(embeddings, "embed_tokens", None)
    if embed_tokens is None:
        return lexical + _exact_alignment(claim, sentence, embeddings)
    claim_tv, sentence_tv = embed_tokens([claim, sentence], EMBED_TOKENS)
    return lexical + alignment_features(
        claim_tv.vector,
        claim_tv.tokens,
        claim_tv.token_vectors,
        sentence_tv.vector,
        sentence_tv.token_vectors,
    )


def tree_ensemble_score(model: dict[str, Any], values: Sequence[float]) -> float:
    """The raw score (log-odds) of a gradient-boosted tree ensemble stored as data: each tree
    is parallel lists ``feature``, ``threshold``, ``left``, ``right``, ``value`` (a node whose
    ``left`` is 0 is a leaf); a value at or below the threshold goes left."""
    score = float(model["baseline"])
    for tree in model["trees"]:
        node = 0
        while tree["left"][node]:
            if values[tree["feature"][node]] <= tree["threshold"][node]:
                node = tree["left"][node]
            else:
                node = tree["right"][node]
        score += tree["value"][node]
    return score


class OfflineVerifier:
    """Gradient-boosted trees over lexical features and MiniLM alignment between the claim and
    its best evidence sentence; the trees are data (``data/verifier.json``), fitted with
    cross-validation by ``evals/fit_verifier.py``. Offline, CPU only, one embedding call of two
    short texts per claim. Passages without text (a bare URL) support nothing."""

    def __init__(self, embeddings: Any, model: dict[str, Any] | None = None) -> None:
        self.embeddings = embeddings
        self.model = model or load_verifier_model()
        self.threshold = float(self.model["threshold"])
        self.partial_margin = float(self.model.get("partial_margin", 0.15))

    def features(self, passages: Sequence[str], claim: str) -> list[float]:
        return verifier_features(self.embeddings, passages, claim)

    def probability(self, values: Sequence[float]) -> float:
        z = tree_ensemble_score(self.model, values)
        return 1 / (1 + math.exp(-z))

    def judge(self, passages: Sequence[str], claim: str) -> Verdict:
        if not content_words(claim):
            return Verdict(Label.UNSUPPORTED, 0.0, "the claim has no content words")
        if not has_evidence_text(passages):
            return Verdict(Label.UNSUPPORTED, 0.0, "the passages hold no text to check against")
        values = self.features(passages, claim)
        p = self.probability(values)
        reasons = [f"support probability {p:.2f}"]
        if values[NUMBER_MISSING]:
            # a number the passages lack is the costliest error in a briefing: never supported
            # (the fit scores its cross-validation with this rule too)
            p = min(p, self.threshold - 0.01)
            reasons.append("a number in the claim is not in the passages")
        if p >= self.threshold:
            label = Label.SUPPORTED
        elif p >= self.threshold - self.partial_margin:
            label = Label.PARTIAL
        else:
            label = Label.UNSUPPORTED
        return Verdict(label, round(p, 3), "; ".join(reasons))


def load_verifier_model() -> dict[str, Any]:
    import json
    from importlib import resources

    text = (resources.files("citebrief") / "data" / "verifier.json").read_text("utf-8")
    model: dict[str, Any] = json.loads(text)
    if list(model["features"]) != list(FEATURES):
        raise ValueError("data/verifier.json was fitted on other features: run fit_verifier.py")
    return model
