"""Extraction quality on 62 real pages with human gold text: ingest must not lose text."""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import trafilatura

from citebrief.models import Outcome
from tests.conftest import NEWS, Workspace


def _tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def token_f1(predicted: str, gold: str) -> float:
    p, g = _tokens(predicted), _tokens(gold)
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def test_ingested_text_matches_gold_at_least_as_well_as_plain_trafilatura(
    workspace: Workspace,
) -> None:
    gold = json.loads((NEWS / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted((NEWS / "html").glob("*.html.gz"))
    report = workspace.ingest([str(NEWS / "html")])
    by_page = {Path(item.source).name.split(".")[0]: item for item in report.items}
    assert len(by_page) == len(pages) == 62

    ours, plain = [], []
    for page in pages:
        page_id = page.name.split(".")[0]
        body = gold[page_id]["articleBody"]
        item = by_page[page_id]
        text = ""
        if item.outcome is Outcome.ADDED and item.article_id:
            stored = workspace.corpus.get(item.article_id)
            assert stored is not None
            text = stored.text
        ours.append(token_f1(text, body))
        html = gzip.decompress(page.read_bytes()).decode("utf-8")
        plain.append(token_f1(trafilatura.extract(html) or "", body))

    mean_ours, mean_plain = statistics.mean(ours), statistics.mean(plain)
    print(f"token F1: ingest {mean_ours:.4f}, plain trafilatura.extract {mean_plain:.4f}")
    assert mean_ours >= mean_plain
    assert mean_ours >= 0.88
