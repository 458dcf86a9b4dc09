"""The offline verifier: gradient-boosted trees (stored as data, ``data/verifier.json``) over
lexical features and MiniLM alignment between a claim and its best evidence sentence. How it
was fitted and how well it does is in ``evals/results/verifier-fit.md``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from typing import Any

from citebrief.models import Label, Verdict
from citebrief.text import STOPWORDS, content_terms, content_words, numbers, sentences, words
from citebrief.verify.lexical import negated

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
_NOT_TEXT = re.compile(r"\[\d+\]|\bhttps?://\S+")


def split_sentences(text: str) -> list[str]:
    """The evidence's sentences (``text.sentences``), long ones (lists, tables) cut into
    windows of ``MAX_SENTENCE_WORDS`` words that overlap by ten."""
    out = []
    for sentence in sentences(text):
        tokens = sentence.split()
        for start in range(0, len(tokens), MAX_SENTENCE_WORDS - 10):
            out.append(" ".join(tokens[start : start + MAX_SENTENCE_WORDS]))
            if start + MAX_SENTENCE_WORDS >= len(tokens):
                break
    return out


def has_evidence_text(passages: Sequence[str]) -> bool:
    """Whether the passages hold any text to check a claim against (not just "[1] URL")."""
    return len(content_words(_NOT_TEXT.sub(" ", " ".join(passages)))) >= 3


def lexical_features(claim: str, passages: Sequence[str]) -> tuple[list[float], str]:
    """The lexical features (FEATURES up to ``passages``) and the claim's best sentence."""
    evidence = "\n".join(passages)[:MAX_EVIDENCE_CHARS]
    wanted = content_words(claim)
    parts = split_sentences(evidence) or [evidence]
    stems = [content_terms(s) for s in parts]
    found_sets = [set(t) for t in stems]
    found = set().union(*found_sets)
    n = max(len(wanted), 1)
    recalls = [len(wanted & f) / n for f in found_sets]
    order = sorted(range(len(parts)), key=lambda i: -recalls[i])
    window = max(
        (len(wanted & (a | b)) / n for a, b in itertools.pairwise(found_sets)),
        default=recalls[0],
    )
    claim_tokens = content_terms(claim)
    claim_bigrams = set(itertools.pairwise(claim_tokens))
    evidence_bigrams = {pair for t in stems for pair in itertools.pairwise(t)}
    names = set(_CAPITALISED.findall(claim))
    values = [
        len(wanted & found) / n,
        recalls[order[0]],
        recalls[order[1]] if len(order) > 1 else 0.0,
        window,
        len(claim_bigrams & evidence_bigrams) / max(len(claim_bigrams), 1),
        math.log1p(len(wanted - found)),
        float(bool(numbers(claim) - numbers(evidence))),
        len(names - set(_CAPITALISED.findall(evidence))) / max(len(names), 1),
        float(negated(claim) and not negated(evidence)),
        float(len(HEDGES & set(claim.lower().split()))),
        float(claim.count(",") + claim.lower().count(" and ")),
        math.log1p(len(wanted)),
        math.log1p(len(claim)),
        math.log1p(len(evidence)),
        math.log1p(len(parts)),
        float(len(passages)),
    ]
    return values, parts[order[0]][:MAX_SENTENCE_CHARS]


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


def _exact_alignment(claim: str, sentence: str, embeddings: Any) -> list[float]:
    """Fallback for embeddings without ``embed_tokens`` (OpenAI, test doubles): the text
    vectors from ``embed_documents`` and words that align only with themselves."""
    import numpy as np

    claim_vector, sentence_vector = (
        np.asarray(v) for v in embeddings.embed_documents([claim, sentence])
    )
    claim_words, sentence_words = words(claim), words(sentence)
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
