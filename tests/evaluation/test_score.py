"""Scoring saved briefings and answers (ALCE recall and precision by hand, validity, coverage,
quote fidelity), a verifier against human labels, and the ``eval citations`` and
``eval verifier`` commands through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from citebrief.evaluation.datasets import Example
from citebrief.evaluation.score import Judge, score_item, score_verifier, totals
from citebrief.models import Label, Verdict
from citebrief.verify.lexical import LexicalVerifier
from tests.conftest import run_cli

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
    judge = Judge(LexicalVerifier)
    item = score_item("b.json", briefing(), judge)
    assert (item.response.recall, item.response.precision) == (0.5, 0.5)
    assert judge.asked == 2  # [2] alone, [3] alone ([2] without [3] is [2] alone again)
    assert (item.markers, item.resolved, item.cited) == (5, 4, 3)
    total = totals([item])
    assert (total.validity, total.coverage, total.quote_fidelity) == (0.8, 0.75, None)


def test_quote_fidelity_checks_the_article_text() -> None:
    texts = {"a1": ALPHA, "a2": "changed " + BETA}
    item = score_item("b", briefing(), Judge(LexicalVerifier), article_text=texts.get)
    assert (item.quotes_checked, item.quotes_exact) == (2, 1)


def test_an_unanswered_question_counts_as_not_answered_and_not_in_alce() -> None:
    judge = Judge(LexicalVerifier)
    answered = score_item("b", briefing(), judge)
    missing = score_item("q", None, judge, kind="answer")
    total = totals([answered, missing])
    assert (total.citation_recall, total.answered, total.responses) == (0.5, 0.5, 1)


LONG = (
    "Zebras migrated across Antarctica in 1802, according to a report that nobody has ever "
    "seen, cited here at such length that at 80 columns it used to wrap over many lines."
)


def test_eval_citations_on_saved_briefing_and_answer(tmp_path: Path) -> None:
    saved = tmp_path / "briefing.json"
    data = briefing()
    data["takeaways"][0]["sentences"][2]["text"] = LONG
    saved.write_text(json.dumps(data), encoding="utf-8")
    answer = tmp_path / "answer.json"
    answer.write_text(
        json.dumps({"question": "Why?", "query": "Why?", "answered": False, "answer": None}),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CITEBRIEF_"))}
    env.update(CITEBRIEF_HOME=str(tmp_path / "home"), COLUMNS="80")  # a narrow terminal
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "citebrief",
            "eval",
            "citations",
            str(saved),
            str(answer),
            "--verifier",
            "lexical",
            "--report",
            str(tmp_path / "report"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    shown = result.stdout
    assert "(not answered)" in shown
    assert "50.0%" in shown
    # the totals first, then one line per sentence, its claim cut short
    assert shown.index("citation recall (ALCE)") < shown.index(ALPHA[:20])
    table = shown[shown.index("sentences") : shown.index("(claims cut short")]
    assert all(len(line) <= 80 for line in table.splitlines()), shown
    assert "unsupported" in table  # the short columns are not squeezed
    assert len([line for line in shown.splitlines() if "Zebras migrated" in line]) == 1
    assert LONG not in " ".join(shown.split())
    assert f"every claim in full in {tmp_path / 'report' / 'citations.md'}" in shown
    report = (tmp_path / "report" / "citations.md").read_text(encoding="utf-8")
    assert "| citation precision (ALCE) | 50.0% |" in report
    assert LONG in report
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
    assert "(1 claim: " in limited.stdout


def test_verifier_timing_leaves_the_first_call_out() -> None:
    class SlowStart:
        calls = 0

        def judge(self, passages: Any, claim: str) -> Verdict:
            SlowStart.calls += 1
            if SlowStart.calls == 1:
                time.sleep(0.3)  # loading a model
            return Verdict(Label.SUPPORTED, 1.0, "")

    examples = [Example(f"claim {i}", [ALPHA], True, "toy") for i in range(20)]
    score = score_verifier(examples, SlowStart())
    assert SlowStart.calls == 21  # one warm-up, then every example
    assert score.warm_up_s >= 0.3
    assert score.ms_per_claim < 10  # 300 ms over 20 claims would be 15 ms each
    assert score.agreement.n == 20
