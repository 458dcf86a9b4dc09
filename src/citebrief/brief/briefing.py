"""Briefings and answers, end to end: find the stories, write, verify, assemble.

A briefing takes the stories of the window that are about its topic (``stories.find``), the best
first, one takeaway each (``stories.select``); it refuses, saying why, when none is. A story that
tells again the event of one taken before, or that offers no passage, gives its place to the next
story on the topic. Each chosen story gives the writer its own passages
(``stories.retrieve.select`` within its articles); the writer drafts one takeaway per story,
citing passage keys; every drafted sentence is judged against its cited passages (an
unsupported one is re-cited to a passage of its own story that supports it, if there is one),
and ``assemble`` applies the citation contract. An answer is the same with one takeaway drawn
from the stories on the question. The result carries its evidence: stories and their relevance,
verdicts, spans, retrieval settings, timings.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from citebrief.brief import changes, style
from citebrief.brief.assemble import Claim, Judged, assemble, claims_of
from citebrief.brief.writers import Events
from citebrief.corpus.store import Corpus
from citebrief.errors import ThinEvidenceError, UsageError, options
from citebrief.models import (
    ALL_DATES,
    AnswerRequest,
    Article,
    Briefing,
    BriefingRequest,
    Desk,
    Draft,
    Label,
    OnToken,
    Passage,
    Retrieval,
    StoryPassages,
    StreamingWriter,
    Verdict,
    Verifier,
    Window,
)
from citebrief.stories.find import find_stories
from citebrief.stories.rank import require_evidence
from citebrief.stories.relevance import Finding, key_terms
from citebrief.stories.retrieve import Evidence, Hits, add_articles, prefer_leads, select
from citebrief.stories.select import (
    choose,
    for_answer,
    languages_note,
    left_out_for_language,
    refusal,
    stories_note,
)

ANSWER_PASSAGES = 8  # an answer is short: it draws on at most this many passages
ANSWER_STORIES = 3  # ... from at most this many stories
STORY_PASSAGES = (2, 4)  # passages a takeaway's story offers the writer: at least, at most


@dataclass(frozen=True, slots=True)
class Plan:
    """What a briefing will be written from: the request the writer gets, and its evidence;
    ``asked``: the takeaways asked for; ``retold``: the stories on topic left out as telling
    again the event of a story in the request (story id -> that story's id)."""

    request: BriefingRequest
    retrieval: Retrieval
    finding: Finding
    asked: int
    retold: dict[str, str] = field(default_factory=dict)

    def left_out_as_retold(self, told: set[str]) -> int:
        """How many places of the takeaways asked for stayed empty because a story told again
        the event of a story still ``told`` in the briefing (``--strict`` may remove one); the
        next stories on topic fill the places while there are any. Counted, not traced: when a
        story without passages and one told again both leave a place, while only one place is
        empty, the note gives the second reason."""
        empty = min(self.asked, len(self.finding.on_topic)) - len(self.request.stories)
        return min(empty, sum(teller in told for teller in self.retold.values()))


def plan_briefing(
    topic: str, evidence: Evidence, window: Window = ALL_DATES, takeaways: int = 3
) -> Plan:
    """The stories of the window most about ``topic`` (up to ``takeaways``) with the passages
    each offers the writer; ThinEvidenceError, saying why, when no story is about it. A story
    that tells again the event of a story taken before it (``writers.Events``: one event
    grouped as two stories) is left out, so that neither writer tells one event twice, and so
    is a story none of whose passages can be offered; the next story on topic takes the place.
    Nothing is written: a dry run prices a briefing from its plan. A topic asked as a question
    (ending in "?") is judged as ``ask`` judges questions."""
    finding = _found(topic, evidence, window, question=topic.rstrip().endswith("?"))
    ranked = [s.story for s in choose(finding, len(finding.on_topic))]
    assert finding.hits is not None
    add_articles(finding.hits, evidence, {a for s in ranked[:takeaways] for a in s.articles})
    low, high = STORY_PASSAGES
    each = max(low, min(high, evidence.settings.max_passages // min(takeaways, len(ranked))))
    events = Events(topic, evidence.index.embeddings.embed_documents)
    groups: list[StoryPassages] = []
    retold: dict[str, str] = {}
    for position, story in enumerate(ranked):
        if len(groups) == takeaways:
            break
        if position >= takeaways:  # in the place of a story left out
            add_articles(finding.hits, evidence, set(story.articles))
        first = 1 + sum(len(g.passages) for g in groups)
        prefer_leads(finding.hits, evidence, set(story.articles))
        passages = _passages(finding.hits, evidence, each, set(story.articles), first)
        if not passages:
            continue
        group = StoryPassages(story, passages)
        teller = events.told_by(group)
        if teller is not None:
            retold[story.id] = teller
            continue
        events.tell(group)
        groups.append(group)
    retrieval = _retrieval(finding, [p for g in groups for p in g.passages], evidence)
    settings = evidence.settings
    require_evidence(
        topic,
        window,
        retrieval.passages,
        min_passages=settings.min_passages,
        min_articles=settings.min_articles,
    )
    request = BriefingRequest(topic, window, groups, today=_today())
    return Plan(request, retrieval, finding, takeaways, retold)


def _passages(
    hits: Hits,
    evidence: Evidence,
    limit: int,
    within: set[str],
    first_key: int = 1,
    per_article: int | None = None,
) -> list[Passage]:
    """``select``'s passages of these articles, each knowing which of its speakers named by
    surname alone its article gives as a person (``Passage.people``): the writer may quote
    "..., Dempsey said." only after a sentence that says who Dempsey is. (``retrieve``'s
    passages, for the evaluation, leave ``people`` empty: by their passages alone.)"""
    passages = select(
        hits, evidence, limit, within=within, first_key=first_key, per_article=per_article
    )
    texts: dict[str, str] = {}
    for p in passages:
        if p.article_id not in texts:
            article = evidence.corpus.get(p.article_id)
            texts[p.article_id] = article.text if article is not None else p.text
    return [replace(p, people=style.people(p.text, texts[p.article_id])) for p in passages]


def build_briefing(
    topic: str,
    evidence: Evidence,
    desk: Desk,
    *,
    window: Window = ALL_DATES,
    takeaways: int = 3,
    strict: bool = False,
    fresh_since: str | None = None,
) -> Briefing:
    """A takeaway for each story of the plan (``plan_briefing``), written, verified and
    assembled; ThinEvidenceError when not one takeaway survives verification. With
    ``fresh_since`` (an ISO day: the end of last week's briefing), sentences citing what was
    published after it come first in their takeaway."""
    started = time.perf_counter()
    plan = plan_briefing(topic, evidence, window, takeaways)
    retrieval, groups = plan.retrieval, plan.request.stories
    timings = {"retrieval": time.perf_counter() - started}
    started = time.perf_counter()
    draft = desk.writer.write_briefing(plan.request)
    timings["writing"] = time.perf_counter() - started
    if fresh_since:
        changes.fresh_first(draft, {p.key: p for p in retrieval.passages}, fresh_since)
    briefing = _verified(
        topic, draft, retrieval, groups, evidence.corpus, desk.verifier, strict, timings
    )
    briefing.report.stories_on_topic = len(plan.finding.on_topic)
    removed = briefing.report.removed > 0  # by --strict: what did not check out
    told = {t.story["id"] for t in briefing.takeaways if t.story}  # --strict may remove one
    counted = stories_note(
        len(plan.finding.on_topic),
        takeaways,
        window,
        written=len(briefing.takeaways),
        strict=removed,
        retold=plan.left_out_as_retold(told),
    )
    elsewhere = languages_note(
        left_out_for_language(plan.finding, lambda f: choose(f, takeaways)),
        plan.finding.language,
    )
    briefing.note = "; ".join(n for n in (counted, elsewhere) if n)
    if not briefing.takeaways:  # stories on the topic, and not one sentence to say of them
        raise ThinEvidenceError(
            f"no takeaway on {topic!r} could be written: {briefing.note}",
            hint="run without --strict to read the sentences flagged"
            if removed
            else options(window.widening(), "ingest more outlets' reports of the story"),
        )
    return briefing


def build_answer(
    question: str,
    evidence: Evidence,
    desk: Desk,
    *,
    window: Window = ALL_DATES,
    on_token: OnToken | None = None,
) -> Briefing:
    """An answer to ``question``: a briefing of one takeaway without a headline, from at most
    ``ANSWER_PASSAGES`` passages of the stories on the question. ``on_token`` shows the words of
    a streaming writer as they come."""
    started = time.perf_counter()
    finding = _found(question, evidence, window, question=True)
    # the stories most probably about the question (their weight orders a briefing, not this)
    story_of = {
        a: s.story.id for s in for_answer(finding, ANSWER_STORIES) for a in s.story.articles
    }
    articles = set(story_of)
    assert finding.hits is not None
    add_articles(finding.hits, evidence, articles)
    most = min(evidence.settings.max_passages, ANSWER_PASSAGES)
    # the passages an answer may draw on are shared among its few articles: an answer from one
    # article reads more of it than the two passages a briefing's story gives each ("Why did
    # Sweden drop the Assange investigation?": its reason is in the BBC's third passage)
    spread = max(evidence.settings.max_per_article, -(-most // max(1, len(articles))))
    passages = _passages(finding.hits, evidence, most, articles, per_article=spread)
    retrieval = _retrieval(
        finding,
        passages,
        evidence,
        min_passages=1,
        min_articles=1,
        max_passages=most,
        max_per_article=spread,
    )
    require_evidence(question, window, passages, min_passages=1, min_articles=1)
    timings = {"retrieval": time.perf_counter() - started}
    started = time.perf_counter()
    request = AnswerRequest(question, window, passages, today=_today(), story_of=story_of)
    writer = desk.writer
    if on_token is not None and isinstance(writer, StreamingWriter):
        draft = writer.stream_answer(request, on_token)
    else:
        draft = writer.write_answer(request)
    timings["writing"] = time.perf_counter() - started
    answer = _verified(
        question, draft, retrieval, [], evidence.corpus, desk.verifier, False, timings
    )
    answer.note = languages_note(
        left_out_for_language(finding, lambda f: for_answer(f, ANSWER_STORIES)),
        finding.language,
        "answer",
    )
    return answer


def _found(topic: str, evidence: Evidence, window: Window, *, question: bool) -> Finding:
    """The stories of the window judged on the topic (by the question model when
    ``question``); ThinEvidenceError, with the hint that fits, when the corpus, the window or
    the topic gives nothing; UsageError when the topic names nothing to look for ("", "?",
    "the latest news"): no story could be about it, and the fix is the user's."""
    if not key_terms(topic, {}, 1):
        raise UsageError(
            f"{topic.strip()!r} names nothing to look for"
            + (": only common words" if topic.strip(" ?!.") else ""),
            hint="name what it is about: a person, a place, an event or a product",
        )
    corpus = evidence.corpus
    newest = corpus.latest_day()
    if newest is None:
        raise ThinEvidenceError(
            "the corpus is empty", hint="run 'citebrief ingest SOURCE...' first"
        )
    finding = find_stories(topic, evidence, window, question=question)
    if not finding.articles:
        raise ThinEvidenceError(
            f"no article is dated {window.label()}; the newest is from {newest}",
            hint=_window_hint(window, date.fromisoformat(newest)),
        )
    if not finding.on_topic:
        message, hint = refusal(finding)
        raise ThinEvidenceError(message, hint=hint)
    return finding


def _window_hint(window: Window, newest: date) -> str:
    if window.start is not None and window.start > newest:
        week = (newest - timedelta(days=6)).isoformat()
        return f"try --from {week} --to {newest.isoformat()} (the week to the newest article)"
    return "widen the window, or --since all"


def _retrieval(
    finding: Finding,
    passages: list[Passage],
    evidence: Evidence,
    *,
    min_passages: int | None = None,
    min_articles: int | None = None,
    **used_instead: int,
) -> Retrieval:
    """The retrieval record of a briefing or an answer: its passages, and the settings it
    used (``used_instead`` of the settings' own where it used others: an answer's
    ``max_passages`` and ``max_per_article``)."""
    settings = evidence.settings
    used = settings.model_dump()
    used.update(min_passages=min_passages or settings.min_passages)
    used.update(min_articles=min_articles or settings.min_articles)
    used.update(used_instead)
    assert finding.hits is not None
    vectors = {p.key: finding.hits.vectors[p.chunk_id] for p in passages}
    on_topic = sum(1 for s in finding.on_topic for _ in s.story.articles)
    return Retrieval(
        finding.topic, finding.window, passages, len(finding.hits.fused), on_topic, used, vectors
    )


def _verified(
    topic: str,
    draft: Draft,
    retrieval: Retrieval,
    stories: Sequence[StoryPassages],
    corpus: Corpus,
    verifier: Verifier,
    strict: bool,
    timings: dict[str, float],
) -> Briefing:
    started = time.perf_counter()
    passages = {p.key: p for p in retrieval.passages}
    story_keys = {g.story.id: {p.key for p in g.passages} for g in stories}
    claims, dropped = claims_of(draft, passages, story_keys)
    own = {
        c.takeaway: [passages[k] for k in story_keys.get(draft.takeaways[c.takeaway].story, [])]
        or list(passages.values())
        for c in claims
    }
    judged = [judge_claim(c, passages, own[c.takeaway], verifier) for c in claims]
    cited = {passages[key].article_id for item in judged for key in item.keys}
    briefing = assemble(
        topic,
        draft,
        judged,
        retrieval,
        _articles(corpus, cited),
        stories={g.story.id: g.story for g in stories},
        dropped=dropped,
        strict=strict,
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )
    timings["verification"] = time.perf_counter() - started
    briefing.timings = timings
    return briefing


def judge_claim(
    claim: Claim, passages: dict[str, Passage], own: Sequence[Passage], verifier: Verifier
) -> Judged:
    """The verdict on a claim's cited passages, jointly; an unsupported claim is re-cited to
    the passage (of ``own``: its story's) that best supports it, if any does."""
    text = _claimed(claim, [passages[k] for k in claim.keys])
    verdict = verifier.judge([passages[k].text for k in claim.keys], text) if claim.keys else None
    judged = Judged(claim, list(claim.keys), verdict)
    if judged.label is not Label.UNSUPPORTED:
        return judged
    better = _recite(text, own, verifier)
    if better is None:
        return judged
    key, new = better
    return Judged(claim, [key], new, recited=True)


def _claimed(claim: Claim, cited: Sequence[Passage]) -> str:
    """What the verifier judges: a quotation whose attribution frame names the outlet of a
    passage it cites ("Fox News reports: “...”", or "The op-ed adds: “...”" after one that
    did) is judged without the frame; anything else as written."""
    frame, quoted = style.unframe(claim.text)
    if frame and style.names_its_source(frame, [p.site_name for p in cited]):
        return quoted
    return claim.text


def _recite(
    text: str, passages: Sequence[Passage], verifier: Verifier
) -> tuple[str, Verdict] | None:
    best: tuple[str, Verdict] | None = None
    for passage in passages:
        verdict = verifier.judge([passage.text], text)
        if verdict.label is Label.SUPPORTED and (best is None or verdict.score > best[1].score):
            best = (passage.key, verdict)
    return best


def _articles(corpus: Corpus, ids: set[str]) -> dict[str, Article]:
    found = {aid: corpus.get(aid) for aid in ids}
    return {aid: article for aid, article in found.items() if article is not None}


def _today() -> str:
    return datetime.now(UTC).date().isoformat()
