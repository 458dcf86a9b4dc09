"""Which stories become takeaways, the note on how many, and the refusal that fits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from citebrief.errors import options
from citebrief.models import Story, Window
from citebrief.stories.relevance import (
    Finding,
    KeyTerm,
    Scored,
    Signals,
    in_one_language,
    signals,
    story_language,
)
from citebrief.stories.select import (
    choose,
    for_answer,
    languages_note,
    left_out_for_language,
    refusal,
    stories_note,
)
from citebrief.text import language_name, stem

WEEK = Window(date(2026, 11, 16), date(2026, 11, 22))
SIGNALS = Signals(0.5, 1.0, 1.0, 1.0, ())


def scored(
    id: str, p: float, on: bool = True, outlets: int = 1, sources: int = 1, last: str = "2026-11-20"
) -> Scored:
    names = tuple(f"Outlet {n}" for n in range(outlets))
    story = Story(id, (f"{id}-a",), names, sources, "2026-11-16", last, f"Title of {id}", p)
    return Scored(story, SIGNALS, p, on)


def finding(*items: Scored, missing: tuple[str, ...] = ()) -> Finding:
    ordered = sorted(items, key=lambda s: -s.probability)
    return Finding("chip export curbs", WEEK, [], ordered, missing, 10)


def test_only_stories_on_topic_are_chosen_most_relevant_first() -> None:
    found = finding(scored("a", 0.97), scored("b", 0.99), scored("off", 0.999, on=False))
    assert [s.story.id for s in choose(found, 3)] == ["b", "a"]


def test_fewer_stories_than_asked_give_fewer_takeaways() -> None:
    assert len(choose(finding(scored("a", 0.97)), 3)) == 1
    assert choose(finding(scored("off", 0.9, on=False)), 3) == []


def test_at_most_the_number_asked() -> None:
    found = finding(*(scored(str(n), 0.95 + n / 100) for n in range(4)))
    assert [s.story.id for s in choose(found, 2)] == ["3", "2"]


def test_independent_sources_and_outlets_break_near_ties() -> None:
    wide = scored("wide", 0.96, outlets=4, sources=4)
    narrow = scored("narrow", 0.97)
    assert [s.story.id for s in choose(finding(narrow, wide), 2)] == ["wide", "narrow"]


def test_a_continuing_story_comes_before_one_that_ended_at_equal_relevance() -> None:
    ended = scored("ended", 0.97, last="2026-11-17")
    running = scored("running", 0.97, last="2026-11-22")
    assert [s.story.id for s in choose(finding(ended, running), 2)] == ["running", "ended"]


def test_the_note_says_how_many_stories_when_fewer_than_asked() -> None:
    assert stories_note(2, 3, WEEK) == "2 stories on this topic from 2026-11-16 to 2026-11-22"
    assert stories_note(1, 3, Window()) == "1 story on this topic in the corpus"
    assert stories_note(3, 3, WEEK) == ""


def test_the_note_says_when_a_story_on_topic_gave_no_takeaway() -> None:
    # two stories, one of them a fact check made of quotes whose speakers stand on other lines
    assert stories_note(2, 3, WEEK, written=1) == (
        "2 stories on this topic from 2026-11-16 to 2026-11-22; one of them gave no takeaway:"
        " no sentence of its articles stands alone and checks out against its source"
    )
    assert stories_note(5, 3, WEEK, written=1).startswith("5 stories on this topic from")
    assert "2 of them gave no takeaway: no sentence of their articles" in stories_note(
        5, 3, WEEK, written=1
    )
    assert stories_note(5, 3, WEEK, written=3) == ""
    assert stories_note(2, 3, WEEK, written=2) == stories_note(2, 3, WEEK)


def test_the_note_says_when_strict_removed_what_was_written_of_a_story() -> None:
    assert stories_note(2, 3, WEEK, written=1, strict=True) == (
        "2 stories on this topic from 2026-11-16 to 2026-11-22; one of them gave no takeaway:"
        " --strict removed every sentence written of it: none checked out against its source"
    )
    assert "2 of them gave no takeaway: --strict removed every sentence written of them" in (
        stories_note(5, 3, WEEK, written=1, strict=True)
    )
    assert stories_note(3, 3, WEEK, written=3, strict=True) == ""


def test_the_note_says_when_a_story_tells_again_the_event_of_another_takeaway() -> None:
    assert stories_note(3, 3, WEEK, written=2, retold=1) == (
        "3 stories on this topic from 2026-11-16 to 2026-11-22; one of them gave no takeaway:"
        " it tells again the event of another takeaway"
    )
    assert stories_note(3, 3, WEEK, written=1, retold=2).endswith(
        "2 of them gave no takeaway: they tell again the events of other takeaways"
    )
    assert stories_note(5, 3, WEEK, written=1, retold=1).endswith(
        "2 of them gave no takeaway: one tells again the event of another takeaway; for the"
        " other, no sentence of its articles stands alone and checks out against its source"
    )
    assert stories_note(5, 3, WEEK, written=0, retold=2, strict=True).endswith(
        "3 of them gave no takeaway: 2 tell again the events of other takeaways; for the other,"
        " --strict removed every sentence written of it: none checked out against its source"
    )
    assert stories_note(4, 3, WEEK, written=0, retold=1).endswith(
        "for the other 2, no sentence of their articles stands alone and checks out against"
        " their sources"
    )
    # a count above the stories left without a takeaway is no more than they are
    assert stories_note(3, 3, WEEK, written=2, retold=2) == stories_note(
        3, 3, WEEK, written=2, retold=1
    )


def test_a_refusal_names_the_missing_terms() -> None:
    message, hint = refusal(finding(scored("x", 0.3, on=False), missing=("brexit",)))
    assert message == (
        "nothing from 2026-11-16 to 2026-11-22 covers 'chip export curbs': "
        "no article mentions 'brexit'"
    )
    assert "spelling" in hint
    assert "--since all" in hint


def test_a_refusal_without_missing_terms_names_the_closest_story() -> None:
    message, hint = refusal(finding(scored("x", 0.3, on=False)))
    assert "the closest story, 'Title of x', is not about it" in message
    assert "rephrase" in hint


def test_a_refusal_says_which_words_the_closest_story_lacks() -> None:
    lacking = Scored(scored("x", 0.99).story, replace(SIGNALS, missing=("launch",)), 0.99, False)
    message, hint = refusal(finding(lacking, scored("y", 0.3, on=False)))
    assert message.endswith("the closest story, 'Title of x', does not mention 'launch'")
    assert "rephrase" in hint


def test_a_refusal_names_the_story_holding_most_of_the_terms_not_the_most_probable() -> None:
    # "Brexit negotiations": an election debate that says "Brexit", not a trade round that
    # the embeddings find closer but that mentions neither word
    debate = Scored(
        scored("debate", 0.2).story,
        replace(SIGNALS, coverage=0.5, missing=("negotiations",)),
        0.2,
        False,
    )
    talks = Scored(
        scored("talks", 0.4).story,
        replace(SIGNALS, coverage=0.0, missing=("brexit", "negotiations")),
        0.4,
        False,
    )
    message, _ = refusal(finding(talks, debate))
    assert message.endswith("the closest story, 'Title of debate', does not mention 'negotiations'")


def test_a_refusal_over_every_date_does_not_offer_to_widen_the_window() -> None:
    everything = replace(finding(scored("x", 0.3, on=False), missing=("brexit",)), window=Window())
    message, hint = refusal(everything)
    assert message.startswith("nothing in the corpus covers")
    assert hint == "check the spelling, or ingest sources that cover it"
    message, hint = refusal(replace(everything, missing=()))
    assert hint == "rephrase the topic, or ingest more sources"


def test_a_hint_lists_what_to_try_leaving_out_what_does_not_apply() -> None:
    assert options("a", "b", "c") == "a, b, or c"
    assert options("a", "", "c") == "a, or c"
    assert options("", "c") == "c"
    assert options("", "") == ""


def test_a_refusal_in_an_empty_window_names_no_story() -> None:
    message, _ = refusal(finding())
    assert message == "nothing from 2026-11-16 to 2026-11-22 covers 'chip export curbs'"


def test_an_answer_draws_first_on_stories_headlined_with_what_is_asked() -> None:
    headlined = Scored(
        scored("vouchers", 0.975).story, replace(SIGNALS, headline=True), 0.975, True
    )
    found = finding(scored("talks", 0.976), scored("market", 0.977), headlined, scored("x", 0.9))
    assert [s.story.id for s in for_answer(found, 2)] == ["vouchers", "market"]
    assert [s.story.id for s in for_answer(found, 4)][-1] == "x"
    off = Scored(scored("off", 0.99).story, replace(SIGNALS, headline=True), 0.99, False)
    assert "off" not in [s.story.id for s in for_answer(finding(off, *found.scored), 5)]


def closeness(id: str, p: float, question: float, headline: bool = False) -> Scored:
    signals = replace(SIGNALS, question=question, headline=headline)
    return Scored(scored(id, p).story, signals, p, True)


def found_for(question: str, *items: Scored) -> Finding:
    return replace(finding(*items), topic=question)


def test_an_answer_to_a_question_with_a_circumstance_takes_the_closest_stories() -> None:
    # every story about Republicans is on topic; the whole question finds the deal's
    asked = "How did Republicans respond to the infrastructure deal?"
    filibuster = closeness("filibuster", 0.99, 0.33, headline=True)
    red_line = closeness("red line", 0.98, 0.57, headline=True)
    talks = closeness("talks", 0.97, 0.56)
    chosen = for_answer(found_for(asked, filibuster, red_line, talks), 2)
    assert [s.story.id for s in chosen] == ["red line", "talks"]
    # the same stories for a question without a circumstance: the most probable first
    plain = for_answer(found_for("What did Republicans do?", filibuster, red_line, talks), 2)
    assert [s.story.id for s in plain] == ["filibuster", "red line"]


def test_a_story_need_not_name_the_circumstance_to_answer() -> None:
    # "What did Beijing do in response to the HBM rule?": the vouchers never name the rule
    asked = "What did Beijing do in response to the HBM rule?"
    vows = closeness("vows", 0.987, 0.490, headline=True)
    talks = closeness("talks", 0.976, 0.487)
    vouchers = closeness("vouchers", 0.975, 0.454, headline=True)
    opening = closeness("opening", 0.975, 0.358)
    chosen = for_answer(found_for(asked, vows, talks, vouchers, opening), 3)
    assert [s.story.id for s in chosen] == ["vows", "vouchers", "talks"]


def test_the_whole_questions_closeness_defaults_to_the_dense_signal() -> None:
    asked = [KeyTerm("republicans", stem("republicans"), 2.0)]
    stems = {stem("republicans")}
    assert signals(asked, 0.4, stems, [], [], {}).question == 0.4
    assert signals(asked, 0.4, stems, [], [], {}, 0.55).question == 0.55


def test_headline_means_every_key_term_in_a_title_as_written() -> None:
    terms = [KeyTerm(w, stem(w), weight) for w, weight in (("beijing", 2.0), ("rule", 1.0))]
    variants = {"beijing": {"china"}, "rule": set()}
    stems = {stem("beijing"), stem("rule")}
    both = signals(terms, 0.4, stems, [], ["beijing", "rule", "vows"], variants)
    assert both.headline
    one = signals(terms, 0.4, stems, [], ["beijing", "vows"], variants)
    assert not one.headline
    variant = signals(terms, 0.4, stems, [], ["china", "rule"], variants)
    assert variant.title == 1.0  # a variant counts for the fitted title feature ...
    assert not variant.headline  # ... not for the headline


# --- one language per briefing ---------------------------------------------------------------
def in_language(id: str, exact: float, p: float = 0.9, on: bool = True) -> Scored:
    return Scored(scored(id, p).story, replace(SIGNALS, exact=exact), p, on)


def test_a_story_speaks_the_language_most_of_its_articles_declare() -> None:
    assert story_language(["en", "it", "en", ""]) == "en"
    assert story_language(["EN-us", "eng", "it"]) == "en"  # one language, however written
    assert story_language(["", ""]) == ""
    assert story_language(["it", "en"]) == ""  # a tie says nothing
    assert story_language(["und", "zxx"]) == ""  # codes that name no language


def test_the_language_holding_more_of_the_topic_in_one_story_leads() -> None:
    # "Black Friday per nostalgici": English pages say only "Black Friday"
    italian = in_language("it-page", 1.0, p=0.8)
    english = [in_language(f"en-{n}", 0.5, p=0.95) for n in range(3)]
    undeclared = in_language("no-lang", 0.5)
    languages = {"it-page": "it", "no-lang": "", **{s.story.id: "en" for s in english}}
    out, language, left_out = in_one_language([*english, italian, undeclared], languages)
    assert language == "it"
    assert [(s.story.id, code) for s, code in left_out] == [
        ("en-0", "en"),
        ("en-1", "en"),
        ("en-2", "en"),
    ]
    assert all(s.on_topic for s, _ in left_out)  # as they were
    assert [s.story.id for s in out if s.on_topic] == ["it-page", "no-lang"]
    assert [s.story.id for s in out] == ["en-0", "en-1", "en-2", "it-page", "no-lang"]


def test_where_languages_hold_as_much_of_the_topic_the_one_with_more_stories_leads() -> None:
    # "Black Friday deals": an Italian page and four English stories hold "Black Friday"
    italian = in_language("it-page", 0.6, p=0.93)
    english = [in_language(f"en-{n}", 0.6, p=0.90) for n in range(4)]
    languages = {"it-page": "it", **{s.story.id: "en" for s in english}}
    _, language, left_out = in_one_language([italian, *english], languages)
    assert language == "en"
    assert [code for _, code in left_out] == ["it"]


def test_the_leading_language_is_chosen_among_stories_on_topic_only() -> None:
    off = in_language("en-off", 1.0, on=False)
    italian = in_language("it-page", 0.6)
    out, language, left_out = in_one_language([off, italian], {"en-off": "en", "it-page": "it"})
    assert (language, left_out) == ("it", [])
    assert [s.on_topic for s in out] == [False, True]


def test_without_a_declared_language_nothing_is_left_out() -> None:
    stories = [in_language("a", 1.0), in_language("b", 0.5)]
    assert in_one_language(stories, {}) == (stories, "", [])


def test_a_note_counts_only_the_stories_left_out_that_would_have_been_taken() -> None:
    kept = [in_language(f"en-{n}", 1.0, p=0.99 - n / 100) for n in range(3)]
    near = in_language("it-near", 0.6, p=0.995)  # would have led
    far = in_language("it-far", 0.6, p=0.5)  # would not have made the three taken
    found = replace(
        finding(*kept, replace(near, on_topic=False), replace(far, on_topic=False)),
        language="en",
        left_out=((near, "it"), (far, "it")),
    )
    assert left_out_for_language(found, lambda f: choose(f, 3)) == ["it"]
    assert left_out_for_language(found, lambda f: choose(f, 5)) == ["it", "it"]
    assert left_out_for_language(replace(found, left_out=()), lambda f: choose(f, 3)) == []


def test_the_note_names_the_languages_left_out() -> None:
    assert languages_note(["it"], "en") == (
        "1 more story in Italian left out (the briefing keeps to English)"
    )
    assert languages_note(["ru", "it", "ru"], "en", "answer") == (
        "3 more stories in Italian and Russian left out (the answer keeps to English)"
    )
    assert languages_note([], "en") == ""
    assert language_name("xq") == "xq"  # a code CLDR does not know stays as it is
