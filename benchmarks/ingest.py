"""Ingest throughput: citebrief next to the pipeline a user would build with LangChain.

The pages are the shared news pages (``../shared/data/news-html``), replicated to N and each
copy made unique: its own canonical URL, a share of the words of its text (every text node
in ``<body>``, ``<p>`` elements included) replaced with other words of the same page, and an
injected sentence naming the copy, so that neither the exact nor the near-duplicate check
(MinHash, word 5-grams, Jaccard 0.7) flags any copy; the script checks that.

Measured in one process, one run, on the same page files, one pipeline after the other:

* ``citebrief onnx``: ``citebrief.ingest.ingest`` with the default embedding backend (ONNX
  Runtime, int8 per-channel; ``citebrief.corpus.onnx_embeddings``), real SQLite and FTS5, real
  embedded Chroma in a fresh ``CITEBRIEF_HOME``; plus the ingest's own ``stage_seconds``;
* ``citebrief torch``: the same ingest with ``CITEBRIEF_EMBEDDING_BACKEND=torch`` (sentence-
  transformers, fp32);
* ``langchain``: the pipeline of the LangChain documentation: ``trafilatura.extract`` on each
  file (read, gunzip, decode included), ``RecursiveCharacterTextSplitter`` with the same chunk
  size and overlap, the same local model through sentence-transformers (what
  ``HuggingFaceEmbeddings`` calls, with its defaults) and ``Chroma.from_documents``.

Wall and CPU time (this process, all threads) of each. Every model is loaded and warmed up (and
the ONNX export made) before any timing; that cost is reported apart.

    python benchmarks/ingest.py --quick          # 100 pages, a smoke run
    python benchmarks/ingest.py --out            # 1,000 pages, append to benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "news-html"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TARGET_SPEEDUP = 2.0  # citebrief at least twice as fast as the LangChain pipeline
MIN_ADDED_SHARE = 0.99
REPLACE_SHARE = 0.2  # share of the words of the body text replaced in each copy

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# ------------------------------------------------------------------------------------------------
# pages


# markup kept as it is: elements whose content is not text, comments, tags
_MARKUP = re.compile(
    r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<noscript\b.*?</noscript\s*>"
    r"|<template\b.*?</template\s*>|<!--.*?-->|<[^>]*>)",
    re.I | re.S,
)
_BODY = re.compile(r"<body\b", re.I)
# a word of letters that is not part of an entity such as &amp; or &#8217;
_WORD = re.compile(r"(?<![&#\w])[^\W\d_]{3,}(?![\w;])")
_CANONICAL = re.compile(
    r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>""",
    re.I,
)
_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)
_OG_URL = re.compile(
    r"""<meta\b[^>]*\bproperty\s*=\s*["']og:url["'][^>]*\bcontent\s*=\s*["']([^"']+)["']""",
    re.I,
)
_HEAD_END = re.compile(r"</head\s*>", re.I)


@dataclass(frozen=True, slots=True)
class SourcePage:
    name: str
    html: str
    vocabulary: tuple[str, ...]  # words of its own text, to replace words with


def _split_body(html: str) -> tuple[str, list[str]]:
    """The page before <body>, and the rest split so that even positions are text nodes and
    odd positions are markup."""
    body = _BODY.search(html)
    start = body.start() if body else 0
    return html[:start], _MARKUP.split(html[start:])


def load_sources(folder: Path) -> list[SourcePage]:
    files = sorted((folder / "html").glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no pages under {folder / 'html'}: is ../shared beside the project?")
    pages = []
    for path in files:
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        words: set[str] = set()
        for text in _split_body(html)[1][::2]:
            words.update(_WORD.findall(text))
        vocabulary = tuple(sorted(words)) or ("alpha", "beta", "gamma", "delta", "epsilon")
        pages.append(SourcePage(path.name.removesuffix(".html.gz"), html, vocabulary))
    return pages


def _copy_url(url: str, copy: int) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/") + f"/bench-copy-{copy:05d}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def make_unique(page: SourcePage, copy: int) -> str:
    """The page as copy number ``copy``: its own URL, changed words, an injected sentence."""
    html = page.html
    rng = random.Random(f"{page.name}:{copy}")
    vocabulary = page.vocabulary

    # its own URL: every declared URL (canonical link, og:url) is replaced wherever it appears
    declared = []
    link = _CANONICAL.search(html)
    if link and (href := _HREF.search(link.group(0))):
        declared.append(href.group(1))
    if og := _OG_URL.search(html):
        declared.append(og.group(1))
    for url in dict.fromkeys(declared):
        html = html.replace(url, _copy_url(url, copy))
    if not link:
        own = f'<link rel="canonical" href="https://bench.citebrief.invalid/{page.name}/{copy}">'
        html = _HEAD_END.sub(lambda m: own + m.group(0), html, count=1)

    # changed words: a share of the words of every text node in <body>, replaced with other
    # words of the same page; and a sentence naming the copy added to the longest text node
    head, parts = _split_body(html)
    longest = max(range(0, len(parts), 2), key=lambda i: len(parts[i].strip()))
    for i in range(0, len(parts), 2):
        text = _WORD.sub(
            lambda m: rng.choice(vocabulary) if rng.random() < REPLACE_SHARE else m.group(0),
            parts[i],
        )
        if i == longest:
            words = " ".join(rng.choice(vocabulary) for _ in range(40))
            stripped = text.rstrip()
            text = f"{stripped} Copy {copy} of this page: {words}.{text[len(stripped) :]}"
        parts[i] = text
    return head + "".join(parts)


def write_pages(sources: Sequence[SourcePage], folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for copy in range(count):
        page = sources[copy % len(sources)]
        path = folder / f"page-{copy:05d}-{page.name[:12]}.html.gz"
        path.write_bytes(gzip.compress(make_unique(page, copy).encode("utf-8"), compresslevel=1))
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------------
# the pipelines


@dataclass
class Run:
    name: str
    wall_s: float
    cpu_s: float
    chunks: int
    added: int
    stages: dict[str, float] = field(default_factory=dict)
    load: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0, 0, 0), (0, 0, 0))
    failures: list[str] = field(default_factory=list)


def _timed(name: str, work: Callable[[], tuple[int, int, dict[str, float], list[str]]]) -> Run:
    load_before = os.getloadavg()
    cpu, started = time.process_time(), time.perf_counter()
    chunks, added, stages, failures = work()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(name, wall, cpu, chunks, added, stages, (load_before, os.getloadavg()), failures)


def run_citebrief(
    name: str, pages: list[Path], home: Path, embeddings: Embeddings, **kw: Any
) -> Run:
    from citebrief.corpus.store import Corpus
    from citebrief.corpus.vectors import open_index
    from citebrief.ingest.fetch import Fetcher
    from citebrief.ingest.pipeline import ingest
    from citebrief.models import Outcome
    from citebrief.settings import load_settings

    settings = load_settings(home=home, chroma_url=None, **kw)
    home.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(settings.db_path)
    index = open_index(settings, embeddings)
    fetcher = Fetcher(settings.fetch)

    def work() -> tuple[int, int, dict[str, float], list[str]]:
        report = ingest(
            [str(pages[0].parent)], settings=settings, corpus=corpus, index=index, fetcher=fetcher
        )
        chunks = corpus.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        failed = [
            f"{Path(i.source).name}: {i.outcome} {i.reason}"
            for i in report.items
            if i.outcome is not Outcome.ADDED
        ]
        added = sum(i.outcome is Outcome.ADDED for i in report.items)
        return chunks, added, dict(report.stage_seconds), failed

    try:
        return _timed(name, work)
    finally:
        fetcher.close()
        corpus.close()


class SentenceTransformerEmbeddings:
    """What ``langchain_huggingface.HuggingFaceEmbeddings`` does with its defaults: the
    sentence-transformers model's ``encode`` (batch 32, no normalisation) on the texts."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(texts, show_progress_bar=False).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def run_langchain(pages: list[Path], folder: Path, model: Any) -> Run:
    import chromadb
    import trafilatura
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from citebrief.settings import default_of

    def work() -> tuple[int, int, dict[str, float], list[str]]:
        docs = []
        for path in pages:
            text = trafilatura.extract(gzip.decompress(path.read_bytes()).decode("utf-8"))
            if text:
                docs.append(Document(page_content=text, metadata={"source": path.name}))
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=default_of("chunk_size"), chunk_overlap=default_of("chunk_overlap")
        )
        chunks = splitter.split_documents(docs)
        Chroma.from_documents(
            chunks,
            SentenceTransformerEmbeddings(model),  # type: ignore[arg-type]
            persist_directory=str(folder / "chroma"),
            client_settings=chromadb.config.Settings(
                anonymized_telemetry=False,
                is_persistent=True,
                persist_directory=str(folder / "chroma"),
            ),
        )
        return len(chunks), len(docs), {}, []

    folder.mkdir(parents=True, exist_ok=True)
    return _timed("langchain", work)


# ------------------------------------------------------------------------------------------------
# report


def machine_info() -> dict[str, str]:
    import onnxruntime
    import torch

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "commit": commit or "unknown",
        "cpu": cpu or platform.processor() or "unknown",
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "torch": f"{torch.__version__} ({torch.get_num_threads()} threads)",
        "onnxruntime": onnxruntime.__version__,
    }


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


STAGES = {
    "extract": "main thread: decode + trafilatura with metadata",
    "store": "main thread: dedup (hash, MinHash) + chunking + SQLite",
    "wait-embed": "main thread: blocked on the embedding thread",
    "embed": "embedding thread (overlaps the above): vectors + Chroma",
}


def report_markdown(
    runs: list[Run], info: dict[str, str], setup: dict[str, float], title: str
) -> str:
    base = next(r for r in runs if r.name == "langchain")
    lines = [f"## {title}", ""]
    lines.append(
        f"{info['date']}, commit `{info['commit']}`, {info['nproc']} CPU ({info['cpu']}), "
        f"Python {info['python']}, torch {info['torch']}, onnxruntime {info['onnxruntime']}. "
        "Not timed: " + ", ".join(f"{k} {v:.1f} s" for k, v in setup.items()) + "."
    )
    lines += [
        "",
        "| pipeline | pages added | chunks | wall s | CPU s | chunks/s | wall speed-up vs "
        f"langchain | CPU speed-up | target ≥ {TARGET_SPEEDUP:g} | load avg before → after |",
        "|" + "---|" * 10,
    ]
    for r in runs:
        wall, cpu = base.wall_s / r.wall_s, base.cpu_s / r.cpu_s
        met = "met" if min(wall, cpu) >= TARGET_SPEEDUP else "MISSED"
        lines.append(
            f"| {r.name} | {r.added} | {r.chunks} | {r.wall_s:.1f} | {r.cpu_s:.1f} "
            f"| {r.chunks / r.wall_s:.1f} | **{wall:.2f}** | **{cpu:.2f}** "
            f"| {met if r is not base else '-'} | {_load(r.load[0])} → {_load(r.load[1])} |"
        )
    for r in runs:
        if not r.stages:
            continue
        total = r.stages.get("total", r.wall_s)
        lines += ["", f"Stages of `{r.name}` (`IngestReport.stage_seconds`):", ""]
        lines += ["| stage | seconds | share | what |", "|---|---|---|---|"]
        for stage, what in STAGES.items():
            seconds = r.stages.get(stage, 0.0)
            lines.append(f"| {stage} | {seconds:.1f} | {100 * seconds / total:.1f}% | {what} |")
    lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to ingest (1000)")
    parser.add_argument("--quick", action="store_true", help="a 100-page smoke run")
    parser.add_argument(
        "--out",
        nargs="?",
        const=RESULTS,
        type=Path,
        default=None,
        help=f"append the results section to this file (default {RESULTS.relative_to(ROOT)})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--data", type=Path, default=NEWS, help="the news-html folder")
    args = parser.parse_args(argv)
    count = 100 if args.quick else args.pages
    if count < 1:
        parser.error("--pages must be at least 1")

    import trafilatura

    from citebrief.corpus.embeddings import make_embeddings
    from citebrief.settings import load_settings

    sources = load_sources(args.data)
    print(f"{len(sources)} source pages from {args.data}", file=sys.stderr)
    scratch = Path(tempfile.mkdtemp(prefix="citebrief-bench-"))
    warm = [" ".join(p.vocabulary[:200])[:800] for p in sources][:64]
    setup: dict[str, float] = {}
    try:
        models = scratch / "models"
        started = time.perf_counter()
        onnx = make_embeddings(load_settings(home=scratch / "setup", models_dir=models))
        onnx.embed_documents(warm)
        onnx.embed_query("warm up")
        setup["ONNX export and warm-up"] = time.perf_counter() - started
        started = time.perf_counter()
        torch = make_embeddings(load_settings(home=scratch / "setup", embedding_backend="torch"))
        torch.embed_documents(warm)
        torch.embed_query("warm up")
        model = torch.model  # type: ignore[attr-defined]
        model.encode(warm, show_progress_bar=False)
        trafilatura.extract(sources[0].html)
        setup["torch model load and warm-up"] = time.perf_counter() - started

        pages = write_pages(sources, scratch / "pages", count)
        print(f"{count} unique pages written to {scratch / 'pages'}", file=sys.stderr)
        runs = []
        for name, go in (
            ("langchain", lambda: run_langchain(pages, scratch / "langchain", model)),
            (
                "citebrief torch",
                lambda: run_citebrief(
                    "citebrief torch", pages, scratch / "torch", torch, embedding_backend="torch"
                ),
            ),
            (
                "citebrief onnx",
                lambda: run_citebrief(
                    "citebrief onnx", pages, scratch / "onnx", onnx, models_dir=models
                ),
            ),
        ):
            print(f"{name} ...", file=sys.stderr)
            runs.append(go())
            r = runs[-1]
            print(
                f"{name}: {r.wall_s:.1f} s wall, {r.cpu_s:.1f} s CPU, {r.chunks} chunks",
                file=sys.stderr,
            )
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)

    kind = "quick" if args.quick else "full"
    title = f"Ingest, {count} pages: citebrief next to a LangChain pipeline ({kind} run)"
    text = report_markdown(runs, machine_info(), setup, title)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as out:
            out.write("\n" + text)
        print(f"appended to {args.out}", file=sys.stderr)

    short = [r for r in runs if r.added < MIN_ADDED_SHARE * count]
    for r in short:
        for line in r.failures[:20]:
            print(f"  not added: {line}", file=sys.stderr)
        print(
            f"{r.name}: only {r.added} of {count} pages were added (< {MIN_ADDED_SHARE:.0%}): "
            "the numbers do not measure a full ingest",
            file=sys.stderr,
        )
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
