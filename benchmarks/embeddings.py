"""The local embedding backends side by side: speed, query latency, closeness and recall.

Each backend embeds the same real chunks in one run, one after the other, on this machine:

* ``torch fp32``: sentence-transformers (``LocalEmbeddings``), what the LangChain tutorials give;
* ``onnx fp32``: the same weights exported to ONNX, fused by onnxruntime's BERT optimiser;
* ``onnx int8``: that graph with per-channel int8 weights (dynamic activations), the
  feed-forward output layers kept float (what citebrief uses);
* ``onnx int8, every MatMul``: the same with those layers in int8 too (the variant not taken).

Measured for each: chunks per second over the AllSides dev articles (``../shared/data/
allsides-dev``, chunked as the ingest chunks them, 800/120), query embedding latency (p50, p95
over one title at a time, after a warm-up), cosine to the torch vectors (mean, minimum), and
retrieval recall@10 by the vectors alone, on two tasks:

* AllSides stories: the query is an article's title; the relevant articles are the other
  articles of its story; the ranking is of articles by their best chunk (the query's own
  article left out); recall@10 = share of the relevant articles in the top 10, averaged.
* ``evals/questions.jsonl`` on the sample corpus (``corpus/pages``): the relevant chunk is the
  one that holds the question's gold passage; recall@10 = share of questions whose chunk is
  among the 10 nearest.

    python benchmarks/embeddings.py            # prints a Markdown table
    python benchmarks/embeddings.py --out      # and appends it to benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))
sys.path.insert(0, str(ROOT / "src"))
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

import allsides  # noqa: E402

from citebrief.corpus.chunking import chunk_text  # noqa: E402
from citebrief.corpus.embeddings import LocalEmbeddings  # noqa: E402
from citebrief.corpus.onnx_embeddings import (  # noqa: E402
    OnnxEmbeddings,
    _quantise,
    model_dir,
    model_file,
)
from citebrief.ingest.extract import extract_html  # noqa: E402


@dataclass
class Texts:
    chunks: list[str]
    owner: list[int]  # article of each chunk
    titles: list[str]  # one per article
    story: list[int]  # story of each article


def allsides_texts() -> Texts:
    _, pages = allsides.load()
    texts = Texts([], [], [], [])
    for number, page in enumerate(pages):
        body = "\n\n".join(page.paragraphs)
        for span in chunk_text(body):
            texts.chunks.append(body[span.start : span.end])
            texts.owner.append(number)
        texts.titles.append(page.title)
        texts.story.append(page.story)
    return texts


def sample_texts() -> tuple[list[str], list[str], list[tuple[str, int]]]:
    """Chunks of the sample corpus, their pages, and (question, index of its gold chunk)."""
    chunks, names = [], []
    for path in sorted((ROOT / "corpus" / "pages").glob("*.html")):
        text = extract_html(path.read_text("utf-8")).text
        for span in chunk_text(text):
            chunks.append(text[span.start : span.end])
            names.append(path.name)
    asked = []
    for line in (ROOT / "evals" / "questions.jsonl").read_text("utf-8").splitlines():
        q = json.loads(line)
        if "article" not in q:  # a question the corpus cannot answer
            continue
        gold = [i for i, c in enumerate(chunks) if names[i] == q["article"] and q["passage"] in c]
        if gold:
            asked.append((q["question"], gold[0]))
    return chunks, names, asked


def story_recall(texts: Texts, chunk_vectors: np.ndarray, title_vectors: np.ndarray) -> float:
    owner = np.array(texts.owner)
    members: dict[int, list[int]] = defaultdict(list)
    for article, story in enumerate(texts.story):
        members[story].append(article)
    scores = title_vectors @ chunk_vectors.T  # titles x chunks
    recalls = []
    for article, story in enumerate(texts.story):
        relevant = set(members[story]) - {article}
        if not relevant:
            continue
        best = np.full(len(texts.titles), -2.0)
        np.maximum.at(best, owner, scores[article])
        best[article] = -3.0
        top = set(np.argsort(-best)[:10].tolist())
        recalls.append(len(top & relevant) / len(relevant))
    return float(np.mean(recalls))


def question_recall(chunk_vectors: np.ndarray, query_vectors: np.ndarray, gold: list[int]) -> float:
    scores = query_vectors @ chunk_vectors.T
    hits = [g in np.argsort(-row)[:10] for row, g in zip(scores, gold, strict=True)]
    return float(np.mean(hits))


@dataclass
class Row:
    name: str
    chunks_per_s: float
    cpu_per_chunk_ms: float
    query_p50_ms: float
    query_p95_ms: float
    cosine_mean: float
    cosine_min: float
    story_recall: float
    question_recall: float


def measure(
    name: str,
    model: Any,
    texts: Texts,
    sample: tuple[list[str], list[str], list[tuple[str, int]]],
    reference: np.ndarray | None,
) -> tuple[Row, np.ndarray]:
    model.embed_documents(texts.chunks[:8])  # load, export on first use, warm up
    model.embed_query(texts.titles[0])
    cpu, started = time.process_time(), time.perf_counter()
    vectors = np.array(model.embed_documents(texts.chunks), dtype=np.float32)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies = []
    for title in texts.titles[:300]:
        started = time.perf_counter()
        model.embed_query(title)
        latencies.append((time.perf_counter() - started) * 1000)
    titles = np.array([model.embed_query(t) for t in texts.titles], dtype=np.float32)
    sample_chunks, _, asked = sample
    sample_vectors = np.array(model.embed_documents(sample_chunks), dtype=np.float32)
    questions = np.array([model.embed_query(q) for q, _ in asked], dtype=np.float32)
    cosine = (vectors * (reference if reference is not None else vectors)).sum(axis=1)
    return (
        Row(
            name,
            len(texts.chunks) / wall,
            cpu / len(texts.chunks) * 1000,
            float(np.percentile(latencies, 50)),
            float(np.percentile(latencies, 95)),
            float(cosine.mean()),
            float(cosine.min()),
            story_recall(texts, vectors, titles),
            question_recall(sample_vectors, questions, [g for _, g in asked]),
        ),
        vectors,
    )


def all_int8(models: Path) -> OnnxEmbeddings:
    """The int8 variant not taken: the feed-forward output layers in int8 too."""
    fp32 = model_file(models, "fp32")
    _quantise(fp32, model_dir(models) / "model.int8.onnx", keep_float=lambda _: False)
    return OnnxEmbeddings(models, "int8")


def table(rows: Sequence[Row], chunks: int, questions: int) -> str:
    base = rows[0]
    lines = [
        f"| backend | chunks/s ({chunks} chunks) | x torch | CPU ms/chunk | query p50 / p95 ms "
        f"| cosine to torch mean / min | AllSides recall@10 | questions recall@10 ({questions}) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.chunks_per_s:.1f} | {r.chunks_per_s / base.chunks_per_s:.2f} "
            f"| {r.cpu_per_chunk_ms:.1f} | {r.query_p50_ms:.1f} / {r.query_p95_ms:.1f} "
            f"| {r.cosine_mean:.4f} / {r.cosine_min:.4f} | {r.story_recall:.4f} "
            f"({(r.story_recall - base.story_recall) * 100:+.2f} pt) | {r.question_recall:.4f} "
            f"({(r.question_recall - base.question_recall) * 100:+.2f} pt) |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    texts = allsides_texts()
    sample = sample_texts()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as home:
        backends: list[tuple[str, Callable[[], Any]]] = [
            ("torch fp32", lambda: LocalEmbeddings(batch_size=32)),
            ("onnx fp32", lambda: OnnxEmbeddings(Path(home), "fp32")),
            ("onnx int8", lambda: OnnxEmbeddings(Path(home), "int8")),
            ("onnx int8, every MatMul", lambda: all_int8(Path(home) / "all")),
        ]
        rows, reference = [], None
        for name, make in backends:
            row, vectors = measure(name, make(), texts, sample, reference)
            reference = vectors if reference is None else reference
            rows.append(row)
            print(f"{name}: {row}", file=sys.stderr)
    load_after = os.getloadavg()
    out = "\n".join(
        [
            f"### embeddings.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"{len(texts.titles)} AllSides dev articles in {len(set(texts.story))} stories, "
            f"{len(texts.chunks)} chunks; {len(sample[2])} questions over {len(sample[0])} "
            f"sample chunks. {os.cpu_count()} CPUs; load average "
            f"{' / '.join(f'{x:.2f}' for x in load_before)} before, "
            f"{' / '.join(f'{x:.2f}' for x in load_after)} after.",
            "",
            table(rows, len(texts.chunks), len(sample[2])),
            "",
        ]
    )
    print(out)
    if args.out:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
