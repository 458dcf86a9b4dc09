"""Page furniture on the shared news pages: what ``ingest.furniture`` removes, and what it and
trafilatura's options do to the extracted text against the human gold text.

    python benchmarks/furniture.py [--out]

For each of the 62 pages of ``../shared/data/news-html``: token F1 (bag of words) of the
extracted text against ``articleBody`` with trafilatura's defaults (as ingest calls it) and
with ``favor_precision``, each with and without the furniture filter, and as ingest extracts
(``extract_html``: favor_precision, layout tables unwrapped, the filter); every removed line
is listed with whether the gold text holds it (a false removal).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

from citebrief.errors import ExtractionError
from citebrief.ingest.extract import extract_html
from citebrief.ingest.furniture import PATTERNS, without_furniture
from citebrief.text import sentences

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "news-html"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
INGEST = "as ingest extracts (`extract_html`)"


def token_f1(predicted: str, gold: str) -> float:
    p = Counter(re.findall(r"\w+", predicted.lower()))
    g = Counter(re.findall(r"\w+", gold.lower()))
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def sentences_in_gold(predicted: str, gold: str) -> float:
    """The share of the text's sentences that the gold text holds word for word (spacing
    aside): what a briefing may quote from the page and find junk in ("|  | Seeking a bigger
    role for a big rocket by Jeff Foust Monday, November 18, 2019 Earlier this month, ...")."""
    found = sentences(predicted)
    body = " ".join(gold.split())
    return sum(" ".join(s.split()) in body for s in found) / len(found) if found else 0.0


def extract(html: str, **options: bool) -> tuple[str, str]:
    """The text and the title trafilatura finds."""
    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        **options,
    )
    if document is None:
        return "", ""
    return document.text or "", document.title or ""


def by_pattern(lines: Iterable[str]) -> Counter[str]:
    """How many removed lines each pattern caught first."""
    counts: Counter[str] = Counter()
    for line in lines:
        stripped = line.strip().lstrip("-•*· ").strip()
        hit = next((p.pattern for p in PATTERNS if p.search(stripped)), "(above the title)")
        counts[hit] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    gold = json.loads((NEWS / "ground-truth.json").read_text(encoding="utf-8"))
    scores: dict[str, list[float]] = {}
    inside: dict[str, list[float]] = {}  # sentences in the gold text
    removed: list[tuple[str, str, bool]] = []
    for page in sorted((NEWS / "html").glob("*.html.gz")):
        page_id = page.name.split(".")[0]
        html = gzip.decompress(page.read_bytes()).decode("utf-8")
        body = gold[page_id]["articleBody"]
        for name, options in (("defaults", {}), ("favor_precision", {"favor_precision": True})):
            text, title = extract(html, **options)
            cleaned, lines = without_furniture(text, title)
            scores.setdefault(name, []).append(token_f1(text, body))
            scores.setdefault(f"{name} + furniture filter", []).append(token_f1(cleaned, body))
            inside.setdefault(name, []).append(sentences_in_gold(text, body))
            inside.setdefault(f"{name} + furniture filter", []).append(
                sentences_in_gold(cleaned, body)
            )
            if name == "defaults":
                removed += [(page_id[:8], line.strip(), line.strip() in body) for line in lines]
        try:  # the product's own path: favor_precision, layout tables unwrapped, the filter
            ingested = extract_html(html).text
        except ExtractionError:
            ingested = ""
        scores.setdefault(INGEST, []).append(token_f1(ingested, body))
        inside.setdefault(INGEST, []).append(sentences_in_gold(ingested, body))
    lines = [
        "## furniture.py",
        "",
        f"{datetime.now(UTC).replace(microsecond=0).isoformat()}: token F1 against the gold"
        f" text of the {len(scores['defaults'])} shared news pages.",
        "",
        "| extraction | mean token F1 | lowest | sentences in the gold text | lowest |",
        "|---|---|---|---|---|",
        *(
            f"| {k} | {statistics.mean(v):.4f} | {min(v):.3f}"
            f" | {statistics.mean(inside[k]):.4f} | {min(inside[k]):.3f} |"
            for k, v in scores.items()
        ),
        "",
        f"The filter removed {len(removed)} lines from {len({r[0] for r in removed})} pages,"
        f" {sum(r[2] for r in removed)} of them in the gold text (false removals); by pattern:"
        " (the lines themselves are printed, not recorded: the pages' text stays out of the repo)",
        "",
        *(f"- `{p}`: {n}" for p, n in by_pattern(line for _, line, _ in removed).most_common()),
    ]
    for page, line, in_gold in removed:
        print(f"removed from {page}{' (IN GOLD)' if in_gold else ''}: {line}")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
