"""Cited answers to questions, alone or in a conversation.

An answer is a briefing of one takeaway without a headline (``briefing.build_answer``): the same
stories and relevance gate, writers, citation contract and verification. A follow-up question is
first rewritten into a standalone query from the conversation (by the LLM with the condense
prompt, or by a simple rule without one: ``condense_by_rule``). When no story in the window is
about the question, or no cited sentence holds up, the turn says why and has no answer; an
answer that says word for word what the previous one said carries a note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from citebrief import templates
from citebrief.brief.briefing import build_answer
from citebrief.brief.render import answer_markdown
from citebrief.errors import ThinEvidenceError
from citebrief.llm import ChatClient
from citebrief.models import Briefing, Conversation, Desk, OnToken, Turn
from citebrief.stories.retrieve import Evidence
from citebrief.text import content_words, query_parts, with_borrowed

_POINTING = r"\b(it|its|it's|that|this|those|these|they|them|their|he|she|him|her|his|there|same)\b"
_POINTS_BACK = re.compile(_POINTING, re.I)
_FOLLOW_UP = re.compile(r"^\s*(and|but|so|also|what about|how about|then)\b|" + _POINTING, re.I)
Condenser = Callable[[str, Conversation], str]
SAME_ANSWER = (
    "the same answer as to the previous question: nothing in the corpus answers this one more "
    "closely"
)


def subject_of(query: str) -> str:
    """What a turn was about, for the follow-up after it: what a follow-up borrowed itself
    when its own words point back to it ("What did SpaceX say about it? (NASA lunar landers)"
    is still about the landers, not about SpaceX); with its own words too when they name the
    subject anew ("and what about SMIC? (...)"); else the whole query, less the words of a
    relation ("in response to": the question's wording, not what it was about)."""
    parts = query_parts(query)
    if parts.borrowed and _POINTS_BACK.search(parts.own):
        return parts.borrowed
    return " ".join(p for p in (parts.own, parts.circumstance, parts.borrowed) if p)


def condense_by_rule(question: str, conversation: Conversation) -> str:
    """A follow-up ("and what did Huawei say about it?") borrows the content words of what the
    previous turn was about (``subject_of``) that it does not already have: the entity "it"
    stands for, not the previous follow-up's own subject (after "What did SpaceX say about
    it?", "And Blue Origin?" is about the landers, not about SpaceX)."""
    last = conversation.last
    if last is None or not _FOLLOW_UP.search(question):
        return question
    have = content_words(question)
    borrowed = [
        w
        for w in re.findall(r"[\w-]+", subject_of(last.query))
        if content_words(w) and not content_words(w) <= have
    ]
    return with_borrowed(question, " ".join(dict.fromkeys(borrowed)))


def condense_by_llm(question: str, conversation: Conversation, client: ChatClient) -> str:
    """The LLM rewrites a follow-up into a standalone query (the condense prompt)."""
    last = conversation.last
    if last is None:
        return question
    history = "\n".join(
        f"User: {turn.question}\nAssistant: {answer_markdown(turn, with_sources=False)}"
        for turn in conversation.turns[-4:]
    )
    reply = client.complete(
        [
            (
                "user",
                templates.render(
                    "condense", history=templates.fence_conversation(history), question=question
                ),
            )
        ]
    )
    text = " ".join(reply.text.split()).strip().strip('"')
    return text or question


def ask(
    question: str,
    conversation: Conversation,
    evidence: Evidence,
    desk: Desk,
    *,
    on_token: OnToken | None = None,
    condense: Condenser = condense_by_rule,
) -> Turn:
    """Answer a question in the conversation (and add the turn to it). An answer identical to
    the last one given says so in its note."""
    query = condense(question, conversation)
    before = next((t.answer for t in reversed(conversation.turns) if t.answer is not None), None)
    try:
        window = conversation.window
        briefing = build_answer(query, evidence, desk, window=window, on_token=on_token)
    except ThinEvidenceError as exc:
        note = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
        turn = Turn(question, query, None, note)
    else:
        cited = [s for t in briefing.takeaways for s in t.sentences if s.citations]
        if not cited or all(s.flagged for s in cited):
            turn = Turn(question, query, None, "no cited sentence held up against its sources")
        else:
            same = before is not None and _said(before) == _said(briefing)
            note = "; ".join(n for n in (SAME_ANSWER if same else "", briefing.note) if n)
            turn = Turn(question, query, briefing, note)
    conversation.turns.append(turn)
    return turn


def _said(answer: Briefing) -> list[str]:
    return [s.text for t in answer.takeaways for s in t.sentences]
