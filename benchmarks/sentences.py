"""Sentence splitting on real news text: citebrief's splitter against maintained libraries.

    python benchmarks/sentences.py          # citebrief's splitter, and any library installed
    pip install pysbd syntok sentencex blingfire   # to compare with them too (not dependencies)

Gold: ``benchmarks/sentence_boundaries.json``, the sentence boundaries inside the lines of the
54 English gold texts (``articleBody``) of ``../shared/data/news-html``: where six splitters (the
writer's and the verifier's regexes of citebrief 0.1, pysbd, syntok, sentencex, blingfire) all
agreed, plus the 244 positions where they disagreed, each read and labelled by hand (113 true).
Line breaks always end a sentence, so only boundaries within a line are scored. A predicted
boundary not in the gold set counts as a false positive, a gold boundary not predicted as a
false negative. Caveat: citebrief's splitter was adjusted after reading these disagreements, so
its score here is an upper bound; the libraries were not tuned on them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = Path(__file__).resolve().parent / "sentence_boundaries.json"
NEWS = ROOT.parent / "shared" / "data" / "news-html" / "ground-truth.json"

Splitter = Callable[[str], list[str]]


def _located(line: str, parts: list[str]) -> list[int]:
    """Start offsets of the sentences after the first, found in ``line`` in order."""
    starts, cursor = [], 0
    for part in (p.strip() for p in parts):
        if not part:
            continue
        start = line.find(part, cursor)
        if start < 0:
            start = line.find(part[:20], cursor)
        if start < 0:
            continue
        starts.append(start)
        cursor = start + 1
    return [s for s in starts if s > 0]


def splitters() -> dict[str, Splitter]:
    from citebrief.text import sentences

    found: dict[str, Splitter] = {"citebrief": sentences}
    if importlib.util.find_spec("pysbd"):
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        found["pysbd"] = segmenter.segment
    if importlib.util.find_spec("syntok"):
        import syntok.segmenter as syntok

        found["syntok"] = lambda text: [
            "".join(t.spacing + t.value for t in sentence)
            for paragraph in syntok.process(text)
            for sentence in paragraph
        ]
    if importlib.util.find_spec("sentencex"):
        import sentencex

        found["sentencex"] = lambda text: list(sentencex.segment("en", text))
    if importlib.util.find_spec("blingfire"):
        import blingfire

        found["blingfire"] = lambda text: blingfire.text_to_sentences(text).split("\n")
    return found


def main() -> None:
    if not NEWS.is_file():
        sys.exit(f"no gold texts at {NEWS}")
    texts = {k: v["articleBody"] for k, v in json.loads(NEWS.read_text("utf-8")).items()}
    gold = json.loads(GOLD.read_text("utf-8"))["lines"]
    lines = []
    for entry in gold:
        body = [ln.strip() for ln in texts[entry["article"]].split("\n") if ln.strip()]
        lines.append((body[entry["line"]], set(entry["boundaries"])))
    print(f"{len(lines)} lines with {sum(len(b) for _, b in lines)} gold boundaries")
    header = ("splitter", "TP", "FP", "FN", "precision", "recall", "F1")
    print("{:<10} {:>5} {:>4} {:>4} {:>9} {:>7} {:>6}  ms".format(*header))
    for name, split in splitters().items():
        tp = fp = fn = 0
        started = time.perf_counter()
        for line, truth in lines:
            found = set(_located(line, split(line)))
            tp += len(found & truth)
            fp += len(found - truth)
            fn += len(truth - found)
        ms = 1000 * (time.perf_counter() - started)
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall)
        print(f"{name:<10} {tp:5} {fp:4} {fn:4} {precision:9.3f} {recall:7.3f} {f1:6.3f}  {ms:.0f}")


if __name__ == "__main__":
    main()
