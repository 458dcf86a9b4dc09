"""Evaluation: scoring saved briefings and answers, a verifier against human labels in both
data set formats, a tiny suite against its baseline (pass, injected drop, --accept), and the
``eval`` commands' exit codes, through the real CLI."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from citebrief import evaluate
from citebrief.errors import ConfigError, UsageError
from citebrief.verify import LexicalVerifier
from tests.conftest import CORPUS, run_cli

ALPHA = "Nvidia will remit 15 percent of licensed China revenue to the U.S. government."
BETA = "CXMT began volume shipments of HBM3 stacks to domestic customers on Thursday."
GAMMA = "SK Hynix shares closed up 2.1 percent in Seoul before the announcement."


run = run_cli


def source(number: int, quote: str) -> dict[str, Any]:
    return {
        "number": number,
        "key": f"S{number}",
        "article_id": f"a{number}",
        "chunk_id": f"c{number}",
        "title": f"Article {number}",
        "site_name": "Test Times",
        "published": "2026-11-12",
        "url": f"https://example.com/{number}",
        "start": 0,
        "end": len(quote),
        "quote": quote,
    }


def sentence(text: str, citations: list[int], verdict: str) -> dict[str, Any]:
    return {
        "text": text,
        "citations": citations,
        "verdict": verdict,
        "score": 1.0,
        "flagged": verdict == "unsupported",
        "recited": False,
        "note": "",
    }


def briefing() -> dict[str, Any]:
    """Four sentences: supported [1]; supported [2] with an unneeded [3]; unsupported [3];
    uncited. ALCE: recall 2/4; precision (1 + 1 + 0) / (1 + 2 + 1) = 1/2."""
    return {
        "schema": "citebrief.briefing/1",
        "topic": "chips",
        "window": {"start": None, "end": None},
        "generated_at": "2026-11-22T00:00:00+00:00",
        "writer": "extractive",
        "model": "",
        "takeaways": [
            {
                "number": 1,
                "headline": "Chips",
                "sentences": [
                    sentence(ALPHA, [1], "supported"),
                    sentence(BETA, [2, 3], "supported"),
                    sentence("Zebras migrated across Antarctica in 1802.", [3], "unsupported"),
                    sentence("Nobody knows what comes next.", [], "unsupported"),
                ],
            }
        ],
        "sources": [source(1, ALPHA), source(2, BETA), source(3, GAMMA)],
        "report": {"dropped_citations": 1},
        "retrieval": {},
    }


def test_score_item_reuses_recorded_verdicts_and_counts_alce_by_hand() -> None:
    judge = evaluate.Judge(LexicalVerifier())
    item = evaluate.score_item("b.json", briefing(), judge)
    assert (item.response.recall, item.response.precision) == (0.5, 0.5)
    assert judge.asked == 2  # [2] alone, [3] alone ([2] without [3] is [2] alone again)
    assert (item.markers, item.resolved, item.cited) == (5, 4, 3)
    total = evaluate.totals([item])
    assert (total.validity, total.coverage, total.quote_fidelity) == (0.8, 0.75, None)


def test_quote_fidelity_checks_the_article_text() -> None:
    texts = {"a1": ALPHA, "a2": "changed " + BETA}
    item = evaluate.score_item(
        "b", briefing(), evaluate.Judge(LexicalVerifier()), article_text=texts.get
    )
    assert (item.quotes_checked, item.quotes_exact) == (2, 1)


def test_an_unanswered_question_counts_as_not_answered_and_not_in_alce() -> None:
    judge = evaluate.Judge(LexicalVerifier())
    answered = evaluate.score_item("b", briefing(), judge)
    missing = evaluate.score_item("q", None, judge, kind="answer")
    total = evaluate.totals([answered, missing])
    assert (total.citation_recall, total.answered, total.responses) == (0.5, 0.5, 1)


def test_eval_citations_on_saved_briefing_and_answer(tmp_path: Path) -> None:
    saved = tmp_path / "briefing.json"
    saved.write_text(json.dumps(briefing()), encoding="utf-8")
    answer = tmp_path / "answer.json"
    answer.write_text(
        json.dumps({"question": "Why?", "query": "Why?", "answered": False, "answer": None}),
        encoding="utf-8",
    )
    result = run(
        tmp_path / "home",
        "eval",
        "citations",
        str(saved),
        str(answer),
        "--verifier",
        "lexical",
        "--report",
        str(tmp_path / "report"),
    )
    assert result.returncode == 0, result.stderr
    assert "Zebras migrated across Antarctica" in result.stdout
    assert "(not answered)" in result.stdout
    assert "citation recall (ALCE)" in result.stdout
    assert "50.0%" in result.stdout
    report = (tmp_path / "report" / "citations.md").read_text(encoding="utf-8")
    assert "| citation precision (ALCE) | 50.0% |" in report
    assert (tmp_path / "report" / "citations.png").read_bytes().startswith(b"\x89PNG")


def test_eval_verifier_reads_both_formats(tmp_path: Path) -> None:
    lines = [
        {"claim": ALPHA + " [1]", "references": [ALPHA], "attribution_label": "attributable",
         "src_dataset": "toy"},
        {"claim": "Zebras migrated in 1802.", "references": [ALPHA],
         "attribution_label": "not attributable", "src_dataset": "toy"},
        {"question": "q", "answers": {"m": {"claims": [
            {"claim_string": BETA, "support": "Complete",
             "evidence": ["[1] https://example.com\n\n" + BETA]},
            {"claim_string": "CXMT ships HBM4 in 1990.", "support": "Missing",
             "evidence": ["[1] https://example.com\n\n" + BETA]},
            {"claim_string": "skipped", "support": "N/A", "evidence": [BETA]},
        ]}}},
    ]  # fmt: skip
    data = tmp_path / "labels.jsonl"
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = run(tmp_path / "home", "eval", "verifier", str(data), "--verifier", "lexical")
    assert result.returncode == 0, result.stderr
    assert "4 claims: attributionbench/toy 2, expertqa 2" in result.stdout
    assert "balanced accuracy" in result.stdout
    assert "1.000" in result.stdout  # lexical gets these four right
    limited = run(tmp_path / "home", "eval", "verifier", str(data), "--verifier", "lexical",
                  "--limit", "1")  # fmt: skip
    assert "1 claims" in limited.stdout


def test_verifier_timing_leaves_the_first_call_out() -> None:
    from citebrief.evaldata import Example
    from citebrief.verify import Label, Verdict

    class SlowStart:
        calls = 0

        def judge(self, passages: Any, claim: str) -> Verdict:
            SlowStart.calls += 1
            if SlowStart.calls == 1:
                time.sleep(0.3)  # loading a model
            return Verdict(Label.SUPPORTED, 1.0, "")

    examples = [Example(f"claim {i}", [ALPHA], True, "toy") for i in range(20)]
    score = evaluate.score_verifier(examples, SlowStart())
    assert SlowStart.calls == 21  # one warm-up, then every example
    assert score.warm_up_s >= 0.3
    assert score.ms_per_claim < 10  # 300 ms over 20 claims would be 15 ms each
    assert score.agreement.n == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["eval", "citations", "missing.json"],
            "no such file: missing.json (hint: check the path)",
        ),
        (["eval", "citations", "bad.json"], "bad.json is not JSON (hint: give files written by"),
        (["eval", "verifier", "missing.jsonl"], "cannot read missing.jsonl"),
        (["eval", "verifier", "bad.json"], "bad.json:1: not JSON"),
        (["eval", "run", "missing.toml"], "no such suite: missing.toml (hint: give a suite"),
        (["eval", "citations", "bad.json", "--verifier", "nli"], "unknown verifier 'nli'"),
    ],
)
def test_eval_usage_errors_exit_2_with_a_hint(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    result = run(tmp_path / "home", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_suite_without_corpus_is_a_config_error(tmp_path: Path) -> None:
    suite = tmp_path / "empty.toml"
    suite.write_text('name = "empty"\ntopics = ["x"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad suite"):
        evaluate.load_suite(suite)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('topics_file = "missing.txt"', "cannot read the topics file"),
        ('questions = "missing.jsonl"', "cannot read the questions"),
    ],
)
def test_a_suite_naming_a_missing_file_is_a_config_error(
    tmp_path: Path, line: str, message: str
) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text(f'corpus = "pages"\n{line}\n', encoding="utf-8")
    result = run(tmp_path / "home", "eval", "run", str(suite))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "relative to the suite file" in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback


# --- a tiny suite, end to end ------------------------------------------------------------------
PAGES = [
    "wire-asia-service-2026-11-19-nvidia-q3-china-revenue.html",
    "pacific-ledger-2026-11-12-nvidia-b25-licences.html",
    "semiconductor-weekly-2026-11-20-nvidia-shares-analysts-split.html",
    "shenzhen-tech-observer-2026-11-12-cxmt-hbm3-volume-shipments.html",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[evaluate.Suite, evaluate.SuiteResult]:
    folder = tmp_path_factory.mktemp("suite")
    pages = folder / "pages"
    pages.mkdir()
    for name in PAGES:
        shutil.copy(CORPUS / "pages" / name, pages / name)
    questions = [
        {
            "id": "q1",
            "question": "How many Chinese customers do Nvidia's B25 licences cover?",
            "article": PAGES[1],
            "passage": "cover shipments to 14 named Chinese customers over 12 months",
        },
        {"id": "q2", "question": "What does CXMT expect for HBM3E samples?"},
    ]
    (folder / "questions.jsonl").write_text(
        "\n".join(json.dumps(q) for q in questions) + "\n", encoding="utf-8"
    )
    (folder / "tiny.toml").write_text(
        'name = "tiny"\ncorpus = "pages"\ntopics = ["Nvidia China sales"]\n'
        'questions = "questions.jsonl"\nwriter = "extractive"\nverifier = "lexical"\n'
        'window = { from = "2026-11-09", to = "2026-11-22" }\nk = 3\nepsilon = 0.01\n'
        "[settings]\nmin_articles = 1\n",
        encoding="utf-8",
    )
    suite = evaluate.load_suite(folder / "tiny.toml")
    return suite, evaluate.run_suite(suite)


def test_tiny_suite_scores_and_accepts_a_baseline(
    tiny: tuple[evaluate.Suite, evaluate.SuiteResult],
) -> None:
    suite, result = tiny
    assert set(result.metrics) >= {
        "citation_recall",
        "citation_precision",
        "validity",
        "coverage",
        "quote_fidelity",
        "retrieval_recall_at_k",
        "answered",
    }
    assert result.metrics["quote_fidelity"] == 1.0
    assert result.metrics["validity"] == 1.0
    assert list(result.retrieval) == ["q1"]  # only questions with a known passage
    with pytest.raises(UsageError, match="no baseline"):
        evaluate.gate(suite, result, accept=False)
    evaluate.gate(suite, result, accept=True)
    assert evaluate.read_baseline(suite) == result.metrics
    assert evaluate.gate(suite, result, accept=False) == []  # passes against its own baseline
    report = (suite.results_dir / "tiny.md").read_text(encoding="utf-8")
    assert "citebrief eval run" in report
    assert json.loads((suite.results_dir / "tiny.json").read_text())["regressions"] == []


def test_tiny_suite_fails_on_an_injected_drop_and_accept_rewrites(
    tiny: tuple[evaluate.Suite, evaluate.SuiteResult],
) -> None:
    suite, result = tiny
    evaluate.gate(suite, result, accept=True)
    baseline = json.loads(suite.baseline_path.read_text())
    baseline["metrics"]["coverage"] = result.metrics["coverage"] + 0.05  # the run "dropped"
    baseline["metrics"]["validity"] = result.metrics["validity"] + 0.005  # within epsilon
    suite.baseline_path.write_text(json.dumps(baseline))
    with pytest.raises(evaluate.RegressionError, match=r"regressed by more than 0.01: coverage"):
        evaluate.gate(suite, result, accept=False)
    written = json.loads((suite.results_dir / "tiny.json").read_text())
    assert [r["metric"] for r in written["regressions"]] == ["coverage"]

    result_cli = run(suite.path.parent / "home", "eval", "run", str(suite.path))
    assert result_cli.returncode == 1, result_cli.stderr
    assert "error: suite tiny regressed by more than 0.01: coverage" in result_cli.stderr
    assert "--accept" in result_cli.stderr

    evaluate.gate(suite, result, accept=True)
    assert evaluate.read_baseline(suite) == result.metrics
