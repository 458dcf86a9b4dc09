"""Briefings end to end on the sample corpus with the extractive writer: the citation contract
holds, retrieval respects its window and caps, thin evidence writes nothing."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from citebrief import templates
from citebrief.brief import Briefing, build_briefing
from citebrief.render import to_html, to_json, to_markdown
from citebrief.retrieve import ThinEvidenceError, Window, retrieve
from citebrief.verify import Label, LexicalVerifier
from citebrief.writers import ExtractiveWriter, sentences_of
from tests.conftest import CORPUS, Workspace, run_cli

SAMPLE_WINDOW = Window(date(2026, 11, 9), date(2026, 11, 22))


@pytest.fixture
def sample(workspace: Workspace) -> Workspace:
    workspace.ingest([str(CORPUS / "sources.txt")])
    return workspace


def _brief(ws: Workspace, topic: str = "HBM export controls", **kwargs: object) -> Briefing:
    return build_briefing(
        topic,
        corpus=ws.corpus,
        index=ws.index,
        writer=ExtractiveWriter(),
        verifier=LexicalVerifier(),
        settings=ws.settings,
        window=kwargs.pop("window", SAMPLE_WINDOW),
        **kwargs,  # type: ignore[arg-type]
    )


def test_every_citation_resolves_and_every_quote_is_an_exact_span(sample: Workspace) -> None:
    briefing = _brief(sample)
    assert len(briefing.takeaways) == 3
    numbers = {s.number for s in briefing.sources}
    cited = [n for t in briefing.takeaways for s in t.sentences for n in s.citations]
    assert set(cited) == numbers  # nothing listed that is not cited, nothing cited unlisted
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    first_use = list(dict.fromkeys(cited))
    assert first_use == sorted(first_use)  # numbered in order of first use
    for source in briefing.sources:
        article = sample.corpus.get(source.article_id)
        assert article is not None
        assert article.text[source.start : source.end] == source.quote
    for takeaway in briefing.takeaways:
        assert takeaway.headline
        for sentence in takeaway.sentences:
            assert sentence.citations
            quotes = [briefing.sources[n - 1].quote for n in sentence.citations]
            assert any(sentence.text in q for q in quotes)  # extractive: quoted exactly
            assert sentence.verdict == Label.SUPPORTED


def test_report_counts_match_the_sentences(sample: Workspace) -> None:
    briefing = _brief(sample)
    sentences = [s for t in briefing.takeaways for s in t.sentences]
    assert briefing.report.sentences == len(sentences)
    assert briefing.report.cited == sum(bool(s.citations) for s in sentences)
    assert briefing.report.supported == sum(s.verdict == "supported" for s in sentences)
    assert briefing.report.flagged == 0
    assert briefing.writer == "extractive"


def test_markdown_lists_exactly_the_cited_sources(sample: Workspace) -> None:
    briefing = _brief(sample)
    text = to_markdown(briefing)
    body, sources = text.split("## Sources")
    assert text.startswith("# Food for thought: HBM export controls")
    assert "1️⃣" in body
    assert "extractive" in body
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = {int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.M)}
    assert used == listed == {s.number for s in briefing.sources}
    assert "## Citation report" in sources


def test_json_carries_passages_spans_verdicts_and_settings(sample: Workspace) -> None:
    data = json.loads(to_json(_brief(sample)))
    assert data["schema"] == "citebrief.briefing/1"
    assert {"start", "end", "quote", "article_id", "url"} <= set(data["sources"][0])
    assert data["takeaways"][0]["sentences"][0]["verdict"] == "supported"
    assert data["retrieval"]["max_per_article"] == 2
    assert data["writer"] == "extractive"
    assert set(data["timings"]) == {"retrieval", "writing", "verification"}


def test_html_is_one_file_with_linked_citations(sample: Workspace) -> None:
    page = to_html(_brief(sample))
    assert "<script src" not in page
    assert '<link rel="stylesheet"' not in page
    for number in re.findall(r'href="#src-(\d+)"', page):
        assert f'id="src-{number}"' in page


def test_retrieval_respects_window_and_per_article_cap(sample: Workspace) -> None:
    window = Window(date(2026, 11, 16), date(2026, 11, 18))
    found = retrieve(
        "export controls talks",
        corpus=sample.corpus,
        index=sample.index,
        settings=sample.settings,
        window=window,
    )
    assert found.passages
    assert all("2026-11-16" <= p.published <= "2026-11-18" for p in found.passages)
    per_article: dict[str, int] = {}
    for passage in found.passages:
        per_article[passage.article_id] = per_article.get(passage.article_id, 0) + 1
    assert max(per_article.values()) <= sample.settings.max_per_article
    assert [p.key for p in found.passages] == [f"S{i}" for i in range(1, len(found.passages) + 1)]


def test_thin_evidence_writes_nothing(sample: Workspace) -> None:
    with pytest.raises(ThinEvidenceError, match="not enough evidence") as caught:
        _brief(sample, window=Window(date(2026, 11, 14), date(2026, 11, 15)))
    assert caught.value.hint is not None


def test_strict_removes_unsupported_sentences(sample: Workspace) -> None:
    class Inventing(ExtractiveWriter):
        def write(self, request):  # type: ignore[no-untyped-def]
            draft = super().write(request)
            draft.takeaways[0].sentences[0].text = "Zebras migrated across Antarctica in 1802."
            return draft

    kept = build_briefing(
        "HBM export controls",
        corpus=sample.corpus,
        index=sample.index,
        writer=Inventing(),
        verifier=LexicalVerifier(),
        settings=sample.settings,
        window=SAMPLE_WINDOW,
    )
    assert kept.report.flagged == 1
    assert kept.takeaways[0].sentences[0].flagged
    strict = build_briefing(
        "HBM export controls",
        corpus=sample.corpus,
        index=sample.index,
        writer=Inventing(),
        verifier=LexicalVerifier(),
        settings=sample.settings,
        window=SAMPLE_WINDOW,
        strict=True,
    )
    assert strict.report.removed == 1
    assert all("Zebras" not in s.text for t in strict.takeaways for s in t.sentences)


def test_wrong_citation_is_recited_to_a_supporting_passage(sample: Workspace) -> None:
    class Miscite(ExtractiveWriter):
        def write(self, request):  # type: ignore[no-untyped-def]
            draft = super().write(request)
            first = draft.takeaways[0].sentences[0]
            others = [p.key for p in request.passages if first.text not in p.text]
            first.keys = [others[0]]
            return draft

    briefing = build_briefing(
        "HBM export controls",
        corpus=sample.corpus,
        index=sample.index,
        writer=Miscite(),
        verifier=LexicalVerifier(),
        settings=sample.settings,
        window=SAMPLE_WINDOW,
    )
    sentence = briefing.takeaways[0].sentences[0]
    assert sentence.recited
    assert sentence.text in briefing.sources[sentence.citations[0] - 1].quote


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two here.", ["One.", "Two here."]),
        ("On Dec. 10 the U.S. acted. Then more.", ["On Dec. 10 the U.S. acted.", "Then more."]),
        ('He said "no." Then left.', ['He said "no."', "Then left."]),
    ],
)
def test_sentence_splitting(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentences_of(text)] == expected


def test_every_prompt_template_takes_exactly_the_variables_the_code_passes() -> None:
    for name, expected in templates.VARIABLES.items():
        assert templates.variables(templates.load(name)) == expected, name


def test_prompts_ship_inside_the_package() -> None:
    import citebrief

    folder = Path(citebrief.__file__).parent / "prompts"
    assert {p.stem for p in folder.glob("*.md")} >= {"briefing", "answer", "judge", "condense"}


def test_rendering_a_prompt_with_wrong_variables_fails() -> None:
    with pytest.raises(ValueError, match="takes"):
        templates.render("judge", claim="x")


@pytest.mark.slow
def test_weekly_writes_three_formats_per_topic_and_exits_by_outcome(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(tmp_path / "home", *args)

    assert cli("ingest", str(CORPUS / "sources.txt")).returncode == 0
    done = cli("weekly", "--topics", str(CORPUS / "topics.txt"), "--as-of", "2026-11-22")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 3
    assert all(line.lstrip().startswith("ok") for line in lines)
    written = sorted(p.name for p in (tmp_path / "briefings").iterdir())
    assert len(written) == 9
    assert "2026-W47-hbm-export-controls.html" in written

    thin = cli("weekly", "--topics", str(CORPUS / "topics.txt"), "--as-of", "2026-12-31")
    assert thin.returncode == 1
    assert thin.stdout.count("failed") == 3
    assert "not enough evidence" in thin.stdout

    md = cli("brief", "Nvidia China sales", "--from", "2026-11-09", "--to", "2026-11-22")
    assert md.returncode == 0
    assert md.stdout.startswith("# Food for thought: Nvidia China sales")
    bad = cli("brief", "x", "--writer", "openai")
    assert bad.returncode == 2
    assert "no LLM configured" in bad.stderr
