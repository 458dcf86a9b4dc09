"""The citation contract applied to a draft, directly: claims, verdicts, renumbering, sources."""

from __future__ import annotations

import pytest

from citebrief.brief.assemble import Claim, Judged, assemble, claims_of
from citebrief.errors import StoreError
from citebrief.models import (
    Article,
    Draft,
    DraftSentence,
    DraftTakeaway,
    Label,
    Passage,
    Retrieval,
    Verdict,
    Window,
)

TEXT = "Alpha said one thing. Beta said another. Gamma said a third thing entirely."
OTHER = "Delta reported the same thing. Epsilon disagreed."
SPANS = {"S1": ("a1", 0, 21), "S2": ("a1", 22, 40), "S3": ("a2", 0, len(OTHER))}
ARTICLE = Article("a1", "https://e.example/a", "https://e.example/a", TEXT, "h", title="T")
ARTICLE2 = Article(
    "a2", "https://e.example/b", "https://e.example/opinion/b", OTHER, "h", title="Opinion: U"
)
PASSAGES = [
    Passage(
        key,
        f"c-{key}",
        aid,
        s,
        e,
        (TEXT if aid == "a1" else OTHER)[s:e],
        0.1,
        0.5,
        "T",
        "Site",
        "2026-11-10",
        "u",
    )
    for key, (aid, s, e) in SPANS.items()
]
KNOWN = {p.key: p for p in PASSAGES}
RETRIEVAL = Retrieval("q", Window(), PASSAGES, 3, 3, {"dense_k": 40})
SUPPORTED = Verdict(Label.SUPPORTED, 0.9, "ok")
UNSUPPORTED = Verdict(Label.UNSUPPORTED, 0.1, "no")


def draft(*takeaways: list[DraftSentence]) -> Draft:
    return Draft([DraftTakeaway(f"H{i}", list(s)) for i, s in enumerate(takeaways)], "test")


def test_claims_of_reads_inline_markers_and_key_lists() -> None:
    claims, dropped = claims_of(draft([DraftSentence("One [S2].", ["S1"])]), KNOWN)
    assert claims == [Claim(0, "One.", ["S2", "S1"])]
    assert dropped == 0


def test_claims_of_drops_and_counts_unknown_keys() -> None:
    claims, dropped = claims_of(draft([DraftSentence("One [S9] [3].", ["S7"])]), KNOWN)
    assert claims[0].keys == []
    assert dropped == 3


def test_claims_of_leaves_out_empty_sentences() -> None:
    claims, _ = claims_of(draft([DraftSentence("[S1]", []), DraftSentence("Two.", [])]), KNOWN)
    assert [c.text for c in claims] == ["Two."]


def judged(text: str, keys: list[str], verdict: Verdict | None, takeaway: int = 0) -> Judged:
    return Judged(Claim(takeaway, text, keys), keys, verdict)


def build(items: list[Judged], *, strict: bool = False, takeaways: int = 1):  # type: ignore[no-untyped-def]
    return assemble(
        "topic",
        draft(*[[] for _ in range(takeaways)]),
        items,
        RETRIEVAL,
        {"a1": ARTICLE, "a2": ARTICLE2},
        dropped=2,
        strict=strict,
        generated_at="2026-11-23T00:00:00+00:00",
    )


def test_numbers_follow_first_use_and_sources_are_only_the_cited() -> None:
    briefing = build([judged("x", ["S3"], SUPPORTED), judged("y", ["S1", "S3"], SUPPORTED)])
    assert [s.citations for s in briefing.takeaways[0].sentences] == [[1], [2, 1]]
    assert [(s.number, s.article_id) for s in briefing.sources] == [(1, "a2"), (2, "a1")]
    assert [[q.key for q in s.quotes] for s in briefing.sources] == [["S3"], ["S1"]]


def test_two_passages_of_one_article_are_one_source_listing_both() -> None:
    briefing = build([judged("x", ["S2"], SUPPORTED), judged("y", ["S1"], SUPPORTED)])
    assert [s.citations for s in briefing.takeaways[0].sentences] == [[1], [1]]
    (source,) = briefing.sources
    assert [q.key for q in source.quotes] == ["S1", "S2"]  # in the article's order


def test_each_citation_keeps_its_passage_and_the_span_of_the_cited_words() -> None:
    sentence = (
        build([judged("Beta said another.", ["S2", "S3"], SUPPORTED)]).takeaways[0].sentences[0]
    )
    assert [(c.source, c.key, c.start, c.end) for c in sentence.cites] == [
        (1, "S2", 22, 40),
        (2, "S3", 0, len(OTHER)),
    ]
    assert TEXT[slice(*sentence.cites[0].mark)] == "Beta said another."  # verbatim
    assert OTHER[slice(*sentence.cites[1].mark)] == "Delta reported the same thing."  # closest


def test_every_source_quote_is_its_exact_span_with_its_marks_inside() -> None:
    briefing = build([judged("Beta said another.", ["S2"], SUPPORTED)])
    (quote,) = briefing.sources[0].quotes
    assert TEXT[quote.start : quote.end] == quote.quote == "Beta said another."
    assert quote.marks == [(22, 40)]


def test_an_opinion_source_says_so() -> None:
    briefing = build([judged("x", ["S1"], SUPPORTED), judged("y", ["S3"], SUPPORTED)])
    assert [s.opinion for s in briefing.sources] == ["", "an op-ed"]


def test_a_source_title_drops_the_outlet_the_source_line_names_anyway() -> None:
    article = Article(
        "a1",
        "https://www.albawaba.com/news/a",
        "https://www.albawaba.com/news/a",
        TEXT,
        "h",
        title="World Community Lashes Out at US | Al Bawaba",
        site_name="Al Bawaba",
    )
    briefing = assemble(
        "topic",
        draft([]),
        [judged("x", ["S1"], SUPPORTED)],
        RETRIEVAL,
        {"a1": article},
        dropped=0,
        strict=False,
        generated_at="2026-11-23T00:00:00+00:00",
    )
    assert briefing.sources[0].title == "World Community Lashes Out at US"


def test_an_unsupported_sentence_is_flagged() -> None:
    sentence = build([judged("x", ["S1"], UNSUPPORTED)]).takeaways[0].sentences[0]
    assert (sentence.flagged, sentence.verdict) == (True, "unsupported")


def test_an_uncited_sentence_is_unsupported_with_a_note() -> None:
    sentence = build([judged("x", [], None)]).takeaways[0].sentences[0]
    assert (sentence.citations, sentence.note, sentence.flagged) == ([], "no citation", True)


def test_strict_removes_unsupported_sentences_and_counts_them() -> None:
    briefing = build(
        [judged("x", ["S1"], UNSUPPORTED), judged("y", ["S2"], SUPPORTED)], strict=True
    )
    assert [s.text for s in briefing.takeaways[0].sentences] == ["y"]
    assert briefing.report.removed == 1


def test_a_takeaway_left_empty_by_strict_disappears_and_the_rest_renumber() -> None:
    items = [judged("x", ["S1"], UNSUPPORTED, 0), judged("y", ["S2"], SUPPORTED, 1)]
    briefing = build(items, strict=True, takeaways=2)
    assert [(t.number, t.headline) for t in briefing.takeaways] == [(1, "H1")]


def test_a_recited_sentence_says_so() -> None:
    item = Judged(Claim(0, "x", ["S1"]), ["S2"], SUPPORTED, recited=True)
    sentence = build([item]).takeaways[0].sentences[0]
    assert (sentence.recited, sentence.note) == (True, "re-cited: ok")


def test_the_report_counts_what_the_sentences_say() -> None:
    report = build(
        [
            judged("a", ["S1"], SUPPORTED),
            judged("b", ["S2"], Verdict(Label.PARTIAL, 0.5, "")),
            judged("c", [], None),
        ]
    ).report
    assert (report.sentences, report.cited, report.supported, report.partial) == (3, 2, 1, 1)
    assert (report.unsupported, report.flagged, report.dropped_citations) == (1, 1, 2)


def test_the_briefing_carries_the_retrieval_settings_and_window() -> None:
    briefing = build([judged("x", ["S1"], SUPPORTED)])
    assert briefing.retrieval == {"dense_k": 40, "candidates": 3, "relevant": 3, "passages": 3}
    assert briefing.window == {"start": None, "end": None}


def test_a_changed_article_text_is_a_store_error() -> None:
    changed = Article("a1", "u", "u", "Different text now.", "h2")
    with pytest.raises(StoreError, match="no longer matches"):
        assemble(
            "t",
            draft([]),
            [judged("x", ["S1"], SUPPORTED)],
            RETRIEVAL,
            {"a1": changed},
            generated_at="",
        )


def test_a_vanished_article_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="vanished"):
        assemble("t", draft([]), [judged("x", ["S1"], SUPPORTED)], RETRIEVAL, {}, generated_at="")
