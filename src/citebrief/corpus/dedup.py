"""Exact and near-duplicate detection (pure).

Exact: a hash of the text with white space and case folded. Near: MinHash over word 5-grams,
compared as estimated Jaccard similarity; syndicated copies of one story (a changed headline,
a trimmed paragraph, an added credit line) score far above unrelated articles on one topic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citebrief.models import Outcome
from citebrief.text import words

NUM_PERM = 128
SHINGLE = 5
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20240521)  # fixed: signatures must be comparable across runs
_A = _rng.integers(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def _shingle_hashes(text: str) -> npt.NDArray[np.uint64]:
    tokens = words(text)
    if len(tokens) < SHINGLE:
        grams = [" ".join(tokens)] if tokens else []
    else:
        grams = [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]
    hashes = {
        int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little")
        for g in grams
    }
    return np.fromiter(hashes, dtype=np.uint64, count=len(hashes)) % _MERSENNE


def minhash(text: str) -> bytes:
    """A MinHash signature of the text (NUM_PERM uint64 values, as bytes)."""
    shingles = _shingle_hashes(text)
    if shingles.size == 0:
        return _EMPTY.tobytes()
    # (a*x + b) mod p, computed in uint64 with wrap-around, then reduced: a cheap universal hash
    with np.errstate(over="ignore"):
        values = (np.outer(shingles, _A) + _B) % _MERSENNE
    return bytes(values.min(axis=0).astype(np.uint64).tobytes())


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (0 when either is missing)."""
    if not sig_a or not sig_b:
        return 0.0
    a = np.frombuffer(sig_a, dtype=np.uint64)
    b = np.frombuffer(sig_b, dtype=np.uint64)
    return float(np.mean(a == b))


class NearDuplicateIndex:
    """All known signatures in one growing matrix; ``find`` returns the most similar id above
    a floor. Adding appends in place (amortised), so a large corpus is not copied per page."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._ids: list[str] = []
        self._matrix = np.empty((0, NUM_PERM), dtype=np.uint64)
        self._size = 0

    def add(self, key: str, signature: bytes) -> None:
        if not signature:
            return
        if self._size == len(self._matrix):
            grown = np.empty((max(64, 2 * len(self._matrix)), NUM_PERM), dtype=np.uint64)
            grown[: self._size] = self._matrix[: self._size]
            self._matrix = grown
        self._matrix[self._size] = np.frombuffer(signature, dtype=np.uint64)
        self._ids.append(key)
        self._size += 1

    def remove(self, key: str) -> None:
        keep = [i for i, k in enumerate(self._ids) if k != key]
        self._ids = [self._ids[i] for i in keep]
        self._matrix = self._matrix[keep].copy()
        self._size = len(keep)

    def find(self, signature: bytes, exclude: str | None = None) -> tuple[str, float] | None:
        if not self._size:
            return None
        sig = np.frombuffer(signature, dtype=np.uint64)
        scores = (self._matrix[: self._size] == sig).mean(axis=1)
        for position in np.argsort(-scores):
            key = self._ids[int(position)]
            if key == exclude:
                continue
            score = float(scores[position])
            return (key, score) if score >= self.threshold else None
        return None


# --- deciding -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Known:
    """What the corpus and the current run already know about a newly extracted article."""

    seen_in_run: bool = False  # an article of this id was stored earlier in this run
    stored_hash: str | None = None  # the stored article of this id: its content hash
    stored_location: str | None = None  # ... and where it was read
    same_text: str | None = None  # an article with the same content hash
    near: tuple[str, float] | None = None  # the most similar other article above the threshold


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome  # added, updated, unchanged or duplicate
    duplicate_of: str | None = None
    kind: str = ""  # of duplicate: "same URL", "same text" or "near-duplicate"
    similarity: float = 1.0
    record: bool = False  # remember the new location as a duplicate of ``duplicate_of``
    remember: bool = False  # this article id now counts as seen in the run
    reason: str = ""


def classify(article_id: str, location: str, content_hash: str, known: Known) -> Decision:
    """Whether an extracted article is new, an update, unchanged, or a duplicate of another:
    the same URL twice in a run, the same text as a stored article, or a near-duplicate (a
    wire copy with a changed headline or a trimmed paragraph)."""
    if known.seen_in_run:
        return Decision(
            Outcome.DUPLICATE, article_id, "same URL", reason=f"same URL as article {article_id}"
        )
    if known.stored_hash == content_hash:
        if known.stored_location == location:
            return Decision(Outcome.UNCHANGED, remember=True)
        return Decision(
            Outcome.DUPLICATE,
            article_id,
            "same URL",
            record=True,
            remember=True,
            reason=f"duplicate of {article_id} (same URL)",
        )
    if known.same_text is not None and known.same_text != article_id:
        return Decision(
            Outcome.DUPLICATE,
            known.same_text,
            "same text",
            record=True,
            reason=f"duplicate of {known.same_text} (same text)",
        )
    if known.near is not None:
        other, score = known.near
        return Decision(
            Outcome.DUPLICATE,
            other,
            "near-duplicate",
            score,
            record=True,
            reason=f"duplicate of {other} (near-duplicate, similarity {score:.2f})",
        )
    outcome = Outcome.UPDATED if known.stored_hash is not None else Outcome.ADDED
    return Decision(outcome, remember=True)
