"""Cited answers to questions, alone or in a conversation.

Answers use the same retrieval, writers, citation contract and verification as briefings:
an answer is a briefing of one takeaway without a headline. A follow-up question is first
rewritten into a standalone query from the conversation (by the LLM with the condense prompt,
or by a simple rule without one). When the corpus holds no support, the answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from citebrief import templates
from citebrief.brief import Briefing, build_briefing
from citebrief.citations import markers
from citebrief.retrieve import ThinEvidenceError, Window
from citebrief.settings import Settings
from citebrief.store import Corpus
from citebrief.vectors import VectorIndex
from citebrief.verify import Verifier, content_words
from citebrief.writers import Writer

NO_SUPPORT = "The corpus has no support for an answer to this question"


@dataclass(slots=True)
class Turn:
    question: str
    query: str  # the standalone query used for retrieval
    answer: Briefing | None  # None: no support in the corpus
    note: str = ""  # why there is no answer

    @property
    def text(self) -> str:
        return answer_text(self)


@dataclass(slots=True)
class Conversation:
    window: Window = field(default_factory=Window)
    turns: list[Turn] = field(default_factory=list)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


_FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|also|what about|how about|then)\b|\b(it|its|it's|that|this|those|these|"
    r"they|them|their|he|she|him|her|his|there|same)\b",
    re.I,
)


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


def condense_by_llm(question: str, conversation: Conversation, model: Any) -> str:
    last = conversation.last
    if last is None:
        return question
    history = "\n".join(
        f"User: {turn.question}\nAssistant: {answer_text(turn, with_sources=False)}"
        for turn in conversation.turns[-4:]
    )
    reply = model.invoke(templates.render("condense", history=history, question=question))
    text = " ".join(str(reply.content).split()).strip().strip('"')
    return text or question


Condenser = Callable[[str, Conversation], str]


def ask(
    question: str,
    conversation: Conversation,
    *,
    corpus: Corpus,
    index: VectorIndex,
    writer: Writer,
    verifier: Verifier,
    settings: Settings,
    condense: Condenser = condense_by_rule,
    on_token: Callable[[str], None] | None = None,
) -> Turn:
    """Answer a question in the conversation (and add the turn to it)."""
    query = condense(question, conversation)
    lenient = settings.model_copy(
        update={"min_articles": 1, "min_passages": 1, "max_passages": min(settings.max_passages, 8)}
    )
    try:
        briefing = build_briefing(
            query,
            corpus=corpus,
            index=index,
            writer=writer,
            verifier=verifier,
            settings=lenient,
            window=conversation.window,
            takeaways=1,
            kind="answer",
            on_token=on_token,
        )
    except ThinEvidenceError as exc:
        turn = Turn(question, query, None, exc.message)
    else:
        cited = [s for t in briefing.takeaways for s in t.sentences if s.citations]
        missing = _missing_terms(query, briefing)
        if not cited or all(s.flagged for s in cited):
            turn = Turn(question, query, None, "no cited sentence held up against its sources")
        elif missing is not None:
            turn = Turn(question, query, None, f"its sources never mention {missing}")
        else:
            turn = Turn(question, query, briefing)
    conversation.turns.append(turn)
    return turn


def _missing_terms(query: str, briefing: Briefing) -> str | None:
    """The question's key terms that its cited sources lack, when they lack most of them
    (an answer about something else is no answer)."""
    wanted = {w: w for w in content_words(query)}
    if not wanted:
        return None
    found = content_words(" ".join(src.quote for src in briefing.sources))
    missing = [w for w in wanted if w not in found]
    if len(missing) * 2 <= len(wanted):
        return None
    originals = [m for m in re.findall(r"[\w-]+", query) if content_words(m) & set(missing)]
    return ", ".join(dict.fromkeys(o.lower() for o in originals)) or ", ".join(missing)


def answer_text(turn: Turn, with_sources: bool = True) -> str:
    """The answer as Markdown: sentences with [n] markers, then its sources."""
    if turn.answer is None:
        return f"{NO_SUPPORT} ({turn.note})." if turn.note else f"{NO_SUPPORT}."
    sentences = []
    for takeaway in turn.answer.takeaways:
        for s in takeaway.sentences:
            flag = " ⚠️ *(not supported by the cited sources)*" if s.flagged else ""
            sentences.append(s.text + markers(s.citations) + flag)
    text = " ".join(sentences)
    if with_sources and turn.answer.sources:
        text += "\n\n" + sources_text(turn.answer)
    return text


def sources_text(briefing: Briefing) -> str:
    lines = ["Sources:"]
    for src in briefing.sources:
        site = f", {src.site_name}" if src.site_name else ""
        lines.append(f"[{src.number}] {src.title}{site}, {src.published}. <{src.url}>")
    return "\n".join(lines)
