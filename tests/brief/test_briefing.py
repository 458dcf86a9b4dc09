"""Briefings end to end on the sample corpus with the extractive writer: the citation contract
holds, retrieval respects its window and caps, thin evidence writes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from citebrief.brief.render import to_json
from citebrief.brief.style import unframe
from citebrief.brief.writers import ExtractiveWriter
from citebrief.errors import ThinEvidenceError
from citebrief.models import BriefingRequest, Draft, Label, Window
from citebrief.text import after_title, content_words
from citebrief.workspace import Workspace
from tests.brief.conftest import brief as _brief


def test_every_citation_resolves_and_every_quote_is_an_exact_span(sample: Workspace) -> None:
    briefing = _brief(sample)
    assert 1 <= len(briefing.takeaways) <= 3
    assert len(briefing.takeaways) == min(3, briefing.report.stories_on_topic)
    stories = [t.story["id"] for t in briefing.takeaways]
    assert len(set(stories)) == len(stories)  # one takeaway per story
    numbers = {s.number for s in briefing.sources}
    cited = [n for t in briefing.takeaways for s in t.sentences for n in s.citations]
    assert set(cited) == numbers  # nothing listed that is not cited, nothing cited unlisted
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    first_use = list(dict.fromkeys(cited))
    assert first_use == sorted(first_use)  # numbered in order of first use
    assert len({s.article_id for s in briefing.sources}) == len(briefing.sources)  # one each
    quotes = {q.key: (source, q) for source in briefing.sources for q in source.quotes}
    for source in briefing.sources:
        article = sample.corpus.get(source.article_id)
        assert article is not None
        for quote in source.quotes:
            assert article.text[quote.start : quote.end] == quote.quote
            assert all(quote.start <= a < b <= quote.end for a, b in quote.marks)
    for takeaway in briefing.takeaways:
        assert takeaway.headline
        for sentence in takeaway.sentences:
            assert sentence.citations
            assert [c.source for c in sentence.cites] == sentence.citations
            for cite in sentence.cites:
                source, quote = quotes[cite.key]
                assert source.number == cite.source
                assert (cite.start, cite.end) == (quote.start, quote.end)
                assert cite.mark in quote.marks
            quoted = unframe(sentence.text)[1]
            article = sample.corpus.get(quotes[sentence.cites[0].key][0].article_id)
            assert article is not None
            assert article.text[slice(*sentence.cites[0].mark)] == quoted  # quoted exactly
            assert sentence.verdict == Label.SUPPORTED


def test_a_quoted_passage_does_not_repeat_its_sources_title(sample: Workspace) -> None:
    """The sample's SMIC and op-ed pages give their title as the text's first line; the quote
    under the source (whose line names the title) starts after it, still an exact span."""
    briefing = _brief(sample, "Huawei Ascend and domestic AI chips")
    titled = 0
    for source in briefing.sources:
        article = sample.corpus.get(source.article_id)
        assert article is not None
        titled += after_title(article.text, article.title) > 0
        for quote in source.quotes:
            assert not quote.quote.lstrip().startswith(article.title)
            assert article.text[quote.start : quote.end] == quote.quote
    assert titled >= 1  # the rule had something to do


def test_report_counts_match_the_sentences(sample: Workspace) -> None:
    briefing = _brief(sample)
    sentences = [s for t in briefing.takeaways for s in t.sentences]
    assert briefing.report.sentences == len(sentences)
    assert briefing.report.cited == sum(bool(s.citations) for s in sentences)
    assert briefing.report.supported == sum(s.verdict == "supported" for s in sentences)
    assert briefing.report.flagged == 0
    assert briefing.writer == "extractive"


def test_json_carries_passages_spans_verdicts_and_settings(sample: Workspace) -> None:
    data = json.loads(to_json(_brief(sample)))
    assert data["schema"] == "citebrief.briefing/2"
    assert {"number", "article_id", "url", "quotes", "opinion"} <= set(data["sources"][0])
    assert {"key", "start", "end", "quote", "marks"} <= set(data["sources"][0]["quotes"][0])
    cite = data["takeaways"][0]["sentences"][0]["cites"][0]
    assert {"source", "key", "start", "end", "mark"} <= set(cite)
    assert data["takeaways"][0]["sentences"][0]["verdict"] == "supported"
    assert data["retrieval"]["max_per_article"] == 2
    assert data["writer"] == "extractive"
    assert set(data["timings"]) == {"retrieval", "writing", "verification"}


def test_an_empty_window_writes_nothing_and_names_the_newest_article(sample: Workspace) -> None:
    with pytest.raises(ThinEvidenceError, match="no article is dated") as caught:
        _brief(sample, window=Window(date(2026, 11, 23), date(2026, 11, 29)))
    assert "the newest is from 2026-11-22" in str(caught.value)
    assert caught.value.hint == (
        "try --from 2026-11-16 --to 2026-11-22 (the week to the newest article)"
    )


def test_strict_removes_unsupported_sentences(sample: Workspace) -> None:
    class Inventing(ExtractiveWriter):
        def write_briefing(self, request: BriefingRequest) -> Draft:
            draft = super().write_briefing(request)
            draft.takeaways[0].sentences[0].text = "Zebras migrated across Antarctica in 1802."
            return draft

    kept = _brief(sample, writer=Inventing())
    assert kept.report.flagged == 1
    assert kept.takeaways[0].sentences[0].flagged
    strict = _brief(sample, writer=Inventing(), strict=True)
    assert strict.report.removed == 1
    assert all("Zebras" not in s.text for t in strict.takeaways for s in t.sentences)


def test_wrong_citation_is_recited_to_a_supporting_passage(sample: Workspace) -> None:
    class Miscite(ExtractiveWriter):
        def write_briefing(self, request: BriefingRequest) -> Draft:
            draft = super().write_briefing(request)
            first = draft.takeaways[0].sentences[0]
            own = request.stories[0].passages  # a miscitation within the takeaway's story
            claim = content_words(first.text)
            others = [p for p in own if first.text not in p.text]
            worst = min(others, key=lambda p: len(claim & content_words(p.text)))
            first.keys = [worst.key]
            return draft

    briefing = _brief(sample, writer=Miscite())
    sentence = briefing.takeaways[0].sentences[0]
    assert sentence.recited
    (cite,) = sentence.cites
    quote = next(q for s in briefing.sources for q in s.quotes if q.key == cite.key)
    assert unframe(sentence.text)[1] in quote.quote
