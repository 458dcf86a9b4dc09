"""Writers turn retrieved passages into a draft: takeaways made of sentences that cite passage
keys. A writer has one method, ``write(request) -> Draft``.

``ExtractiveWriter`` is the offline default: it groups the evidence into themes and writes each
takeaway from the strongest sentences of its sources, quoted exactly and cited to the passage
they come from; the headline is the title of the theme's leading article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from citebrief.retrieve import Passage, Window
from citebrief.verify import content_words


@dataclass(frozen=True, slots=True)
class WriteRequest:
    topic: str
    window: Window
    passages: list[Passage]
    takeaways: int = 3
    vectors: dict[str, Any] = field(default_factory=dict, repr=False)  # passage key -> vector
    today: str = ""
    kind: str = "briefing"  # or "answer": one takeaway without a headline answers ``topic``
    on_token: Callable[[str], None] | None = field(default=None, repr=False)  # streaming


@dataclass(slots=True)
class DraftSentence:
    text: str
    keys: list[str]


@dataclass(slots=True)
class DraftTakeaway:
    headline: str
    sentences: list[DraftSentence]


@dataclass(slots=True)
class Draft:
    takeaways: list[DraftTakeaway]
    writer: str
    model: str = ""
    usage: dict[str, int] = field(default_factory=dict)


class Writer(Protocol):
    name: str

    def write(self, request: WriteRequest) -> Draft: ...


# a sentence ends at . ! ? (optionally followed by a closing quote) before white space and a
# capital, a digit or an opening quote
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“‘(A-Z0-9])")


# sentences that say nothing about the topic
_NO_CONTENT = re.compile(
    r"did not (immediately )?respond|declined to comment|could not be reached|reporting by"
    r"|editing by|for comment|sign up|subscribe",
    re.I,
)
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt st jr sr inc corp co ltd no vs etc fig jan feb
    mar apr jun jul aug sep sept oct nov dec u.s u.k e.g i.e""".split()
)


def sentences_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``; ``text[start:end]`` is the sentence."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rsplit(None, 1)
        last = before[-1].rstrip(".!?\"'”’)").lower() if before else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue  # "Dec. 10", "U.S. officials", "J. Smith"
        end = match.start() + (len(match.group(0)) - len(match.group(0).lstrip("\"'”’)")))
        spans.append((start, _rstrip(text, end)))
        start = match.end()
    spans.append((start, _rstrip(text, len(text))))
    return [(s, e) for s, e in spans if e > s]


def _rstrip(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _usable(sentence: str) -> bool:
    """A whole sentence of reasonable length (not a fragment cut at a chunk boundary)."""
    if not 40 <= len(sentence) <= 400 or "\n" in sentence:
        return False
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in '"“‘'):
        return False
    straight = sentence.count('"')
    if straight % 2 or sentence.count("“") != sentence.count("”"):
        return False  # half a quotation: the sentence was cut inside a quote
    return sentence.rstrip("\"'”’)")[-1:] in (".", "!")


@dataclass(slots=True)
class _Candidate:
    passage: Passage
    text: str
    score: float


class ExtractiveWriter:
    """Offline: themes by passage similarity, sentences by corroboration and topic overlap."""

    name = "extractive"

    def __init__(self, sentences_per_takeaway: int = 3) -> None:
        self.per_takeaway = sentences_per_takeaway

    def write(self, request: WriteRequest) -> Draft:
        themes = [request.passages] if request.kind == "answer" else self._themes(request)
        # a condensed follow-up reads "question (context from earlier turns)": the question's
        # own words weigh double
        own, _, context = request.topic.partition(" (")
        primary = content_words(own)
        secondary = content_words(context) - primary
        weight = max(2 * len(primary) + len(secondary), 1)
        takeaways = []
        used: set[str] = set()
        for theme in themes:
            vocabulary = Counter(w for p in theme for w in content_words(p.text))
            candidates = []
            for passage in theme:
                for start, end in sentences_of(passage.text):
                    text = passage.text[start:end]
                    if not _usable(text) or text in used:
                        continue
                    words = content_words(text)
                    if not words or _NO_CONTENT.search(text):
                        continue
                    corroboration = sum(min(vocabulary[w], 3) for w in words) / (3 * len(words))
                    on_topic = (2 * len(words & primary) + len(words & secondary)) / weight
                    numbers = 0.1 if re.search(r"\d", text) else 0.0
                    candidates.append(
                        _Candidate(
                            passage, text, corroboration + on_topic + numbers + passage.score * 10
                        )
                    )
            chosen = self._pick(candidates)
            if not chosen:
                continue
            used.update(c.text for c in chosen)
            # keep the sources' own order within a passage, strongest passage first
            takeaways.append(
                DraftTakeaway(
                    headline="" if request.kind == "answer" else _headline(theme[0]),
                    sentences=[DraftSentence(c.text, [c.passage.key]) for c in chosen],
                )
            )
        return Draft(takeaways=takeaways, writer=self.name, model="extractive")

    def _pick(self, candidates: list[_Candidate]) -> list[_Candidate]:
        chosen: list[_Candidate] = []
        passages: set[str] = set()
        for candidate in sorted(candidates, key=lambda c: -c.score):
            if candidate.passage.key in passages and len(passages) < 2:
                continue  # prefer a second source before a second sentence of the first
            if any(_overlap(candidate.text, c.text) > 0.6 for c in chosen):
                continue
            chosen.append(candidate)
            passages.add(candidate.passage.key)
            if len(chosen) == self.per_takeaway:
                break
        return chosen

    def _themes(self, request: WriteRequest) -> list[list[Passage]]:
        """Seeds: the strongest passage, then repeatedly the passage least like the seeds so
        far (farthest-point), up to one per takeaway; every other passage joins its nearest
        seed. Passages come ranked, so each theme's first passage is its strongest."""
        passages = [
            p
            for p in request.passages
            if any(_usable(p.text[start:end]) for start, end in sentences_of(p.text))
        ]
        if not passages:
            return []
        vectors = [request.vectors.get(p.key) for p in passages]
        if any(v is None for v in vectors):  # no vectors: themes by rank
            size = max(1, -(-len(passages) // request.takeaways))
            return [passages[i : i + size] for i in range(0, len(passages), size)]
        matrix = np.vstack([np.asarray(v, dtype=np.float32) for v in vectors])
        sims = matrix @ matrix.T
        seeds = [0]
        while len(seeds) < min(request.takeaways, len(passages)):
            closeness = sims[:, seeds].max(axis=1)
            closeness[seeds] = np.inf
            seeds.append(int(np.argmin(closeness)))
        themes: list[list[Passage]] = [[passages[s]] for s in seeds]
        for i, passage in enumerate(passages):
            if i in seeds:
                continue
            themes[int(np.argmax(sims[i, seeds]))].append(passage)
        for theme in themes:
            theme.sort(key=lambda p: -p.score)
        return themes


def _overlap(a: str, b: str) -> float:
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / max(min(len(wa), len(wb)), 1)


def _headline(passage: Passage) -> str:
    title = passage.title.strip() or passage.text.split(".")[0]
    for separator in (" | ", " – ", " — ", " - "):
        title = title.split(separator)[0]
    return title.strip()
