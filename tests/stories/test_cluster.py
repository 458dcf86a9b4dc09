"""Grouping hand-made articles into stories, and stable story ids."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from citebrief.stories.cluster import (
    GroupingParams,
    Item,
    Signals,
    assign,
    cluster,
    group,
    new_story_id,
)

PARAMS = GroupingParams()  # the defaults; the shipped fit is measured in benchmarks/
TOPICS = {"quake": 0, "budget": 1, "final": 2}


def vector(topic: str, wobble: float = 0.0) -> np.ndarray:
    v = np.zeros(4, dtype=np.float32)
    v[TOPICS[topic]] = 1.0
    v[3] = wobble
    return v / np.linalg.norm(v)


def item(id: str, day: int, title: str, text: str, topic: str, story: str | None = None) -> Item:
    return Item.of(id, day, title, text, vector(topic, 0.1 * len(id)), story)


QUAKE = [
    item("q1", 100, "Magnitude 7.1 earthquake strikes off Hokkaido coast",
         "A magnitude 7.1 earthquake struck off the coast of Hokkaido on Tuesday, Japan's "
         "Meteorological Agency said, triggering tsunami warnings for Hokkaido.", "quake"),
    item("q2", 100, "Hokkaido earthquake: tsunami warning issued after 7.1 quake",
         "Japan's Meteorological Agency issued a tsunami warning after a magnitude 7.1 "
         "earthquake off Hokkaido. No damage was reported in the first hours.", "quake"),
    item("q3", 101, "Hokkaido counts damage a day after magnitude 7.1 earthquake",
         "Officials in Hokkaido said on Wednesday that the magnitude 7.1 earthquake damaged "
         "roads and cut power to 20,000 homes; the tsunami warning was lifted.", "quake"),
]  # fmt: skip
BUDGET = [
    item("b1", 100, "Senate passes $1.2 trillion budget bill after all-night session",
         "The Senate passed the $1.2 trillion budget bill early on Tuesday after an all-night "
         "session, sending it to the House.", "budget"),
    item("b2", 101, "House leaders schedule vote on Senate's $1.2 trillion budget bill",
         "House leaders said they would vote on Thursday on the $1.2 trillion budget bill "
         "the Senate passed on Tuesday.", "budget"),
]  # fmt: skip
FINAL = [
    item("f1", 100, "Ajax beat Feyenoord 3-1 to win the Dutch cup final",
         "Ajax won the Dutch cup final on Sunday, beating Feyenoord 3-1 in Rotterdam.", "final"),
]  # fmt: skip


def stories(items: list[Item], params: GroupingParams = PARAMS) -> list[set[str]]:
    return sorted(({items[i].id for i in g} for g in cluster(items, params)), key=min)


def test_articles_on_one_event_form_one_story_and_other_events_their_own() -> None:
    assert stories(QUAKE + BUDGET + FINAL) == [{"b1", "b2"}, {"f1"}, {"q1", "q2", "q3"}]


def test_every_article_is_in_exactly_one_story_whatever_the_order() -> None:
    items = FINAL + BUDGET[::-1] + QUAKE[::-1]
    assert stories(items) == [{"b1", "b2"}, {"f1"}, {"q1", "q2", "q3"}]


def test_days_apart_make_articles_less_alike() -> None:
    title, text = QUAKE[1].lead.split(". ", 1)
    same_day, days_later = (item(f"x{d}", 100 + d, title, text, "quake") for d in (0, 3))
    alike = Signals.of([QUAKE[0], same_day, days_later]).similarity(PARAMS)
    assert alike[0, 2] < alike[0, 1]
    assert alike[0, 1] - alike[0, 2] == pytest.approx(PARAMS.days * 3 / 5, abs=1e-6)


def test_near_identical_titles_bring_reports_with_different_leads_together() -> None:
    """Two outlets' reports of one vote, titled alike, whose leads tell it in other words."""
    reports = [
        item("t1", 100, "Senate passes bill to counter China's tech reach",
             "Lawmakers voted 68 to 32 on Tuesday for a measure funding semiconductor research, "
             "robotics and artificial intelligence, sending it to the House of Representatives "
             "where its prospects remain uncertain.", "budget"),
        item("t2", 100, "Senate passes bill to counter China tech reach",
             "A sweeping package of industrial policy cleared the chamber with bipartisan "
             "support; Majority Leader Chuck Schumer called it a historic investment in "
             "American manufacturing and scientific workers.", "final"),
    ]  # fmt: skip
    signals = Signals.of(reports)
    assert signals.titles[0, 1] > 0.6 > signals.lexical[0, 1]
    by_leads = GroupingParams(embed=0.0, tfidf=1.0, names=0.0, numbers=0.0, threshold=0.6)
    assert cluster(reports, by_leads) == [[0], [1]]
    assert cluster(reports, replace(by_leads, title=1.0)) == [[0, 1]]


def test_average_linkage_joins_a_group_that_complete_linkage_keeps_apart() -> None:
    """A follow-up close to most of a story but far from one of its articles: complete linkage
    (farthest pair) leaves it out, average linkage (mean distance) takes it in."""
    items = [
        Item("a", 100, "a", vector("quake"), names=frozenset()),
        Item("b", 100, "b", vector("quake"), names=frozenset()),
        Item("c", 100, "c", vector("budget"), names=frozenset()),
    ]
    signals = Signals.of(items)
    # a and b identical; c: distance 0.5 from a, 1.0 from b (set by hand)
    lexical = np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.0], [0.5, 0.0, 1.0]])
    signals = replace(signals, dense=lexical, lexical=lexical)
    only_lexical = GroupingParams(embed=0.0, tfidf=1.0, names=0.0, numbers=0.0, threshold=0.8)
    complete = cluster(items, only_lexical, signals)
    average = cluster(items, replace(only_lexical, linkage="average"), signals)
    assert complete == [[0, 1], [2]]
    assert average == [[0, 1, 2]]


def test_one_or_no_article() -> None:
    assert cluster([], PARAMS) == []
    assert cluster(QUAKE[:1], PARAMS) == [[0]]


def test_leads_of_stopwords_only_still_group() -> None:
    empty = [item("e1", 100, "The", "", "quake"), item("e2", 100, "A", "", "final")]
    assert sorted(map(sorted, cluster(empty, PARAMS))) == [[0], [1]]


def test_new_articles_inherit_the_story_they_join() -> None:
    old = []
    for i in QUAKE[:2]:
        title, text = i.lead.split(". ", 1)
        old.append(item(i.id, i.day, title, text, "quake", story="s-quake"))
    ids = group([*old, QUAKE[2], *BUDGET], PARAMS)
    assert ids["q3"] == "s-quake"  # a continuing story keeps its id
    assert ids["b1"] == ids["b2"] == new_story_id(["b1", "b2"])
    assert set(ids) == {"q3", "b1", "b2"}  # articles already in a story are not moved


def test_a_story_is_inherited_by_one_group_only() -> None:
    items = [
        item("a", 1, "x", "", "quake", story="s1"),
        item("b", 1, "x", "", "quake", story="s1"),
        item("c", 1, "x", "", "quake", story="s1"),
        item("d", 1, "x", "", "quake"),
        item("e", 1, "x", "", "quake"),
    ]
    ids = assign(items, [[0, 1, 3], [2, 4]])  # s1 split: the larger part keeps it
    assert ids == {"d": "s1", "e": new_story_id(["e"])}


def test_story_ids_do_not_depend_on_order() -> None:
    assert new_story_id(["b", "a"]) == new_story_id(["a", "b"])
    assert new_story_id(["a"]) != new_story_id(["a", "b"])
    assert new_story_id(["a"]).startswith("s")
