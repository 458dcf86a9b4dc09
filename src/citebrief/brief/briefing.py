"""Briefings and answers, end to end: retrieve, write, verify, assemble.

``build_briefing`` and ``build_answer`` run the same steps: the passages of the window are
retrieved and ranked (``retrieve``), a writer drafts from them citing passage keys, every
drafted sentence is judged against its cited passages (an unsupported one is re-cited to a
retrieved passage that supports it, if there is one), and ``assemble`` applies the citation
contract. The result carries its evidence: verdicts, spans, retrieval settings, timings.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from citebrief.brief.assemble import Claim, Judged, assemble, claims_of
from citebrief.brief.rank import require_evidence
from citebrief.brief.retrieve import Evidence, retrieve
from citebrief.corpus.store import Corpus
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
    StreamingWriter,
    Verdict,
    Verifier,
    Window,
)

ANSWER_PASSAGES = 8  # an answer is short: it draws on at most this many passages


def build_briefing(
    topic: str,
    evidence: Evidence,
    desk: Desk,
    *,
    window: Window = ALL_DATES,
    takeaways: int = 3,
    strict: bool = False,
) -> Briefing:
    """A briefing of up to ``takeaways`` takeaways on ``topic``; ThinEvidenceError when the
    window holds too little relevant evidence to write anything honest."""
    settings, started = evidence.settings, time.perf_counter()
    least = (settings.min_passages, settings.min_articles)
    retrieval = _retrieved(topic, evidence, window, settings.max_passages, least)
    timings = {"retrieval": time.perf_counter() - started}
    started = time.perf_counter()
    request = BriefingRequest(
        topic, window, retrieval.passages, takeaways, retrieval.vectors, today=_today()
    )
    draft = desk.writer.write_briefing(request)
    timings["writing"] = time.perf_counter() - started
    return _verified(topic, draft, retrieval, evidence.corpus, desk.verifier, strict, timings)


def build_answer(
    question: str,
    evidence: Evidence,
    desk: Desk,
    *,
    window: Window = ALL_DATES,
    on_token: OnToken | None = None,
) -> Briefing:
    """An answer to ``question``: a briefing of one takeaway without a headline, from at most
    ``ANSWER_PASSAGES`` passages; one relevant passage is enough evidence. ``on_token`` shows
    the words of a streaming writer as they come."""
    started, most = time.perf_counter(), min(evidence.settings.max_passages, ANSWER_PASSAGES)
    retrieval = _retrieved(question, evidence, window, most, (1, 1))
    timings = {"retrieval": time.perf_counter() - started}
    started = time.perf_counter()
    request = AnswerRequest(question, window, retrieval.passages, today=_today())
    writer = desk.writer
    if on_token is not None and isinstance(writer, StreamingWriter):
        draft = writer.stream_answer(request, on_token)
    else:
        draft = writer.write_answer(request)
    timings["writing"] = time.perf_counter() - started
    return _verified(question, draft, retrieval, evidence.corpus, desk.verifier, False, timings)


def _retrieved(
    q: str, evidence: Evidence, window: Window, most: int, least: tuple[int, int]
) -> Retrieval:
    """At ``most`` passages for query ``q``, of which ``least`` = (passages, articles) must be
    found."""
    retrieval = retrieve(q, evidence, window, most)
    min_passages, min_articles = least
    retrieval.settings.update(min_passages=min_passages, min_articles=min_articles)
    require_evidence(
        q, window, retrieval.passages, min_passages=min_passages, min_articles=min_articles
    )
    return retrieval


def _verified(
    topic: str,
    draft: Draft,
    retrieval: Retrieval,
    corpus: Corpus,
    verifier: Verifier,
    strict: bool,
    timings: dict[str, float],
) -> Briefing:
    started = time.perf_counter()
    passages = {p.key: p for p in retrieval.passages}
    claims, dropped = claims_of(draft, passages)
    judged = [judge_claim(claim, passages, verifier) for claim in claims]
    cited = {passages[key].article_id for item in judged for key in item.keys}
    briefing = assemble(
        topic,
        draft,
        judged,
        retrieval,
        _articles(corpus, cited),
        dropped=dropped,
        strict=strict,
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )
    timings["verification"] = time.perf_counter() - started
    briefing.timings = timings
    return briefing


def judge_claim(claim: Claim, passages: dict[str, Passage], verifier: Verifier) -> Judged:
    """The verdict on a claim's cited passages, jointly; an unsupported claim is re-cited to
    the one retrieved passage that best supports it, if any does."""
    verdict = (
        verifier.judge([passages[k].text for k in claim.keys], claim.text) if claim.keys else None
    )
    judged = Judged(claim, list(claim.keys), verdict)
    if judged.label is not Label.UNSUPPORTED:
        return judged
    better = _recite(claim.text, list(passages.values()), verifier)
    if better is None:
        return judged
    key, new = better
    return Judged(claim, [key], new, recited=True)


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
