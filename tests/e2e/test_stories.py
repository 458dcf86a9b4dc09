"""Briefings and answers built from stories, end to end with the real local model.

One workspace for the module (SQLite, embedded Chroma, all-MiniLM-L6-v2, the shipped grouping
and relevance fits) holds the sample corpus and the 62 real pages of ``../shared/data/news-html``
(November 2019: among them three outlets on plague cases in China, three on "feather duvet
lung", two on hibernating astronauts, one on Google Stadia). The extractive writer and the
lexical verifier write; what is checked is which stories reach the takeaways.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from citebrief.brief import briefing as briefing_module
from citebrief.brief.answer import ask
from citebrief.brief.briefing import build_briefing, plan_briefing
from citebrief.brief.writers import ExtractiveWriter
from citebrief.errors import ThinEvidenceError
from citebrief.models import (
    Briefing,
    BriefingRequest,
    Conversation,
    Desk,
    Draft,
    Outcome,
    Passage,
    Window,
)
from citebrief.settings import load_settings
from citebrief.stories import params
from citebrief.stories.find import find_stories
from citebrief.stories.relevance import Finding, RelevanceModel, Signals
from citebrief.stories.select import choose
from citebrief.verify.lexical import LexicalVerifier
from citebrief.workspace import Workspace, open_workspace
from tests.conftest import CORPUS, NEWS
from tests.records import retelling

pytestmark = pytest.mark.timeout(600)

SAMPLE = Window(date(2026, 11, 9), date(2026, 11, 22))
PLAGUE = {"nypost.com", "www.express.co.uk", "www.smithsonianmag.com"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    home = tmp_path_factory.mktemp("stories") / "home"
    with open_workspace(load_settings(home=home, chroma_url=None)) as workspace:
        report = workspace.ingest([str(CORPUS / "sources.txt"), str(NEWS / "html")])
        assert not report.failed
        assert report.count(Outcome.DUPLICATE) == 3  # the sample's wire copies
        yield workspace


def brief(ws: Workspace, topic: str, window: Window = Window(), takeaways: int = 3) -> Briefing:
    desk = Desk(ExtractiveWriter(), LexicalVerifier())
    return build_briefing(topic, ws.evidence, desk, window=window, takeaways=takeaways)


def hosts(briefing: Briefing) -> set[str]:
    return {s.url.split("/")[2] for s in briefing.sources}


def test_each_takeaway_is_one_on_topic_story_citing_only_that_story(ws: Workspace) -> None:
    briefing = brief(ws, "HBM export controls", SAMPLE)
    threshold = params.load().topics.threshold
    assert 2 <= len(briefing.takeaways) <= 3
    stories = [t.story for t in briefing.takeaways]
    assert all(s is not None for s in stories)
    assert len({s["id"] for s in stories if s}) == len(stories)  # never two from one story
    for takeaway in briefing.takeaways:
        story = takeaway.story
        assert story is not None
        assert story["relevance"] >= threshold
        cited = {
            briefing.sources[n - 1].article_id for s in takeaway.sentences for n in s.citations
        }
        assert cited <= set(story["articles"])
    assert briefing.report.takeaways_on_topic == len(briefing.takeaways)


def test_a_story_knows_its_outlets_and_counts_a_wire_copy_once(ws: Workspace) -> None:
    briefing = brief(ws, "US-China trade talks in Singapore", Window(date(2026, 11, 16), None))
    stories = {t.headline: t.story for t in briefing.takeaways}
    end = next(s for h, s in stories.items() if s and "working group" in h.lower())
    assert end is not None
    assert set(end["outlets"]) == {
        "Wire Asia Service",
        "Pacific Ledger",
        "Shenzhen Tech Observer",
        "Semiconductor Weekly",  # ran the wire story: an outlet, not an independent source
    }
    assert end["sources"] == 3
    assert len(end["articles"]) == 3


def test_off_topic_pages_never_reach_a_takeaway(ws: Workspace) -> None:
    briefing = brief(ws, "bubonic plague in China")
    assert hosts(briefing) <= PLAGUE
    assert len(hosts(briefing)) >= 2  # one story, told by several outlets
    assert len(briefing.takeaways) == 1
    assert briefing.note == "1 story on this topic in the corpus"


def test_fewer_stories_give_fewer_takeaways_and_the_briefing_says_so(ws: Workspace) -> None:
    # one article on Stadia ("Google Stadia launch" is refused: that story never says "launch")
    briefing = brief(ws, "Google Stadia", takeaways=3)
    assert len(briefing.takeaways) == 1
    assert hosts(briefing) == {"mspoweruser.com"}
    assert "1 story on this topic" in briefing.note


def test_a_local_page_that_names_no_site_is_told_by_its_files_name(ws: Workspace) -> None:
    """The Space Review's page (a shared news page, ingested from a file) names no site and
    has no web host: its story's outlet is its file's name, never ""."""
    briefing = brief(ws, "NASA Space Launch System")
    assert briefing.takeaways[0].story is not None
    assert briefing.takeaways[0].story["outlets"] == [
        "c00962aabe7bdd1fca78f5360ea7fa93cd7674863b05157e00827506a7aa58c4.html.gz"
    ]


def test_a_speaker_the_article_introduces_outside_the_passages_is_not_quoted_unnamed(
    ws: Workspace,
) -> None:
    """Gizmodo's "..., Dempsey said." (Dr. Owen Dempsey, named in a paragraph no passage
    holds) was quoted as though Dempsey were a company (by the writer `citebrief` makes,
    which knows the model's sentence embeddings)."""
    desk = Desk(ws.writer("extractive"), LexicalVerifier())
    briefing = build_briefing("Feather duvet lung", ws.evidence, desk)
    said = [s.text for t in briefing.takeaways for s in t.sentences]
    assert any("feather" in s.lower() for s in said)
    assert not any("Dempsey said" in s for s in said)


class _LosesTheLastStory(ExtractiveWriter):
    """A writer that finds nothing to say about the last story it is given."""

    def write_briefing(self, request: BriefingRequest) -> Draft:
        draft = super().write_briefing(request)
        draft.takeaways = draft.takeaways[:-1]
        return draft


def test_a_story_on_topic_without_a_takeaway_is_accounted_for(ws: Workspace) -> None:
    full = brief(ws, "HBM export controls", SAMPLE)
    desk = Desk(_LosesTheLastStory(), LexicalVerifier())
    short = build_briefing("HBM export controls", ws.evidence, desk, window=SAMPLE)
    assert len(short.takeaways) == len(full.takeaways) - 1
    assert short.report.stories_on_topic == full.report.stories_on_topic
    why = "no sentence of its articles stands alone and checks out against its source"
    assert short.note.endswith(f"one of them gave no takeaway: {why}")
    assert "one of them" not in full.note


def test_a_story_telling_again_an_event_gives_its_place_to_the_next_story_on_topic(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One event grouped as two stories is told once, by either writer (the plan leaves the
    second out, judged with the model's embeddings); the next story on topic takes its place,
    even when no chunk of it was among the topic's hits, and when none is left the note says
    why a story on topic has no takeaway."""
    full = plan_briefing("HBM export controls", ws.evidence, SAMPLE, takeaways=2)
    on_topic = [s.story for s in choose(full.finding, len(full.finding.on_topic))]
    assert len(on_topic) == 3  # the test needs a third story to take the place
    assert [g.story.id for g in full.request.stories] == [s.id for s in on_topic[:2]]
    found = briefing_module._found

    def without_the_third(*args: Any, **kwargs: Any) -> Finding:
        finding = found(*args, **kwargs)
        assert finding.hits is not None
        for chunk, article in list(finding.hits.article_of.items()):
            if article in on_topic[2].articles:
                for known in (finding.hits.fused, finding.hits.vectors, finding.hits.article_of):
                    known.pop(chunk, None)
        return finding

    second_retells = retelling(2)
    monkeypatch.setattr(briefing_module, "_found", without_the_third)
    monkeypatch.setattr(briefing_module, "Events", second_retells)
    plan = plan_briefing("HBM export controls", ws.evidence, SAMPLE, takeaways=2)
    assert [g.story.id for g in plan.request.stories] == [on_topic[0].id, on_topic[2].id]
    assert plan.retold == {on_topic[1].id: on_topic[0].id}
    assert [p.key for g in plan.request.stories for p in g.passages] == [
        f"S{n}" for n in range(1, len(plan.retrieval.passages) + 1)
    ]
    assert second_retells.made_with[-1] == ws.index.embeddings.embed_documents
    assert "no takeaway" not in brief(ws, "HBM export controls", SAMPLE, takeaways=2).note
    monkeypatch.setattr(briefing_module, "Events", retelling(3))
    short = brief(ws, "HBM export controls", SAMPLE)
    assert [t.story["id"] for t in short.takeaways] == [s.id for s in on_topic[:2]]
    why = "it tells again the event of another takeaway"
    assert short.note.endswith(f"one of them gave no takeaway: {why}")


def test_a_story_without_passages_gives_its_place_to_the_next_story_on_topic(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = plan_briefing("HBM export controls", ws.evidence, SAMPLE, takeaways=2)
    on_topic = [s.story for s in choose(full.finding, len(full.finding.on_topic))]
    chosen = briefing_module.select

    def nothing_of_the_second(*args: Any, **kwargs: Any) -> list[Passage]:
        if kwargs.get("within") == set(on_topic[1].articles):
            return []
        return chosen(*args, **kwargs)

    monkeypatch.setattr(briefing_module, "select", nothing_of_the_second)
    plan = plan_briefing("HBM export controls", ws.evidence, SAMPLE, takeaways=2)
    assert [g.story.id for g in plan.request.stories] == [on_topic[0].id, on_topic[2].id]
    assert plan.retold == {}


class _WritesNothing(ExtractiveWriter):
    """A writer that finds no sentence of its stories that stands alone (as for a fact check
    made of quotes whose speakers stand on other lines)."""

    def write_briefing(self, request: BriefingRequest) -> Draft:
        draft = super().write_briefing(request)
        draft.takeaways = []
        return draft


def test_stories_on_topic_without_a_single_takeaway_are_a_refusal_not_an_empty_briefing(
    ws: Workspace,
) -> None:
    desk = Desk(_WritesNothing(), LexicalVerifier())
    with pytest.raises(
        ThinEvidenceError, match="no takeaway on 'HBM export controls' could be"
    ) as e:
        build_briefing("HBM export controls", ws.evidence, desk, window=SAMPLE)
    assert "stories on this topic from 2026-11-09 to 2026-11-22" in str(e.value)
    assert "gave no takeaway: no sentence of their articles stands alone" in str(e.value)
    assert "--since all" in (e.value.hint or "")
    with pytest.raises(ThinEvidenceError) as e:  # every date already: nothing to widen
        build_briefing("HBM export controls", ws.evidence, desk, window=Window())
    assert e.value.hint == "ingest more outlets' reports of the story"


def test_a_strict_briefing_whose_every_sentence_fails_the_check_is_a_refusal_that_says_so(
    ws: Workspace,
) -> None:
    doubts_everything = LexicalVerifier(supported=2.0, partial=1.5)  # no claim reaches 2.0
    desk = Desk(ExtractiveWriter(), doubts_everything)
    flagged = build_briefing("HBM export controls", ws.evidence, desk, window=SAMPLE)
    assert flagged.takeaways
    assert flagged.report.flagged == flagged.report.sentences
    with pytest.raises(ThinEvidenceError, match="--strict removed every sentence written") as e:
        build_briefing("HBM export controls", ws.evidence, desk, window=SAMPLE, strict=True)
    assert "run without --strict" in (e.value.hint or "")


@pytest.mark.parametrize(
    ("topic", "window", "missing"),
    [
        ("Brexit negotiations", SAMPLE, "'brexit'"),
        ("price of Bitcoin", Window(), "'bitcoin'"),
        ("Hong Kong protests", Window(), "'protests'"),
    ],
)
def test_a_topic_absent_from_the_window_is_refused_naming_the_missing_terms(
    ws: Workspace, topic: str, window: Window, missing: str
) -> None:
    with pytest.raises(ThinEvidenceError, match=f"no article mentions {missing}") as caught:
        brief(ws, topic, window)
    assert caught.value.hint is not None
    assert "spelling" in caught.value.hint


def test_a_term_written_only_in_a_derived_form_is_not_called_missing(tmp_path: Path) -> None:
    """AllSides week 19: "Economy and Jobs" was refused as "no article mentions 'jobs'" in a
    week of "Jobless Claims Fall ..." stories (the keyword index folds "jobs" with "job" only)."""
    (tmp_path / "claims.md").write_text(
        "# Jobless claims fall to another pandemic low\n\n"
        "Initial claims for unemployment benefits fell to 473,000 last week, the Labor"
        " Department said on Thursday, as employers brought back workers. Economists had"
        " expected claims to fall to 490,000 as more states lifted restrictions.\n",
        encoding="utf-8",
    )
    with open_workspace(load_settings(home=tmp_path / "home", chroma_url=None)) as small:
        assert not small.ingest([str(tmp_path / "claims.md")]).failed
        # the story is judged (and not found about "jobs"): the refusal names it, no missing word
        with pytest.raises(ThinEvidenceError, match="the closest story, 'Jobless claims fall"):
            brief(small, "jobs")


def test_a_topic_only_mentioned_in_passing_is_refused_naming_the_closest_story(
    ws: Workspace,
) -> None:
    # one 2019 article on the UK election debate says "Brexit" twice; none is about the talks
    with pytest.raises(
        ThinEvidenceError, match=r"the closest story, '.*', does not mention 'negotiations'"
    ):
        brief(ws, "Brexit negotiations")


def test_a_name_is_found_as_written_never_by_an_office_close_to_it(tmp_path: Path) -> None:
    """AllSides week 25: "Donald Trump" was answered with "President-elect Raisi backs nuclear
    talks": "president", close to "Trump" for the model, passed for the name in its title."""
    (tmp_path / "raisi.md").write_text(
        "# President-elect Raisi backs nuclear talks, rules out meeting Biden\n\n"
        "Iran's president-elect Ebrahim Raisi said on Monday he supports the talks in Vienna"
        " to revive the nuclear deal that former President Donald Trump abandoned in 2018,"
        " but ruled out meeting President Joe Biden.\n",
        encoding="utf-8",
    )
    with open_workspace(load_settings(home=tmp_path / "home", chroma_url=None)) as small:
        assert not small.ingest([str(tmp_path / "raisi.md")]).failed
        finding = find_stories("Donald Trump", small.evidence, Window())
    assert [(t.word, t.person) for t in finding.terms] == [("donald", True), ("trump", True)]
    (raisi,) = finding.scored
    assert raisi.signals.exact == 1.0  # the text names him ...
    assert raisi.signals.title == 0.0  # ... the title does not


def test_the_words_of_a_name_the_pages_write_capitalised_are_one_name(ws: Workspace) -> None:
    """The 2019 pages write "White House" capitalised: neither word takes variants of its own
    ("red" is close to "white"), and neither names a person."""
    finding = find_stories("White House", ws.evidence, Window())
    assert [(t.word, t.named, t.person) for t in finding.terms] == [
        ("white", True, False),
        ("house", True, False),
    ]


def test_a_word_the_pages_write_only_inside_another_name_is_not_found(ws: Workspace) -> None:
    """AP's Sondland preview writes "House" four times, each in "the White House": for "US
    House" it holds no House; the Deccan Herald's story also writes "House of Representatives"."""
    finding = find_stories("US House", ws.evidence, Window())
    missing = {s.story.title: s.signals.missing for s in finding.scored}
    assert missing["Unpredictable Sondland faces questions about Trump, Ukraine"] == ("house",)
    assert missing["Impeachment sham completely debunked: White House"] == ()


def test_a_question_the_corpus_cannot_answer_is_refused(ws: Workspace) -> None:
    conversation = Conversation()
    turn = ws.ask("What is the price of Bitcoin?", conversation, writer="extractive")
    assert turn.answer is None
    assert "'bitcoin'" in turn.note


def test_a_question_the_corpus_can_answer_is_answered_from_its_story(ws: Workspace) -> None:
    conversation = Conversation(window=SAMPLE)
    turn = ws.ask("What did Beijing say about the HBM rule?", conversation, writer="extractive")
    assert turn.answer is not None, turn.note
    assert all(s.url.split("/")[2].endswith(".example") for s in turn.answer.sources)


def test_an_answer_from_one_article_reads_more_of_it_than_a_briefings_story(
    ws: Workspace,
) -> None:
    """The BBC's report (shared news pages) gives the prosecutors' reason in its third passage:
    an answer drawing on one article is not held to the two passages a story gives a briefing."""
    turn = ws.ask(
        "Why did Sweden drop the Assange investigation?", Conversation(), writer="extractive"
    )
    assert turn.answer is not None, turn.note
    said = " ".join(s.text for t in turn.answer.takeaways for s in t.sentences)
    assert "the evidence has weakened considerably" in said


NEVER = RelevanceModel((0.0,) * len(Signals.FEATURES), -50.0, 0.5, 0.5, 0.99)


def test_the_caller_says_which_relevance_model_judges(ws: Workspace) -> None:
    for topic in ("HBM export controls", "What did Beijing say about the HBM rule?"):
        for question in (False, True):
            assert find_stories(topic, ws.evidence, SAMPLE, question=question).on_topic
            without = "questions" if question else "topics"
            ruled_out = replace(ws.evidence, **{without: NEVER})
            assert not find_stories(topic, ruled_out, SAMPLE, question=question).on_topic
            kept = replace(ws.evidence, **{"topics" if question else "questions": NEVER})
            assert find_stories(topic, kept, SAMPLE, question=question).on_topic


def test_a_briefing_is_judged_by_the_topic_model_unless_its_topic_asks(ws: Workspace) -> None:
    no_topics = replace(ws.evidence, topics=NEVER)
    for topic in ("HBM export controls", "WHO said what about HBM export controls"):
        with pytest.raises(ThinEvidenceError):
            plan_briefing(topic, no_topics, SAMPLE)
        assert plan_briefing(topic, replace(ws.evidence, questions=NEVER), SAMPLE).finding.on_topic
    asked = "What did Beijing say about the HBM rule?"
    assert plan_briefing(asked, no_topics, SAMPLE).finding.on_topic


@pytest.mark.parametrize(
    "question",
    [
        "What did Beijing say about the HBM rule?",
        "Tell me about the HBM export rule",  # asked, though not worded as a question
        "HBM export controls",
    ],
)
def test_everything_asked_is_judged_by_the_question_model(ws: Workspace, question: str) -> None:
    desk = Desk(ExtractiveWriter(), LexicalVerifier())
    no_topics = replace(ws.evidence, topics=NEVER)
    turn = ask(question, Conversation(window=SAMPLE), no_topics, desk)
    assert turn.answer is not None, turn.note
    no_questions = replace(ws.evidence, questions=NEVER)
    assert ask(question, Conversation(window=SAMPLE), no_questions, desk).answer is None


def test_a_follow_up_in_a_conversation_is_judged_by_the_question_model(ws: Workspace) -> None:
    desk = Desk(ExtractiveWriter(), LexicalVerifier())
    conversation = Conversation(window=SAMPLE)
    no_topics = replace(ws.evidence, topics=NEVER)
    first = ask("What did Beijing say about the HBM rule?", conversation, no_topics, desk)
    assert first.answer is not None, first.note
    follow_up = ask("And Samsung?", conversation, no_topics, desk)
    assert follow_up.query != "And Samsung?"  # condensed with the conversation's subject
    assert follow_up.answer is not None, follow_up.note


def test_an_empty_window_names_the_newest_article(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ThinEvidenceError, match="the newest is from 2026-11-22") as caught:
        brief(ws, "HBM export controls", Window(date(2026, 12, 1), date(2026, 12, 7)))
    assert caught.value.hint == (
        "try --from 2026-11-16 --to 2026-11-22 (the week to the newest article)"
    )


def test_a_briefing_keeps_to_the_language_of_its_topic_and_says_what_it_left_out(
    ws: Workspace,
) -> None:
    # an Italian page says "Black Friday" too, not "deals": an English briefing leaves it out
    english = brief(ws, "Black Friday deals")
    assert english.takeaways
    assert "www.remember8090.it" not in hosts(english)
    assert "in Italian left out (the briefing keeps to English)" in english.note
    # asked in its words, the Italian story leads, and the English ones are left out
    italian = brief(ws, "Black Friday per nostalgici")
    assert hosts(italian) == {"www.remember8090.it"}
    assert "in English left out (the briefing keeps to Italian)" in italian.note
