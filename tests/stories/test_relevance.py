"""Relevance rules on hand-made evidence: key terms, variants, signals, the decision."""

from __future__ import annotations

import numpy as np
import pytest

from citebrief.stories.relevance import (
    KeyTerm,
    RelevanceModel,
    Signals,
    has_form,
    inside_other_names,
    is_question,
    key_terms,
    on_topic,
    other_names,
    person_names,
    probability,
    proper_names,
    signals,
    unwritten_names,
    variants_of,
)
from citebrief.text import stem

MODEL = RelevanceModel((10.0, 1.0, 1.0, 1.0), -3.0, threshold=0.9, min_coverage=0.5, variant=0.65)


def terms(*pairs: tuple[str, float]) -> list[KeyTerm]:
    return [KeyTerm(word, stem(word), weight) for word, weight in pairs]


def test_key_terms_are_content_words_weighted_by_rarity() -> None:
    found = key_terms("The Brexit negotiations and the negotiations", {"negotiations": 40}, 100)
    assert [t.word for t in found] == ["brexit", "negotiations"]  # stopwords and repeats out
    brexit, negotiations = found
    assert brexit.weight > negotiations.weight  # a word the corpus never uses weighs most
    assert negotiations.stem == stem("negotiations")


def test_a_topic_of_stopwords_has_no_key_terms() -> None:
    assert key_terms("what is the", {}, 10) == []


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_variants_are_words_close_to_a_term_or_to_the_whole_topic() -> None:
    found = variants_of(
        terms(("tariffs", 1.0), ("china", 1.0)),
        topic_vector=unit(1, 1, 0),
        term_vectors={"tariffs": unit(1, 0, 0), "china": unit(0, 1, 0)},
        word_vectors={
            "duties": unit(1, 0, 0.5),  # close to "tariffs" (0.89), not to the topic (0.63)
            "beijing": unit(0, 1, 0.5),  # close to "china"
            "trade": unit(1, 1, 0.3),  # close to the whole topic (0.98)
            "football": unit(0, 0, 1),
        },
        threshold=0.65,
    )
    assert found == {"tariffs": {"duties", "trade"}, "china": {"beijing", "trade"}}


def test_a_word_spelled_with_a_key_term_is_judged_by_its_spelling() -> None:
    """Sheldon Whitehouse is not the White House, though the model reads "whitehouse" as
    "white" + "house"; "house" stands in for no other term; "Iranian" is a form of "Iran"."""
    near = unit(1, 1, 0)  # as close to the topic as a word can be
    found = variants_of(
        terms(("white", 1.0), ("house", 1.0), ("iran", 1.0)),
        topic_vector=unit(1, 1, 0),
        term_vectors={},
        word_vectors={"whitehouse": near, "house": near, "iranian": unit(0, 0, 1), "war": near},
        threshold=0.65,
    )
    assert found == {"white": {"war"}, "house": {"war"}, "iran": {"iranian", "war"}}


def test_derived_forms_need_a_known_ending_and_a_stem_of_three_letters() -> None:
    found = variants_of(
        terms(("jobs", 1.0), ("war", 1.0), ("us", 1.0)),
        topic_vector=unit(1, 0),
        term_vectors={},
        word_vectors={w: unit(0, 1) for w in ("jobless", "warns", "warsaw", "usa")},
        threshold=0.65,
    )
    # "warns" and "warsaw" start with "war" but do not end as a form of it
    assert found == {"jobs": {"jobless"}, "war": set(), "us": set()}


def test_a_word_of_a_name_counts_only_where_the_name_is_written() -> None:
    """AllSides week 25 "White House": "Democrat senator refuses to leave all-white private
    beach club" (Sen. Whitehouse) held "white", and covered half the topic's weight."""
    white, house = (KeyTerm(w, stem(w), 1.0, named=True) for w in ("white", "house"))
    club = "Sen. Sheldon Whitehouse refuses to leave an all-white private beach club in the house."
    assert unwritten_names([white, house], "White House", club) == {stem("white"), stem("house")}
    said = "The White\nHouse said on Friday that the framework holds."
    assert unwritten_names([white, house], "White House", said) == set()
    plain = terms(("white", 1.0), ("house", 1.0))  # words the bodies do not write as a name
    assert unwritten_names(plain, "white house", club) == set()
    court = [KeyTerm(w, stem(w), 1.0, named=True) for w in ("supreme", "court")]
    ruling = [*court, KeyTerm("ruling", stem("ruling"), 1.0)]
    assert unwritten_names(ruling, "Supreme Court ruling", "A county court ruling.") == {
        stem("supreme"),
        stem("court"),
    }
    # two names side by side: each is looked for on its own (the offline gate's question)
    bank, analyst = ("jinhai", "securities"), ("zhang", "ruolan")
    people = [KeyTerm(w, stem(w), 1.0, named=True) for w in (*bank, *analyst)]
    asked = "What does Jinhai Securities' Zhang Ruolan estimate?"
    said = "Zhang Ruolan, an analyst at Jinhai Securities, puts yields at 35 percent."
    assert unwritten_names(people, asked, said) == set()
    assert unwritten_names(people, asked, "Zhang Ruolan puts yields at 35 percent.") == {
        stem("jinhai"),
        stem("securities"),
    }


def test_a_key_word_written_only_inside_another_name_is_not_found() -> None:
    """AllSides week 21 "US House": Biden's budget story held "House" only as "the White House
    released ..." and counted half the topic as written."""
    us_house = terms(("us", 1.0), ("house", 1.0))
    bodies = [
        "The White House released the budget. White House aides briefed reporters.",
        "Democratic House leaders and Democratic senators met; the Texas House voted. "
        "The U.S. House passed it, as the Democratic House said. White tiles, White House.",
        "Democratic Party officials and Democratic governors welcomed it.",
    ]
    others = other_names(us_house, bodies)
    # "Democratic" stands before many words, "Texas" once, "U.S." is the topic's own "US"
    assert others == {"house": {"White"}}
    # a compound or a possessive names the House itself
    led = ["The Republican-led House voted.", "The Republican-led House met.", "Pelosi's House"
           " passed it.", "Pelosi's House rose."]  # fmt: skip
    assert other_names(us_house, led) == {}
    budget = "Biden's budget, released by the White House on Friday, raises spending."
    assert inside_other_names(us_house, others, budget) == {stem("house")}
    vote = "The White House welcomed the vote; the House passed the bill 220-212."
    assert inside_other_names(us_house, others, vote) == set()
    assert inside_other_names(us_house, others, "House Democrats passed the bill.") == set()
    assert inside_other_names(us_house, others, "A budget with no word of it.") == set()
    # a topic that gives the name itself, a person's name, an honorific: never another name
    white = [KeyTerm(w, stem(w), 1.0, named=True) for w in ("white", "house")]
    assert other_names(white, bodies) == {}
    trump = [KeyTerm("trump", stem("trump"), 1.0)]
    said = ["President Trump said.", "President Trump left.", "Mr. Trump and President Trump."]
    assert other_names(trump, said) == {}
    person = [KeyTerm("trump", stem("trump"), 1.0, person=True)]
    assert other_names(person, ["Melania Trump spoke.", "Melania Trump left."]) == {}
    assert other_names(trump, ["Melania Trump spoke.", "Melania Trump left."]) == {
        "trump": {"Melania"}
    }


def test_a_noun_and_its_adjective_are_forms_of_one_root() -> None:
    """AllSides week 23 "Immigration": "Supreme Court rules against immigrants with temporary
    protected status" holds the topic only as "immigrants" (the stem of "immigration" is
    "immigr"); "Economic Policy" is written "economy" as often."""
    economic, immigration, policy = terms(("economic", 1.0), ("immigration", 1.0), ("policy", 1.0))
    assert has_form(economic, {"economy"})
    assert has_form(economic, {"economical"})
    assert has_form(immigration, {"immigrants"})
    assert not has_form(immigration, {"migrants"})  # another word: the embedding's to judge
    assert not has_form(policy, {"police"})
    assert not has_form(economic, {"ecology"})


def test_a_derived_form_in_the_window_means_the_term_is_not_missing() -> None:
    # the keyword index folds "jobs" with "job", not with "jobless"; the window check that
    # names missing terms must count what the story signals count
    (jobs,) = terms(("jobs", 1.0))
    assert has_form(jobs, {"jobless", "claims", "fall"})
    assert not has_form(jobs, {"job", "jobs", "jobsite"})  # the term itself is no derived form


def test_a_person_is_a_name_the_news_puts_after_an_honorific() -> None:
    texts = ["Former President Donald Trump blasted the lawsuit.", "Mr. Biden signed it."]
    assert person_names("Donald Trump", texts) == {"donald", "trump"}
    assert person_names("donald trump", texts) == {"donald", "trump"}
    assert person_names("Biden infrastructure plan", texts) == {"biden"}


def test_an_ambassador_a_judge_a_mayor_are_people() -> None:
    texts = [
        "Ambassador Gordon Sondland testified on Wednesday.",
        "U.S. District Judge Amy Berman Jackson ruled; Mayor Lightfoot and Rep. Ilhan Omar spoke.",
        "Congresswoman Omar and Fed Chairman Jerome Powell were asked.",
    ]
    assert person_names("Gordon Sondland", texts) == {"gordon", "sondland"}
    assert person_names("Amy Berman Jackson", texts) == {"amy", "berman", "jackson"}
    assert person_names("Lightfoot budget", texts) == {"lightfoot"}
    assert person_names("Powell rates", texts) == {"powell"}


def test_an_office_or_a_place_is_no_person() -> None:
    texts = [
        "The White House said on Friday that Speaker Nancy Pelosi would meet the president.",
        "Justice Department lawyers sued; General Motors and the Middle East were not named.",
        "President Biden’s White House and President Obama's House agenda.",
    ]
    assert person_names("White House", texts) == set()
    assert person_names("Justice Department", texts) == set()
    assert person_names("General Motors", texts) == set()
    assert person_names("Middle East", texts) == set()
    assert person_names("Trump", ["Trump Tower is in New York."]) == set()  # never after a title


def test_key_terms_know_which_words_name_a_person() -> None:
    found = key_terms("Donald Trump tariffs", {}, 100, {"donald", "trump"})
    assert [(t.word, t.person) for t in found] == [
        ("donald", True),
        ("trump", True),
        ("tariffs", False),
    ]


def test_a_name_has_no_close_words_for_variants() -> None:
    """The words an embedding puts near "Trump" are other people and offices: the title
    "President-elect Raisi backs nuclear talks" is no story about Trump."""
    near = unit(1, 1, 0)
    found = variants_of(
        [KeyTerm("trump", "trump", 1.0, person=True), KeyTerm("tariffs", "tariff", 1.0)],
        topic_vector=unit(1, 1, 0),
        term_vectors={"trump": near, "tariffs": near},
        word_vectors={"president": near, "trumpism": unit(0, 0, 1)},
        threshold=0.65,
    )
    assert found == {"trump": {"trumpism"}, "tariffs": {"president"}}


def test_a_name_of_several_words_is_one_written_capitalised() -> None:
    texts = [
        "The White House said on Friday that the Supreme Court would hear the case.",
        "Aides at the White House expect the Supreme Court to rule on criminal justice reform.",
        "Criminal justice advocates and the economic policy team met in the Middle East.",
    ]
    assert proper_names("White House", texts) == {"white", "house"}
    assert proper_names("supreme court ruling", texts) == {"supreme", "court"}
    assert proper_names("Criminal Justice", texts) == set()  # mostly lower case
    assert proper_names("Middle East", texts) == set()  # capitalised once only
    assert proper_names("White House and Supreme Court", texts) == {
        "white",
        "house",
        "supreme",
        "court",
    }


def test_a_word_of_a_name_takes_no_word_close_to_it_alone() -> None:
    """ "White House", week 19: "Republicans draw 'red line' on increasing taxes" held "red",
    close to "white" (a colour), and so the topic's every word in its title."""
    found = variants_of(
        [
            KeyTerm("white", "white", 1.0, named=True),
            KeyTerm("house", "house", 1.0, named=True),
        ],
        topic_vector=unit(1, 1, 0),
        term_vectors={"white": unit(0, 0, 1), "house": unit(0, 1, 1)},
        word_vectors={"red": unit(0, 0, 1), "administration": unit(1, 1, 0.2)},
        threshold=0.65,
    )
    assert found == {"white": {"administration"}, "house": {"administration"}}


def test_no_vocabulary_gives_no_variants() -> None:
    assert variants_of(terms(("x", 1.0)), unit(1, 0), {}, {}, 0.65) == {"x": set()}


def test_signals_weigh_terms_found_as_written_and_as_variants() -> None:
    found = signals(
        terms(("brexit", 3.0), ("negotiations", 1.0)),
        dense=0.4,
        stems={stem("negotiations"), "talks"},
        lead_words=["britain", "talks"],
        title_words=["eu", "exit", "talks"],
        variants={"brexit": {"exit"}, "negotiations": {"talks"}},
    )
    assert found.exact == pytest.approx(0.25)  # "negotiations" only, weight 1 of 4
    assert found.coverage == pytest.approx(0.25)  # "exit" is in a title, not in a lead
    assert found.title == pytest.approx(1.0)  # "exit" and "talks" are in a title
    assert found.missing == ("brexit",)


def test_a_story_without_the_topics_terms_is_off_topic_whatever_its_embedding() -> None:
    close_but_absent = Signals(dense=0.95, exact=0.0, coverage=0.0, title=0.0, missing=("x",))
    assert probability(close_but_absent, MODEL) > MODEL.threshold
    assert not on_topic(close_but_absent, MODEL)  # coverage below the minimum


def test_a_story_with_the_terms_needs_the_probability_too() -> None:
    weak = Signals(dense=0.1, exact=1.0, coverage=1.0, title=0.0, missing=())
    strong = Signals(dense=0.45, exact=1.0, coverage=1.0, title=1.0, missing=())
    assert probability(weak, MODEL) < probability(strong, MODEL)
    assert not on_topic(weak, MODEL)
    assert on_topic(strong, MODEL)


def test_the_shipped_model_is_fitted_and_sane() -> None:
    from citebrief.stories import params

    fitted = params.load()
    assert 0 < fitted.grouping.threshold < 1
    for model in (fitted.topics, fitted.questions):
        assert len(model.weights) == len(Signals.FEATURES)
        assert model.weights[0] > 0  # closer to the topic, more probably on it
        assert 0.5 <= model.min_coverage <= 1  # at least half the topic's terms (a rule)
        assert 0 < model.threshold < 1


def test_story_parameters_with_an_unknown_linkage_are_refused() -> None:
    import json
    from importlib import resources

    from citebrief.stories import params

    data = json.loads((resources.files("citebrief") / "data" / "stories.json").read_text("utf-8"))
    data["grouping"]["linkage"] = "ward"
    with pytest.raises(ValueError, match="unknown linkage 'ward'"):
        params.parse(data)


@pytest.mark.parametrize(
    ("model", "says"),
    [
        ("relevance", r"the topic model \('relevance'\) was fitted on other features .* refit it"),
        ("questions", r"the question model \('questions'\) .* keeps it as stored"),
    ],
)
def test_a_relevance_model_fitted_on_other_features_says_which_and_how_to_fix(
    model: str, says: str
) -> None:
    import json
    from importlib import resources

    from citebrief.stories import params

    data = json.loads((resources.files("citebrief") / "data" / "stories.json").read_text("utf-8"))
    data[model]["features"] = ["dense", "exact"]
    with pytest.raises(ValueError, match=says):
        params.parse(data)


def test_the_wording_of_a_question_is_not_a_key_term() -> None:
    found = key_terms("How long are delivery lead times for Ascend servers?", {}, 100)
    assert [t.word for t in found] == ["delivery", "lead", "times", "ascend", "servers"]
    assert [t.word for t in key_terms("How much did Nvidia get from China?", {}, 9)] == [
        "nvidia",
        "china",
    ]
    decided = key_terms("What did the Supreme Court decide about the NCAA?", {}, 9)
    assert [t.word for t in decided] == ["supreme", "court", "ncaa"]
    # the AllSides story says the report "details" the failures: "find" was a missing term
    found = key_terms("What did the Senate report find about the Capitol riot?", {}, 9)
    assert [t.word for t in found] == ["senate", "report", "capitol", "riot"]
    # "worth" asks a value in a question; in a topic it is a word
    worth = key_terms("What is the bipartisan infrastructure framework worth?", {}, 9)
    assert [t.word for t in worth] == ["bipartisan", "infrastructure", "framework"]
    assert [t.word for t in key_terms("Fort Worth shooting", {}, 9)] == [
        "fort",
        "worth",
        "shooting",
    ]


@pytest.mark.parametrize(
    ("topic", "expected"),
    [  # a question's verb after "is", "be", "were": the stories word it their own way
        ("Who is leading the January 6 select committee?", ["january", "select", "committee"]),
        ("When will the Juneteenth holiday be observed?", ["juneteenth", "holiday"]),
        ("How many people were killed in Gaza?", ["people", "gaza"]),
        ("Who was arrested?", ["arrested"]),  # the verb is all it asks about
        ("Was Biden elected?", ["biden", "elected"]),
        ("Students being bullied", ["students", "bullied"]),  # a topic, not a question
        # after "did": the first base form followed by the end, a particle or a determiner
        ("Why did Home Depot shares fall?", ["home", "depot", "shares"]),
        (
            "What did the Senate report find about the Capitol riot?",
            ["senate", "report", "capitol", "riot"],
        ),
        ("What did the trade war cost farmers?", ["trade", "war", "cost", "farmers"]),
        ("Why did China ban Bitcoin mining?", ["china", "ban", "bitcoin", "mining"]),
        ("What did Biden sign?", ["biden", "sign"]),  # the verb is half of what it asks
        ("How did the war in Ukraine start?", ["war", "ukraine"]),  # "the war" is the subject
        ("Are housing prices rising?", ["housing", "prices", "rising"]),  # "Are" asks, first
        ("Who is being investigated for tax fraud?", ["tax", "fraud"]),  # "being": no verb
    ],
)
def test_a_questions_verb_is_no_key_term(topic: str, expected: list[str]) -> None:
    assert [t.word for t in key_terms(topic, {}, 9)] == expected


@pytest.mark.parametrize(
    ("topic", "question"),
    [
        ("Middle East", False),
        ("HBM export controls", False),
        ("Who is leading the January 6 select committee?", True),
        ("What did Biden sign", True),
        ("Ascend 950PR lead times?", True),
        ("Howard Stern", False),  # "How" only as a whole word
        ("WHO pandemic treaty", False),  # an acronym, not a question word
        ("IS militants in Syria", False),
    ],
)
def test_a_question_is_told_from_a_topic(topic: str, question: bool) -> None:
    assert is_question(topic) is question
