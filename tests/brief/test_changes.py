"""What changed since last week: marks against the previous briefing, fresh sentences first."""

from __future__ import annotations

from typing import Any

from citebrief.brief.changes import fresh_first, mark
from citebrief.models import (
    Briefing,
    Draft,
    DraftSentence,
    DraftTakeaway,
    Passage,
    Quote,
    Report,
    Sentence,
    Source,
    Takeaway,
)


def source(n: int, published: str) -> Source:
    return Source(n, f"a{n}", f"T{n}", "Site", published, "u", [Quote(f"S{n}", "c", 0, 1, "x")])


def takeaway(n: int, story: str, cites: list[int]) -> Takeaway:
    sentence = Sentence("x", cites, "supported", 1.0)
    return Takeaway(n, f"H{n}", [sentence], {"id": story, "relevance": 0.99})


def briefing(*takeaways: Takeaway, sources: list[Source]) -> Briefing:
    return Briefing("t", {}, "", "extractive", "", list(takeaways), sources, Report(), {})


LAST_WEEK: dict[str, Any] = {
    "window": {"start": "2026-11-09", "end": "2026-11-15"},
    "takeaways": [
        {"number": 1, "headline": "Rule unveiled", "story": {"id": "s-rule"}},
        {"number": 2, "headline": "Talks preview", "story": {"id": "s-talks"}},
    ],
}


def test_new_continuing_and_developing_takeaways() -> None:
    b = briefing(
        takeaway(1, "s-rule", [1, 2]),  # cites one article from after last week: developing
        takeaway(2, "s-talks", [3]),  # cites only older articles: continuing
        takeaway(3, "s-voucher", [4]),  # a story last week did not have: new
        sources=[
            source(1, "2026-11-16"),
            source(2, "2026-11-10"),
            source(3, "2026-11-13"),
            source(4, "2026-11-18"),
        ],
    )
    mark(b, LAST_WEEK, "2026-W46", "2026-W46-topic")
    changes = [t.change for t in b.takeaways]
    assert [c["status"] for c in changes if c] == ["developing", "continuing", "new"]
    assert changes[0] == {
        "status": "developing",
        "previous": {
            "week": "2026-W46",
            "number": 1,
            "headline": "Rule unveiled",
            "page": "2026-W46-topic",
        },
        "fresh": [1],
    }
    assert changes[2] == {"status": "new", "previous": None, "fresh": []}
    assert b.since_last == "Since last week: 1 new story, 1 developing, 1 continuing"


def test_without_a_previous_briefing_nothing_is_marked() -> None:
    b = briefing(takeaway(1, "s-rule", [1]), sources=[source(1, "2026-11-16")])
    mark(b, None, "", None)
    assert b.takeaways[0].change is None
    assert b.since_last.startswith("First briefing on this topic")


def passage(key: str, published: str) -> Passage:
    return Passage(key, key, key, 0, 1, "x", 0.1, 0.5, "T", "S", published, "u")


def test_sentences_citing_fresh_passages_come_first() -> None:
    old, fresh = passage("S1", "2026-11-10"), passage("S2", "2026-11-17")
    draft = Draft(
        [
            DraftTakeaway(
                "H",
                [
                    DraftSentence("Old one.", ["S1"]),
                    DraftSentence("Inline fresh [S2].", []),
                    DraftSentence("Quoted fresh [S1].", ["S2"], inline=False),
                    DraftSentence("Old two.", ["S1"]),
                ],
            )
        ],
        "test",
    )
    fresh_first(draft, {"S1": old, "S2": fresh}, "2026-11-15")
    texts = [s.text for s in draft.takeaways[0].sentences]
    assert texts == ["Inline fresh [S2].", "Quoted fresh [S1].", "Old one.", "Old two."]
