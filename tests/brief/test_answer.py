"""Answers: a follow-up question rewritten into a standalone query by the rule, and the answer
Markdown (the LLM rewrite and streamed answers are tested against a server in tests/e2e)."""

from __future__ import annotations

from citebrief.brief.answer import condense_by_rule
from citebrief.brief.render import NO_SUPPORT, answer_markdown
from citebrief.models import Conversation, Turn

QUESTION = "What did Beijing say about the HBM rule?"
FOLLOW_UP = "and what did Huawei say about it?"


def conversation_after(query: str) -> Conversation:
    return Conversation(turns=[Turn(query, query, None, "no support")])


def test_condense_by_rule_borrows_the_previous_querys_terms() -> None:
    query = condense_by_rule(FOLLOW_UP, conversation_after(QUESTION))
    assert query.startswith(FOLLOW_UP)
    borrowed = query[len(FOLLOW_UP) :]
    for term in ("Beijing", "HBM", "rule"):
        assert term in borrowed
    assert "what" not in borrowed.lower()  # stopwords stay behind
    assert "Huawei" not in borrowed  # the follow-up has it already


def test_condense_by_rule_leaves_standalone_questions_and_first_questions_alone() -> None:
    assert condense_by_rule("Who makes HBM3?", conversation_after(QUESTION)) == "Who makes HBM3?"
    assert condense_by_rule(FOLLOW_UP, Conversation()) == FOLLOW_UP


def test_condense_by_rule_does_not_repeat_a_word_the_follow_up_has() -> None:
    query = condense_by_rule(
        "and what did Huawei say about the rule?", conversation_after(QUESTION)
    )
    assert query == "and what did Huawei say about the rule? (Beijing HBM)"


def test_condense_by_rule_does_not_repeat_an_inflected_word_the_follow_up_has() -> None:
    query = condense_by_rule(
        "and what did Huawei say about those controls?",
        conversation_after("What did Beijing say about the export controls?"),
    )
    assert query == "and what did Huawei say about those controls? (Beijing export)"


def test_an_unanswered_turn_says_why() -> None:
    turn = Turn(QUESTION, QUESTION, None, "its sources never mention bananas")
    assert answer_markdown(turn) == f"{NO_SUPPORT} (its sources never mention bananas)."
    assert answer_markdown(Turn(QUESTION, QUESTION, None)) == f"{NO_SUPPORT}."
