"""Writers turn retrieved passages into a draft: takeaways made of sentences that cite passage
keys (``models.Writer``: ``write_briefing`` and ``write_answer``). Two are registered by name:
``extractive`` (offline, here) and ``openai`` (an LLM, ``llm_writer``).

``ExtractiveWriter`` groups the evidence into themes and writes each takeaway from the
strongest sentences of its sources, quoted exactly and cited to the passage they come from; the
headline is the title of the theme's leading article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from citebrief.errors import UsageError
from citebrief.models import (
    AnswerRequest,
    BriefingRequest,
    Draft,
    DraftSentence,
    DraftTakeaway,
    Passage,
    Writer,
)
from citebrief.settings import Settings
from citebrief.text import content_words, sentence_spans

# sentences that say nothing about the topic
_NO_CONTENT = re.compile(
    r"did not (immediately )?respond|declined to comment|could not be reached|reporting by"
    r"|editing by|for comment|sign up|subscribe",
    re.I,
)


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
    """Offline: a takeaway per story, its sentences chosen by corroboration and topic overlap."""

    name = "extractive"

    def __init__(self, sentences_per_takeaway: int = 3) -> None:
        self.per_takeaway = sentences_per_takeaway

    def write_briefing(self, request: BriefingRequest) -> Draft:
        """One takeaway per story, headed by the story's most representative title."""
        themes = [
            (s.story.id, _headline(s.story.title, s.passages), s.passages) for s in request.stories
        ]
        return self._write(request.topic, themes)

    def write_answer(self, request: AnswerRequest) -> Draft:
        """One takeaway without a headline, from every passage."""
        return self._write(request.question, [("", "", request.passages)])

    def _write(self, topic: str, themes: list[tuple[str, str, list[Passage]]]) -> Draft:
        # a condensed follow-up reads "question (context from earlier turns)": the question's
        # own words weigh double
        own, _, context = topic.partition(" (")
        primary = content_words(own)
        secondary = content_words(context) - primary
        weight = max(2 * len(primary) + len(secondary), 1)
        takeaways = []
        used: set[str] = set()
        for story, headline, theme in themes:
            vocabulary = Counter(w for p in theme for w in content_words(p.text))
            candidates = []
            for passage in theme:
                for start, end in sentence_spans(passage.text):
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
                    headline=headline,
                    sentences=[DraftSentence(c.text, [c.passage.key]) for c in chosen],
                    story=story,
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


def _overlap(a: str, b: str) -> float:
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / max(min(len(wa), len(wb)), 1)


def _headline(title: str, passages: list[Passage]) -> str:
    title = title.strip() or (passages[0].text.split(".")[0] if passages else "")
    for separator in (" | ", " – ", " — ", " - "):
        title = title.split(separator)[0]
    return title.strip()


# --- the registry -------------------------------------------------------------------------------
def _extractive(settings: Settings) -> Writer:
    return ExtractiveWriter()


def _openai(settings: Settings) -> Writer:
    from citebrief.brief.llm_writer import OpenAIWriter

    return OpenAIWriter(settings.llm)


# name -> factory(settings)
WRITERS: dict[str, Callable[[Settings], Writer]] = {"extractive": _extractive, "openai": _openai}


def default_writer(settings: Settings) -> str:
    """openai when an LLM endpoint is configured, else extractive."""
    return "openai" if settings.llm.configured else "extractive"


def make_writer(name: str | None, settings: Settings) -> Writer:
    """The writer registered under ``name`` (by default: ``default_writer``)."""
    name = name or default_writer(settings)
    if name not in WRITERS:
        raise UsageError(
            f"unknown writer {name!r}", hint="use --writer openai or --writer extractive"
        )
    return WRITERS[name](settings)
