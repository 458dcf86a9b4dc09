"""Evaluation suites: loading, a tiny suite against its baseline (pass, injected drop,
--accept), and the ``eval`` commands' exit codes, through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from citebrief.errors import ConfigError, RegressionError, UsageError
from citebrief.evaluation import suite as evaluate
from tests.conftest import CORPUS, run_cli

run = run_cli


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


def test_compared_sets_each_metric_beside_its_baseline() -> None:
    rows = evaluate.compared(
        {"recall": 0.80, "precision": 0.95, "fresh": 0.5},
        {"recall": 0.90, "precision": 0.96, "gone": 0.7},
        epsilon=0.02,
    )
    by_name = {r.metric: r for r in rows}
    assert [r.metric for r in rows] == ["recall", "precision", "fresh", "gone"]
    assert by_name["recall"].failed
    assert by_name["recall"].difference == pytest.approx(-0.10)
    assert not by_name["precision"].failed  # within epsilon
    assert (by_name["fresh"].baseline, by_name["fresh"].failed) == (None, False)
    assert (by_name["gone"].current, by_name["gone"].failed) == (None, True)
    assert [r.metric for r in evaluate.compare({"recall": 0.8}, {"recall": 0.9}, 0.02)] == [
        "recall"
    ]


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
    elsewhere = suite.path.parent / "elsewhere"
    with pytest.raises(UsageError, match="no baseline"):
        evaluate.gate(suite, result, accept=False, results_dir=elsewhere)
    assert evaluate.gate(suite, result, accept=True) == suite.results_dir / "tiny.md"
    assert evaluate.read_baseline(suite) == result.metrics
    report = (suite.results_dir / "tiny.md").read_text(encoding="utf-8")
    assert "citebrief eval run" in report

    shutil.rmtree(suite.results_dir)
    written = evaluate.gate(suite, result, accept=False, results_dir=elsewhere)  # it passes
    assert written == elsewhere / "tiny.md"
    assert json.loads((elsewhere / "tiny.json").read_text())["regressions"] == []
    assert not suite.results_dir.exists()  # an ordinary run leaves the tracked results alone


def test_tiny_suite_fails_on_an_injected_drop_and_accept_rewrites(
    tiny: tuple[evaluate.Suite, evaluate.SuiteResult],
) -> None:
    suite, result = tiny
    evaluate.gate(suite, result, accept=True)
    baseline = json.loads(suite.baseline_path.read_text())
    baseline["metrics"]["coverage"] = result.metrics["coverage"] + 0.05  # the run "dropped"
    baseline["metrics"]["validity"] = result.metrics["validity"] + 0.005  # within epsilon
    suite.baseline_path.write_text(json.dumps(baseline))
    elsewhere = suite.path.parent / "elsewhere"
    with pytest.raises(RegressionError, match=r"regressed by more than 0.01: coverage"):
        evaluate.gate(suite, result, accept=False, results_dir=elsewhere)
    written = json.loads((elsewhere / "tiny.json").read_text())
    assert [r["metric"] for r in written["regressions"]] == ["coverage"]

    tracked = {p.name: p.read_bytes() for p in suite.results_dir.iterdir()}
    home = suite.path.parent / "home"
    result_cli = run(home, "eval", "run", str(suite.path))
    assert result_cli.returncode == 1, result_cli.stderr
    assert "error: suite tiny regressed by more than 0.01: coverage" in result_cli.stderr
    assert "--accept" in result_cli.stderr
    # the table: value, baseline and difference of each metric, the failing one marked
    header = next(line for line in result_cli.stdout.splitlines() if "baseline" in line)
    assert header.split() == ["metric", "value", "baseline", "difference", "gate"]
    rows = {line.split("  ")[0].strip(): line for line in result_cli.stdout.splitlines()}
    assert "FAIL" in rows["coverage"]
    assert "-5.0 pts" in rows["coverage"]
    assert "FAIL" not in rows["validity"]  # 0.5 pts down, within epsilon
    assert "-0.5 pts" in rows["validity"]
    assert sum("FAIL" in line for line in result_cli.stdout.splitlines()) == 1
    # the results went under CITEBRIEF_HOME; the tracked ones beside the suite are untouched
    assert json.loads((home / "evals" / "tiny.json").read_text())["regressions"]
    assert {p.name: p.read_bytes() for p in suite.results_dir.iterdir()} == tracked

    evaluate.gate(suite, result, accept=True)
    assert evaluate.read_baseline(suite) == result.metrics


class _Corpus:
    """A stand-in corpus for the known-passage lookup: two articles by file name."""

    def __init__(self) -> None:
        from types import SimpleNamespace

        self.held = {
            "a1": SimpleNamespace(id="a1", location="/c/wire.html", url="", text="xx 1.5 GB/s."),
            "a2": SimpleNamespace(id="a2", location="/c/brief.html", url="", text="from 2 to 1.5"),
        }

    def articles(self) -> list[dict[str, str]]:
        return [{"id": i} for i in self.held]

    def get(self, article_id: str) -> object:
        return self.held[article_id]


def test_a_question_may_name_other_passages_that_state_its_answer(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    record = {
        "id": "q1",
        "question": "What threshold?",
        "article": "wire.html",
        "passage": "1.5 GB/s",
        "also": [{"article": "brief.html", "passage": "to 1.5"}],
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (question,) = evaluate.read_questions(path)
    assert question.also == (("brief.html", "to 1.5"),)
    gold = evaluate._gold_spans([question], _Corpus())
    assert gold == {"q1": [("a1", 3, 11), ("a2", 7, 13)]}
    assert evaluate._any_hit(gold["q1"], [("a2", 0, 9)]) == 1.0  # either passage counts
    assert evaluate._any_hit(gold["q1"], [("a1", 0, 3), ("a2", 0, 7)]) == 0.0  # touching only

    wrong = evaluate.Question("q2", "?", "wire.html", "1.5 GB/s", also=(("brief.html", "nope"),))
    with pytest.raises(ConfigError, match=r"q2: its passage is not in brief\.html"):
        evaluate._gold_spans([wrong], _Corpus())
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**record, "also": ["brief.html"]}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: not a question record"):
        evaluate.read_questions(bad)
