"""The citation contract (pure).

The writer sees passages under opaque keys (``S1``, ``S2``, ...) and cites those keys; it never
writes URLs or final numbers. This module finds the keys a sentence cites (inline markers such
as ``[S3]``, ``[S3, S7]``, ``[S3][S7]``, also inside quotes), strips them from the text, drops
keys that name no passage, numbers the cited articles 1, 2, ... in order of first use across
the whole document (two passages of one article are one source), and finds the words of a
passage that a sentence was cited for (``mark``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from citebrief.text import content_words, sentence_spans

# one bracket group of one or more keys: [S3] [S3, S7] [S3; S7] [S3 S7] [s3]
_GROUP = re.compile(r"\s*\[\s*((?:[A-Za-z]{1,3}\d{1,4}\s*[,;]?\s*)+)\]")
_KEY = re.compile(r"[A-Za-z]{1,3}\d{1,4}")
# bare numeric markers ([1], [12], [1-3]) are never valid keys: the writer must not number
_NUMERIC = re.compile(r"\s*\[\s*\d{1,4}(?:\s*[-,–]\s*\d{1,4})*\s*\]")


def normalise_key(key: str) -> str:
    return key.strip().upper()


@dataclass(frozen=True, slots=True)
class Parsed:
    text: str  # the sentence with every marker removed
    keys: list[str]  # keys in order of appearance, deduplicated, upper-case
    dropped: list[str]  # markers that named no known passage


def parse_sentence(sentence: str, known: Iterable[str] | None = None) -> Parsed:
    """Strip citation markers from one sentence and return the keys it cites, in order.

    With ``known``, keys outside it are dropped (reported in ``dropped``)."""
    allowed = {normalise_key(k) for k in known} if known is not None else None
    keys: list[str] = []
    dropped: list[str] = []

    def take(match: re.Match[str]) -> str:
        for raw in _KEY.findall(match.group(1)):
            key = normalise_key(raw)
            if allowed is not None and key not in allowed:
                dropped.append(key)
            elif key not in keys:
                keys.append(key)
        return ""

    text = _GROUP.sub(take, sentence)

    def numeric(match: re.Match[str]) -> str:
        dropped.append(match.group(0).strip())
        return ""

    text = _NUMERIC.sub(numeric, text)
    return Parsed(_tidy(text), keys, dropped)


def merge_keys(*groups: Iterable[str], known: Iterable[str] | None = None) -> list[str]:
    """Keys from several places (structured list, inline markers), in order, deduplicated."""
    allowed = {normalise_key(k) for k in known} if known is not None else None
    out: list[str] = []
    for group in groups:
        for key in map(normalise_key, group):
            if (allowed is None or key in allowed) and key not in out:
                out.append(key)
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)  # "claim [S1]." -> "claim."
    text = re.sub(r"\s{2,}", " ", text)
    return text.strip()


def renumber(
    cited: Sequence[Sequence[str]], owner: Mapping[str, str] | None = None
) -> dict[str, int]:
    """Key -> number, 1, 2, ... in order of first use over all sentences. With ``owner`` (key
    -> article id), keys of one article share its number."""
    numbers: dict[str, int] = {}
    by_owner: dict[str, int] = {}
    for keys in cited:
        for key in keys:
            if key in numbers:
                continue
            group = owner.get(key, key) if owner is not None else key
            if group not in by_owner:
                by_owner[group] = len(by_owner) + 1
            numbers[key] = by_owner[group]
    return numbers


def numbers_for(keys: Sequence[str], numbers: Mapping[str, int]) -> list[int]:
    """The numbers of ``keys``, each once, in order."""
    return list(dict.fromkeys(numbers[k] for k in keys if k in numbers))


def mark(claim: str, passage: str) -> tuple[int, int]:
    """The span (in ``passage``) of the words ``claim`` was cited for: where the passage holds
    the claim verbatim, that; else the passage's sentence sharing most of its words."""
    at = passage.find(claim)
    if claim and at >= 0:
        return at, at + len(claim)
    spans = sentence_spans(passage)
    if not spans:
        return 0, len(passage)
    words = content_words(claim)

    def shared(span: tuple[int, int]) -> float:
        found = content_words(passage[span[0] : span[1]])
        return len(words & found) / (len(words | found) or 1)

    return max(spans, key=shared)


def markers(nums: Sequence[int]) -> str:
    """[1][3] style markers for rendering."""
    return "".join(f"[{n}]" for n in nums)
