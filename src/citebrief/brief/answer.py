"""Cited answers to questions, alone or in a conversation.

An answer is a briefing of one takeaway without a headline (``briefing.build_answer``): the same
stories and relevance gate, writers, citation contract and verification. A follow-up question is
first rewritten into a standalone query from the conversation (by the LLM with the condense
prompt, or by a simple rule without one). When no story in the window is about the question, or
no cited sentence holds up, the turn says why and has no answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from citebrief import templates
from citebrief.brief.briefing import build_answer
from citebrief.brief.render import answer_markdown
from citebrief.errors import ThinEvidenceError
from citebrief.llm import ChatClient
from citebrief.models import Conversation, Desk, OnToken, Turn
from citebrief.stories.retrieve import Evidence
from citebrief.text import content_words

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|also|what about|how about|then)\b|\b(it|its|it's|that|this|those|these|"
    r"they|them|their|he|she|him|her|his|there|same)\b",
    re.I,
)
Condenser = Callable[[str, Conversation], str]


def condense_by_rule(question: str, conversation: Conversation) -> str:
    """A follow-up ("and what did Huawei say about it?") borrows the content words of the
    previous standalone query that it does not already have."""
    last = conversation.last
    if last is None:
        return question
    if not _FOLLOW_UP.search(question):
        return question
    have = content_words(question)
    borrowed = [
        w
        for w in re.findall(r"[\w-]+", last.query)
        if content_words(w) and not content_words(w) <= have
    ]
    extra = " ".join(dict.fromkeys(borrowed))
    return f"{question} ({extra})" if extra else question


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
    """Answer a question in the conversation (and add the turn to it)."""
    query = condense(question, conversation)
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
            turn = Turn(question, query, briefing)
    conversation.turns.append(turn)
    return turn
