"""What changed since last week's briefing on the same topic (pure).

Stories keep their ids from one week to the next (``stories.update``), so a takeaway is:

- ``new``: its story was in no takeaway of last week's briefing;
- ``continuing``: its story was, and nothing it cites was published after last week's window;
- ``developing``: its story was, and it cites passages published after last week's window (the
  ``fresh`` sources; the writer put their sentences first, see ``fresh_first``).

A briefing without a previous one on its topic gets no marks; its line says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citebrief.brief import citations
from citebrief.models import Briefing, Draft, Passage

NEW, CONTINUING, DEVELOPING = "new", "continuing", "developing"


def fresh_first(draft: Draft, passages: Mapping[str, Passage], since: str) -> None:
    """Within each takeaway, the sentences citing a passage published after ``since`` (an ISO
    day) come first, the others keep their order; applied before citations are numbered."""
    for takeaway in draft.takeaways:

        def fresh(sentence: Any) -> bool:
            keys = citations.merge_keys(
                sentence.keys,
                citations.parse_sentence(sentence.text).keys if sentence.inline else [],
            )
            return any(k in passages and passages[k].published > since for k in keys)

        takeaway.sentences.sort(key=lambda s: not fresh(s))


def mark(
    briefing: Briefing, previous: Mapping[str, Any] | None, week: str, page: str | None
) -> None:
    """Mark each takeaway against ``previous`` (last week's briefing as JSON, from ``week``,
    shown at ``page``) and write the "Since last week" line."""
    if previous is None:
        briefing.since_last = "First briefing on this topic: no briefing last week to compare."
        return
    before: dict[str, dict[str, Any]] = {}
    for takeaway in previous.get("takeaways") or []:
        story = (takeaway.get("story") or {}).get("id")
        if story:
            before[story] = {
                "week": week,
                "number": takeaway.get("number"),
                "headline": takeaway.get("headline", ""),
                "page": page,
            }
    since = str((previous.get("window") or {}).get("end") or "")
    published = {s.number: s.published for s in briefing.sources}
    counts = {NEW: 0, DEVELOPING: 0, CONTINUING: 0}
    for takeaway in briefing.takeaways:
        story = (takeaway.story or {}).get("id")
        cited = {n for s in takeaway.sentences for n in s.citations}
        fresh = sorted(n for n in cited if since and published.get(n, "") > since)
        status = NEW if story not in before else DEVELOPING if fresh else CONTINUING
        takeaway.change = {
            "status": status,
            "previous": before.get(story or ""),
            "fresh": fresh if status == DEVELOPING else [],
        }
        counts[status] += 1
    briefing.since_last = "Since last week: " + ", ".join(
        _count(n, word) for word, n in counts.items()
    )


def _count(n: int, status: str) -> str:
    if status == NEW:
        return f"{n} new {'story' if n == 1 else 'stories'}"
    return f"{n} {status}"
