"""Briefings as Markdown and self-contained HTML (the browser checks are in tests/e2e)."""

from __future__ import annotations

import copy
import html
import re

import pytest
from markdown_it import MarkdownIt

from citebrief.brief.render import answer_markdown, story_line, to_html, to_markdown
from citebrief.models import Turn
from citebrief.workspace import Workspace
from tests.brief.conftest import brief as _brief

COMMONMARK = MarkdownIt("commonmark")


def test_markdown_lists_exactly_the_cited_sources(sample: Workspace) -> None:
    briefing = _brief(sample)
    text = to_markdown(briefing)
    body, sources = text.split("## Sources")
    assert text.startswith("# Food for thought: HBM export controls")
    assert "1️⃣" in body
    assert "extractive" in body
    used = {int(n) for n in re.findall(r"\(#source-(\d+)\)", body)}
    listed = {int(n) for n in re.findall(r'^<a id="source-(\d+)"></a>', sources, re.M)}
    assert used == listed == {s.number for s in briefing.sources}
    assert "## Citation report" in sources


def test_markdown_is_commonmark_with_linked_numbers_and_real_blockquotes(
    sample: Workspace,
) -> None:
    briefing = _brief(sample)
    page = COMMONMARK.render(to_markdown(briefing))
    body, sources = page.split("<h2>Sources</h2>")
    for sentence in (s for t in briefing.takeaways for s in t.sentences):
        for n in sentence.citations:
            assert f'<a href="#source-{n}">[{n}]</a>' in body
    for source in briefing.sources:
        assert f'<a id="source-{source.number}"></a>' in sources
    quotes = [q for s in briefing.sources for q in s.quotes]
    assert sources.count("<blockquote>") == len(quotes)
    assert "&gt;" not in sources  # no quote left as a literal "> ..." paragraph
    for quote in quotes:  # the cited words are bold inside their passage
        for start, end in quote.marks:
            words = " ".join(quote.quote[start - quote.start : end - quote.start].split())
            escaped = html.escape(words, quote=False).replace('"', "&quot;")  # as markdown-it
            assert f"<strong>{escaped}" in sources.replace("\n", " ")


def test_a_mark_over_a_paragraph_break_is_marked_on_each_line(sample: Workspace) -> None:
    """A quotation quoted with its speaker's sentence of the paragraph before: both lines bold
    in Markdown, both marked in HTML, no asterisks left as text."""
    briefing = _brief(sample)
    quote = briefing.sources[0].quotes[0]
    quote.quote = "Officials said the rule stays.\n“It is final,” he added. Other words."
    quote.end = quote.start + len(quote.quote)
    quote.marks = [(quote.start, quote.start + quote.quote.index(" Other"))]
    page = COMMONMARK.render(to_markdown(briefing))
    assert "<strong>Officials said the rule stays.</strong>" in page
    assert "<strong>“It is final,” he added.</strong> Other words." in page
    assert "**" not in page
    assert "<mark>Officials said the rule stays.</mark><br> <mark>“It is final,” he added." in (
        to_html(briefing)
    )


def test_a_sentence_of_two_paragraphs_reads_on_one_line(sample: Workspace) -> None:
    briefing = _brief(sample)
    briefing.takeaways[0].sentences[
        0
    ].text = "Officials said the rule stays.\n“It is final,” he added."
    said = "Officials said the rule stays. “It is final,” he added."
    assert said in answer_markdown(Turn("Q?", "Q?", briefing)).split("\n\n")[0]
    assert said in to_markdown(briefing)


def test_markup_in_titles_and_quotes_stays_text_in_markdown(sample: Workspace) -> None:
    briefing = _brief(sample)
    hostile = "[click](https://evil.example) <script>alert(1)</script> *x* # 1. > q"
    briefing.sources[0].title = hostile
    briefing.takeaways[0].headline = hostile
    briefing.sources[0].quotes[0].quote = (
        hostile + briefing.sources[0].quotes[0].quote[len(hostile) :]
    )
    page = COMMONMARK.render(to_markdown(briefing))
    assert "evil.example" not in re.findall(r'href="([^"]*)"', page)
    assert 'href="https://evil.example"' not in page
    assert "<script>" not in page
    assert "[click](https://evil.example)" in html.unescape(page)


def test_html_is_one_file_with_linked_citations(sample: Workspace) -> None:
    page = to_html(_brief(sample))
    assert "<script src" not in page
    assert '<link rel="stylesheet"' not in page
    for number in re.findall(r'href="#src-(\d+)"', page):
        assert f'id="src-{number}"' in page


def test_html_is_the_same_on_every_render_of_the_same_briefing(sample: Workspace) -> None:
    briefing = _brief(sample)
    page = to_html(briefing)
    assert to_html(copy.deepcopy(briefing)) == page  # no id() or other per-object values
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # still unique in the page
    for target in re.findall(r'aria-describedby="([^"]+)"', page):
        assert f'id="{target}"' in page


@pytest.mark.parametrize(
    ("outlets", "sources", "line"),
    [
        (["CTV News", "Phys.org"], 2, "2 outlets (CTV News, Phys.org), 2 independent sources"),
        (["A", "B", "C"], 1, "3 outlets (A, B, C), 1 independent source"),  # a wire story
        (["9to5Mac"], 2, "1 outlet (9to5Mac), 2 articles"),  # one outlet: not independent
    ],
)
def test_a_storys_line_counts_independent_sources_only_across_outlets(
    outlets: list[str], sources: int, line: str
) -> None:
    assert story_line({"outlets": outlets, "sources": sources}) == line
