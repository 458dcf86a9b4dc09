"""The citation contract applied to a draft (pure).

``claims_of`` reads each drafted sentence's citations (inline markers and the writer's own key
list), drops keys that name no passage and counts them. A verifier then judges each claim (see
``brief.briefing``); ``assemble`` takes those verdicts and builds the briefing: an unsupported
sentence is flagged (or removed with ``strict``), the cited articles are numbered in order of
first use, and each source lists exactly the passages cited from it, each an exact span of its
article with the words it was cited for marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citebrief.brief import citations, style
from citebrief.errors import StoreError
from citebrief.ingest.urls import host_of
from citebrief.models import (
    Article,
    Briefing,
    Cite,
    Draft,
    Label,
    Passage,
    Quote,
    Report,
    Retrieval,
    Sentence,
    Source,
    Story,
    Takeaway,
    Verdict,
)


@dataclass(frozen=True, slots=True)
class Claim:
    """A drafted sentence without its markers, and the known passage keys it cites."""

    takeaway: int  # position of its takeaway in the draft
    text: str
    keys: list[str]


@dataclass(frozen=True, slots=True)
class Judged:
    """A claim with the keys it finally cites and the verifier's verdict on them."""

    claim: Claim
    keys: list[str]
    verdict: Verdict | None  # None: the claim cites nothing
    recited: bool = False

    @property
    def label(self) -> Label:
        return self.verdict.label if self.verdict else Label.UNSUPPORTED


def claims_of(
    draft: Draft,
    known: Mapping[str, Passage],
    story_keys: Mapping[str, set[str]] | None = None,
) -> tuple[list[Claim], int]:
    """The draft's sentences as claims (empty ones left out), and how many citations were
    dropped: keys that name no known passage, and, in a takeaway about a story
    (``story_keys``: story id -> its passage keys), keys of another story's passages."""
    claims: list[Claim] = []
    dropped = 0
    for position, takeaway in enumerate(draft.takeaways):
        allowed = known
        if story_keys and takeaway.story in story_keys:
            own = story_keys[takeaway.story]
            allowed = {k: p for k, p in known.items() if k in own}
        for sentence in takeaway.sentences:
            parsed = (
                citations.parse_sentence(sentence.text, known)
                if sentence.inline
                else citations.Parsed(sentence.text.strip(), [], [])
            )
            unknown = [k for k in citations.merge_keys(sentence.keys) if k not in known]
            keys = citations.merge_keys(parsed.keys, sentence.keys, known=known)
            elsewhere = [k for k in keys if k not in allowed]
            dropped += len(parsed.dropped) + len(unknown) + len(elsewhere)
            if parsed.text:
                claims.append(Claim(position, parsed.text, [k for k in keys if k in allowed]))
    return claims, dropped


def assemble(
    topic: str,
    draft: Draft,
    judged: Sequence[Judged],
    retrieval: Retrieval,
    articles: Mapping[str, Article],
    *,
    stories: Mapping[str, Story] | None = None,
    dropped: int = 0,
    strict: bool = False,
    generated_at: str,
) -> Briefing:
    """The briefing from judged claims. ``articles`` holds every cited passage's article;
    ``stories`` the stories the takeaways are about, by id."""
    passages = {p.key: p for p in retrieval.passages}
    report = Report(dropped_citations=dropped)
    kept: dict[int, list[tuple[Judged, bool]]] = {}
    for item in judged:
        report.sentences += 1
        flagged = item.label is Label.UNSUPPORTED
        if flagged and strict:
            report.removed += 1
            continue
        kept.setdefault(item.claim.takeaway, []).append((item, flagged))

    owner = {key: p.article_id for key, p in passages.items()}
    numbers = citations.renumber([item.keys for group in kept.values() for item, _ in group], owner)
    marks: dict[str, list[tuple[int, int]]] = {}  # passage key -> cited spans in its article
    takeaways: list[Takeaway] = []
    for position, group in sorted(kept.items()):
        sentences = []
        for item, flagged in group:
            verdict = item.verdict
            note = verdict.reason if verdict else "no citation"
            quoted = style.unframe(item.claim.text)[1]
            cites = []
            for key in item.keys:
                passage = passages[key]
                start, end = citations.mark(quoted, passage.text)
                span = (passage.start + start, passage.start + end)
                if span not in marks.setdefault(key, []):
                    marks[key].append(span)
                cites.append(Cite(numbers[key], key, passage.start, passage.end, span))
            sentences.append(
                Sentence(
                    item.claim.text,
                    citations.numbers_for(item.keys, numbers),
                    item.label.value,
                    verdict.score if verdict else 0.0,
                    flagged,
                    item.recited,
                    f"re-cited: {note}" if item.recited else note,
                    cites,
                )
            )
            report.cited += bool(item.keys)
            report.supported += item.label is Label.SUPPORTED
            report.partial += item.label is Label.PARTIAL
            report.unsupported += item.label is Label.UNSUPPORTED
            report.flagged += flagged
            report.recited += item.recited
        drafted = draft.takeaways[position]
        story = (stories or {}).get(drafted.story)
        report.takeaways_on_topic += story is not None
        takeaways.append(
            Takeaway(
                len(takeaways) + 1,
                drafted.headline,
                sentences,
                story.as_dict() if story is not None else None,
            )
        )

    return Briefing(
        topic=topic,
        window=retrieval.window.as_dict(),
        generated_at=generated_at,
        writer=draft.writer,
        model=draft.model,
        takeaways=takeaways,
        sources=sources(numbers, passages, marks, articles),
        report=report,
        retrieval={
            **retrieval.settings,
            "candidates": retrieval.candidates,
            "relevant": retrieval.relevant,
            "passages": len(retrieval.passages),
        },
        usage=dict(draft.usage),
    )


def sources(
    numbers: Mapping[str, int],
    passages: Mapping[str, Passage],
    marks: Mapping[str, list[tuple[int, int]]],
    articles: Mapping[str, Article],
) -> list[Source]:
    """One source per cited article, in number order, each with its cited passages (in the
    article's order) as exact spans of its text."""
    keys_of: dict[int, list[str]] = {}
    for key, number in numbers.items():
        keys_of.setdefault(number, []).append(key)
    out = []
    for number, keys in sorted(keys_of.items()):
        first = passages[keys[0]]
        article = articles.get(first.article_id)
        if article is None:
            raise StoreError(
                f"article {first.article_id} vanished while the briefing was written",
                hint="run the command again",
            )
        quotes = [
            quote(passages[key], article, sorted(marks.get(key, [])))
            for key in sorted(keys, key=lambda k: passages[k].start)
        ]
        out.append(
            Source(
                number,
                article.id,
                style.source_title(article.title, article.site_name, host_of(article.url)),
                article.site_name,
                first.published,
                article.url,
                quotes,
                style.opinion_kind(article.title, article.url, article.section),
            )
        )
    return out


def quote(passage: Passage, article: Article, marks: list[tuple[int, int]]) -> Quote:
    """The passage as an exact span of its article."""
    text = article.text[passage.start : passage.end]
    if text != passage.text:
        raise StoreError(
            f"passage {passage.chunk_id} no longer matches its article's text",
            hint="run 'citebrief corpus check', then ingest again",
        )
    return Quote(passage.key, passage.chunk_id, passage.start, passage.end, text, marks)
