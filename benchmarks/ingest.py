"""Ingest throughput benchmark: N local pages through the real ``ingest``, next to a floor.

The pages are the shared news pages (``../shared/data/news-html``), replicated to N and each
copy made unique: its own canonical URL, a share of the words of its text (every text node
in ``<body>``, ``<p>`` elements included) replaced with other words of the same page, and an
injected sentence naming the copy, so that neither the exact nor the near-duplicate check
(MinHash, word 5-grams, Jaccard 0.7) flags any copy; the script checks that.

Measured in one process, one run:

* ingest: ``citebrief.ingest.ingest`` on the folder of pages, with real SQLite, real embedded
  Chroma in a temporary ``CITEBRIEF_HOME`` and the real local MiniLM model, timed as one call;
  plus the ingest's own ``stage_seconds``.
* floor: plain ``trafilatura.extract`` on the same page files (read, gunzip, decode included),
  plus plain ``model.encode`` on the very chunk texts the ingest stored (read back from SQLite),
  with the same batch size.

The model is loaded (and warmed up) once before either is timed, and used by both.

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
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from citebrief.corpus.embeddings import LocalEmbeddings

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "news-html"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TARGET_RATIO = 1.15
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
# instrumentation (timing only; the work done is the library's own)


class _Clock:
    """Seconds spent in wrapped calls, from any thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds[name] = self.seconds.get(name, 0.0) + (
                        time.perf_counter() - started
                    )
                    self.calls[name] += 1

        return timed


class _TimedCollection:
    """A Chroma collection whose upsert and delete are timed."""

    def __init__(self, collection: Any, clock: _Clock) -> None:
        self._collection = collection
        self.upsert = clock.wrap("chroma-upsert", collection.upsert)
        self.delete = clock.wrap("chroma-delete", collection.delete)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


# ------------------------------------------------------------------------------------------------
# one run


@dataclass
class RunResult:
    pages: int
    outcomes: dict[str, int]
    chunks: int
    vectors: int
    ingest_s: float
    ingest_cpu_s: float  # CPU seconds of this process, all threads
    floor_cpu_s: float
    stages: dict[str, float]
    inner: dict[str, float]  # encode, chroma-upsert, chroma-delete inside the embed stage
    embed_calls: int
    floor_extract_s: float
    floor_encode_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    setup_s: float
    failures: list[str] = field(default_factory=list)

    @property
    def floor_s(self) -> float:
        return self.floor_extract_s + self.floor_encode_s

    @property
    def ratio(self) -> float:
        return self.ingest_s / self.floor_s


def run_once(pages: list[Path], folder: Path, embeddings: LocalEmbeddings) -> RunResult:
    import trafilatura

    from citebrief.corpus.store import Corpus
    from citebrief.corpus.vectors import VectorIndex, chroma_client
    from citebrief.ingest.fetch import Fetcher
    from citebrief.ingest.pipeline import ingest
    from citebrief.models import Outcome
    from citebrief.settings import LOCAL_EMBEDDING_MODEL, load_settings

    home = folder / "home"
    settings = load_settings(
        home=home,
        chroma_url=None,
        embedding_provider="local",
        embedding_model=LOCAL_EMBEDDING_MODEL,
        embed_batch_size=embeddings.batch_size,
    )
    model = embeddings.model  # loaded and warmed up once, shared by every run and the floor
    clock = _Clock()
    started = time.perf_counter()
    home.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(settings.db_path)
    model_encode = model.encode
    index = VectorIndex(
        chroma_client(settings), settings.index.collection, embeddings, settings.index.model_key
    )
    index.collection = _TimedCollection(index.collection, clock)
    fetcher = Fetcher(settings.fetch)
    setup_s = time.perf_counter() - started

    load_before = os.getloadavg()
    model.encode = clock.wrap("encode", model_encode)  # instance attribute: timing only
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        report = ingest(
            [str(pages[0].parent)], settings=settings, corpus=corpus, index=index, fetcher=fetcher
        )
        ingest_s = time.perf_counter() - started
        ingest_cpu_s = time.process_time() - cpu
    finally:
        del model.encode
        fetcher.close()
    chunks = corpus.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    vectors = index.count()
    corpus.close()
    outcomes = Counter(str(item.outcome) for item in report.items)
    failures = [
        f"{Path(item.source).name}: {item.outcome} {item.reason}"
        for item in report.items
        if item.outcome is not Outcome.ADDED
    ]

    # the floor: plain extraction of the same files, plain encoding of the same chunk texts
    cpu = time.process_time()
    started = time.perf_counter()
    for path in pages:
        trafilatura.extract(gzip.decompress(path.read_bytes()).decode("utf-8"))
    floor_extract_s = time.perf_counter() - started

    with sqlite3.connect(settings.db_path) as db:
        texts = [row[0] for row in db.execute("SELECT text FROM chunks ORDER BY rowid")]
    started = time.perf_counter()
    model.encode(texts, batch_size=embeddings.batch_size, show_progress_bar=False)
    floor_encode_s = time.perf_counter() - started
    floor_cpu_s = time.process_time() - cpu  # includes reading the chunk texts back (tiny)
    load_after = os.getloadavg()

    return RunResult(
        pages=len(pages),
        outcomes=dict(outcomes),
        chunks=chunks,
        vectors=vectors,
        ingest_s=ingest_s,
        ingest_cpu_s=ingest_cpu_s,
        floor_cpu_s=floor_cpu_s,
        stages=dict(report.stage_seconds),
        inner=dict(clock.seconds),
        embed_calls=clock.calls["encode"],
        floor_extract_s=floor_extract_s,
        floor_encode_s=floor_encode_s,
        load_before=load_before,
        load_after=load_after,
        setup_s=setup_s,
        failures=failures,
    )


# ------------------------------------------------------------------------------------------------
# report


def machine_info() -> dict[str, str]:
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
        "host": platform.node(),
        "cpu": cpu or platform.processor() or "unknown",
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": str(torch.get_num_threads()),
    }


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


STAGE_NOTES = {
    "recover": "finish work a killed run left (nothing here)",
    "extract": "main thread: decode + trafilatura with metadata",
    "store": "main thread: dedup (hash, MinHash) + chunking + SQLite",
    "wait-embed": "main thread: blocked on the embedding thread",
    "embed": "embedding thread (overlaps the above): encode + Chroma",
}


def report_markdown(
    results: list[RunResult], info: dict[str, str], model_load_s: float, title: str
) -> str:
    lines = [f"## {title}", ""]
    lines.append(
        f"{info['date']}, commit `{info['commit']}`, {info['nproc']} CPU ({info['cpu']}), "
        f"Python {info['python']}, torch {info['torch']} with {info['torch_threads']} threads. "
        f"Model load and warm-up: {model_load_s:.1f} s (excluded from both sides)."
    )
    lines.append("")
    lines.append(
        "| run | pages | chunks | ingest s | pages/s | chunks/s | floor extract s "
        "| floor encode s | floor s | ingest / floor | target ≤ 1.15 | load avg before / after |"
    )
    lines.append("|" + "---|" * 12)
    for n, r in enumerate(results, 1):
        verdict = "met" if r.ratio <= TARGET_RATIO else "MISSED"
        lines.append(
            f"| {n} | {r.pages} | {r.chunks} | {r.ingest_s:.1f} | {r.pages / r.ingest_s:.2f} "
            f"| {r.chunks / r.ingest_s:.2f} | {r.floor_extract_s:.1f} | {r.floor_encode_s:.1f} "
            f"| {r.floor_s:.1f} | **{r.ratio:.3f}** | {verdict} "
            f"| {_load(r.load_before)} → {_load(r.load_after)} |"
        )
    if len(results) > 1:
        lines.append("")
        lines.append(
            f"Median ratio over {len(results)} runs: "
            f"**{statistics.median(r.ratio for r in results):.3f}**."
        )
    r = results[-1]
    lines.append("")
    lines.append(
        f"Stage split of run {len(results)} (`IngestReport.stage_seconds`, percent of the "
        f"ingest's {r.ingest_s:.1f} s):"
    )
    lines.append("")
    lines.append("| stage | seconds | share of ingest | what |")
    lines.append("|---|---|---|---|")
    total = r.stages.get("total", r.ingest_s)
    main = 0.0
    for stage in ("recover", "extract", "store", "wait-embed", "embed"):
        seconds = r.stages.get(stage, 0.0)
        if stage != "embed":
            main += seconds
        lines.append(f"| {stage} | {seconds:.1f} | {_pct(seconds, total)} | {STAGE_NOTES[stage]} |")
    other = total - main
    lines.append(
        f"| (main, unattributed) | {other:.1f} | {_pct(other, total)} "
        "| main thread: reading + gunzip of files, bookkeeping |"
    )
    encode = r.inner.get("encode", 0.0)
    upsert = r.inner.get("chroma-upsert", 0.0)
    delete = r.inner.get("chroma-delete", 0.0)
    rest = r.stages.get("embed", 0.0) - encode - upsert - delete
    for name, seconds, what in (
        ("embed: model.encode", encode, f"inside embed, {r.embed_calls} calls"),
        ("embed: Chroma upsert", upsert, "inside embed"),
        ("embed: Chroma delete", delete, "inside embed (stale vectors of each batch)"),
        ("embed: rest", rest, "inside embed: vectors to lists, metadata"),
    ):
        lines.append(f"| {name} | {seconds:.1f} | {_pct(seconds, total)} | {what} |")
    lines.append(f"| total | {total:.1f} | 100% | |")
    lines.append("")
    lines.append("Floor split:")
    lines.append("")
    lines.append("| floor part | seconds | share of floor |")
    lines.append("|---|---|---|")
    lines.append(
        f"| trafilatura.extract (read, gunzip, decode, extract) | {r.floor_extract_s:.1f} "
        f"| {_pct(r.floor_extract_s, r.floor_s)} |"
    )
    lines.append(
        f"| model.encode ({r.chunks} chunks) | {r.floor_encode_s:.1f} "
        f"| {_pct(r.floor_encode_s, r.floor_s)} |"
    )
    lines.append(f"| total | {r.floor_s:.1f} | 100% |")
    lines.append("")
    encode = r.inner.get("encode", 0.0)
    lines.append(
        f"Same encoding work on both sides: model.encode ran at {r.chunks / encode:.2f} chunks/s "
        f"inside the ingest (beside extraction in the main thread) and at "
        f"{r.chunks / r.floor_encode_s:.2f} chunks/s in the floor; CPU time of this process "
        f"(all threads): ingest {r.ingest_cpu_s:.1f} s, floor {r.floor_cpu_s:.1f} s "
        f"(ratio {r.ingest_cpu_s / r.floor_cpu_s:.3f})."
        if encode and r.floor_encode_s and r.floor_cpu_s
        else "No chunks were encoded."
    )
    lines.append("")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items()))
    lines.append(
        f"Outcomes: {outcomes}; {r.vectors} vectors for {r.chunks} chunks; "
        f"workspace setup (SQLite, Chroma) {r.setup_s:.1f} s, not timed."
    )
    lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to ingest (1000)")
    parser.add_argument("--quick", action="store_true", help="a 100-page smoke run")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh home (1)")
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
    if count < 1 or args.repeat < 1:
        parser.error("--pages and --repeat must be at least 1")

    from citebrief.corpus.embeddings import LocalEmbeddings
    from citebrief.settings import default_of

    embed_batch = default_of("embed_batch_size")
    sources = load_sources(args.data)
    print(f"{len(sources)} source pages from {args.data}", file=sys.stderr)

    started = time.perf_counter()
    embeddings = LocalEmbeddings(batch_size=embed_batch)
    embeddings.embed_query("warm up")  # loads the model
    # and a full batch of article-length texts, so that neither side pays first-call costs
    embeddings.embed_documents([" ".join(p.vocabulary[:200])[:800] for p in sources][:embed_batch])
    import trafilatura

    trafilatura.extract(sources[0].html)  # first-call set-up, outside both timings
    model_load_s = time.perf_counter() - started
    print(f"model loaded and warmed up in {model_load_s:.1f} s", file=sys.stderr)

    info = machine_info()
    results: list[RunResult] = []
    scratch = Path(tempfile.mkdtemp(prefix="citebrief-bench-"))
    try:
        pages = write_pages(sources, scratch / "pages", count)
        print(f"{count} unique pages written to {scratch / 'pages'}", file=sys.stderr)
        for n in range(args.repeat):
            folder = scratch / f"run-{n + 1}"
            print(f"run {n + 1}/{args.repeat}: ingest, then floor ...", file=sys.stderr)
            result = run_once(pages, folder, embeddings)
            results.append(result)
            print(
                f"run {n + 1}: ingest {result.ingest_s:.1f} s, floor {result.floor_s:.1f} s "
                f"(extract {result.floor_extract_s:.1f} + encode {result.floor_encode_s:.1f}), "
                f"ratio {result.ratio:.3f}; outcomes {result.outcomes}",
                file=sys.stderr,
            )
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)

    title = f"Ingest, {count} pages ({'quick' if args.quick else 'full'} run)"
    text = report_markdown(results, info, model_load_s, title)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as out:
            out.write("\n" + text)
        print(f"appended to {args.out}", file=sys.stderr)

    added = min(r.outcomes.get("added", 0) for r in results)
    if added < MIN_ADDED_SHARE * count:
        for line in results[-1].failures[:20]:
            print(f"  not added: {line}", file=sys.stderr)
        print(
            f"only {added} of {count} pages were added (< {MIN_ADDED_SHARE:.0%}): "
            "the copies are not unique enough, the numbers do not measure a full ingest",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
