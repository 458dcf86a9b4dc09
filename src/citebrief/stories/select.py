"""Which stories become takeaways, and why none would (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from citebrief.errors import options
from citebrief.models import Window
from citebrief.stories.relevance import Finding, Scored
from citebrief.text import language_name, query_parts

SOURCES_BONUS = 0.05  # relevance a story gains from five or more independent sources
HEADLINE_BONUS = 0.05  # relevance a story gains for an answer when a title names what is asked


def weight(scored: Scored, newest: str) -> float:
    """The order of takeaways: relevance first, then independent sources and outlets, then
    recency (a story still running on the window's last day comes before one that ended)."""
    story = scored.story
    sources = min(story.sources, 5) / 5
    outlets = min(len(story.outlets), 5) / 5
    recent = 1.0 if story.last_day >= newest else 0.0
    return scored.probability + SOURCES_BONUS * sources + 0.02 * outlets + 0.01 * recent


def choose(finding: Finding, limit: int) -> list[Scored]:
    """Up to ``limit`` stories on topic, in the order their takeaways come."""
    on_topic = finding.on_topic
    newest = max((s.story.last_day for s in on_topic), default="")
    return sorted(on_topic, key=lambda s: -weight(s, newest))[:limit]


def for_answer(finding: Finding, limit: int) -> list[Scored]:
    """The stories an answer draws on: the most probably about the question, those whose
    titles name everything it asks about, as written, first among the about as probable.
    Near the top, probabilities tie (on a busy topic every story is surely about "Beijing");
    a headline says whose news a story is ("Beijing vows ...", "Beijing's compute vouchers
    ...") where a story that only mentions Beijing does not.

    A question with a circumstance is judged on what it asks ("How did Republicans respond to
    the infrastructure deal?": every story about Republicans is on topic); its stories are
    taken by the whole question's closeness instead: the infrastructure talks, not the
    Republicans' filibuster of a voting bill; and Beijing's vouchers, which never name the
    HBM rule, still answer "What did Beijing do in response to the HBM rule?"."""
    if query_parts(finding.topic).circumstance:

        def key(s: Scored) -> float:
            return -(s.signals.question + HEADLINE_BONUS * s.signals.headline)
    else:

        def key(s: Scored) -> float:
            return -(s.probability + HEADLINE_BONUS * s.signals.headline)

    return sorted(finding.on_topic, key=key)[:limit]


def refusal(finding: Finding) -> tuple[str, str]:
    """Why nothing in the window is about the topic, and what to try: (message, hint)."""
    where = _window(finding.window)
    widen = finding.window.widening()
    if finding.missing:
        terms = ", ".join(repr(t) for t in finding.missing)
        return (
            f"nothing {where} covers {finding.topic!r}: no article mentions {terms}",
            options("check the spelling", widen, "ingest sources that cover it"),
        )
    elsewhere = options(widen, "rephrase the topic", "ingest more sources")
    if not finding.scored:
        return f"nothing {where} covers {finding.topic!r}", elsewhere
    # the story holding most of what was asked, then the most probable: a hint names what it
    # lacks, and a story that lacks every term says nothing the missing terms don't
    closest = max(finding.scored, key=lambda s: (s.signals.coverage, s.probability))
    near = f"nothing {where} covers {finding.topic!r}; the closest story, {closest.story.title!r},"
    if closest.signals.missing:  # it lacks some of the words asked: say which
        terms = ", ".join(repr(t) for t in closest.signals.missing)
        return (
            f"{near} does not mention {terms}",
            options(
                "rephrase the topic with the words its stories use", widen, "ingest more sources"
            ),
        )
    return f"{near} is not about it", elsewhere


def left_out_for_language(finding: Finding, pick: Callable[[Finding], list[Scored]]) -> list[str]:
    """The language of each story on topic that ``pick`` would have taken had it not been left
    out for its language (``relevance.in_one_language``): a note names only those whose
    absence the reader could notice."""
    if not finding.left_out:
        return []
    restored = sorted(
        [*finding.on_topic, *(s for s, _ in finding.left_out)], key=lambda s: -s.probability
    )
    taken = {s.story.id for s in pick(replace(finding, scored=restored))}
    return [language for s, language in finding.left_out if s.story.id in taken]


def languages_note(others: Sequence[str], language: str, noun: str = "briefing") -> str:
    """Stories on the topic left out for their language: "1 more story in Italian left out
    (the briefing keeps to English)"."""
    if not others:
        return ""
    story = "story" if len(others) == 1 else "stories"
    theirs = " and ".join(language_name(code) for code in sorted(set(others)))
    return (
        f"{len(others)} more {story} in {theirs} left out "
        f"(the {noun} keeps to {language_name(language)})"
    )


def stories_note(
    on_topic: int,
    asked: int,
    window: Window,
    written: int | None = None,
    *,
    strict: bool = False,
    retold: int = 0,
) -> str:
    """What the reader should know about how many stories there were, and (``written``: the
    takeaways that survived writing and verification) why a story on topic has no takeaway:
    ``retold`` of them tell again the event of another takeaway (one event grouped as two
    stories); of the rest, with ``strict`` (sentences that did not check out were removed),
    that is why, else no sentence of theirs could be quoted and checked out."""
    chosen = min(on_topic, asked)
    written = chosen if written is None else written
    story = "story" if on_topic == 1 else "stories"
    count = f"{on_topic} {story} on this topic {_window(window)}"
    if written >= chosen:
        return "" if on_topic >= asked else count
    left = chosen - written
    retold = min(retold, left)
    which = "one of them" if left == 1 else f"{left} of them"
    reasons = []
    if retold:
        tell = (
            ("it tells", "the event of another takeaway")
            if left == 1
            else ("they tell", "the events of other takeaways")
            if retold == left
            else ("one tells", "the event of another takeaway")
            if retold == 1
            else (f"{retold} tell", "the events of other takeaways")
        )
        reasons.append(f"{tell[0]} again {tell[1]}")
    rest = left - retold
    if rest:
        its, it, source = (
            ("its", "it", "its source") if rest == 1 else ("their", "them", "their sources")
        )
        why = (
            f"--strict removed every sentence written of {it}: none checked out against {source}"
            if strict
            else f"no sentence of {its} articles stands alone and checks out against {source}"
        )
        if retold:
            why = f"for {'the other' if rest == 1 else f'the other {rest}'}, {why}"
        reasons.append(why)
    return f"{count}; {which} gave no takeaway: {'; '.join(reasons)}"


def _window(window: Window) -> str:
    if window.start and window.end:
        return f"from {window.label()}"
    return window.label() if window.start or window.end else "in the corpus"
