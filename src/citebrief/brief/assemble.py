"""The citation contract applied to a draft (pure).

``claims_of`` reads each drafted sentence's citations (inline markers and the writer's own key
list), drops keys that name no passage and counts them. A verifier then judges each claim (see
``brief.briefing``); ``assemble`` takes those verdicts and builds the briefing: an unsupported
sentence is flagged (or removed with ``strict``), keys are renumbered in order of first use,
and the sources are exactly the cited passages, each an exact span of its article.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citebrief.brief import citations
from citebrief.errors import StoreError
from citebrief.models import (
    Article,
    Briefing,
    Draft,
    Label,
    Passage,
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
            parsed = citations.parse_sentence(sentence.text, known)
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

    numbers = citations.renumber([item.keys for group in kept.values() for item, _ in group])
    takeaways: list[Takeaway] = []
    for position, group in sorted(kept.items()):
        sentences = []
        for item, flagged in group:
            verdict = item.verdict
            note = verdict.reason if verdict else "no citation"
            sentences.append(
                Sentence(
                    item.claim.text,
                    citations.numbers_for(item.keys, numbers),
                    item.label.value,
                    verdict.score if verdict else 0.0,
                    flagged,
                    item.recited,
                    f"re-cited: {note}" if item.recited else note,
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

    sources = [source(passages[key], number, articles) for key, number in numbers.items()]
    return Briefing(
        topic=topic,
        window=retrieval.window.as_dict(),
        generated_at=generated_at,
        writer=draft.writer,
        model=draft.model,
        takeaways=takeaways,
        sources=sources,
        report=report,
        retrieval={
            **retrieval.settings,
            "candidates": retrieval.candidates,
            "relevant": retrieval.relevant,
            "passages": len(retrieval.passages),
        },
        usage=dict(draft.usage),
    )


def source(passage: Passage, number: int, articles: Mapping[str, Article]) -> Source:
    """Source ``number``: the passage as an exact span of its article."""
    article = articles.get(passage.article_id)
    if article is None:
        raise StoreError(
            f"article {passage.article_id} vanished while the briefing was written",
            hint="run the command again",
        )
    quote = article.text[passage.start : passage.end]
    if quote != passage.text:
        raise StoreError(
            f"passage {passage.chunk_id} no longer matches its article's text",
            hint="run 'citebrief corpus check', then ingest again",
        )
    return Source(
        number,
        passage.key,
        article.id,
        passage.chunk_id,
        article.title,
        article.site_name,
        passage.published,
        article.url,
        passage.start,
        passage.end,
        quote,
    )
