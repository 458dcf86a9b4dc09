"""Briefing and retrieval benchmark: ``build_briefing`` on a 5,000-chunk corpus, split by stage,
and retrieval latency at 10k and 100k chunks next to a bare Chroma query on the same collection.

The corpus is real SQLite (``Corpus``) and real embedded Chroma (``VectorIndex``) in a temporary
``CITEBRIEF_HOME``, built from the shared news pages (``../shared/data/news-html``, read in place)
and the sample pages (``corpus/pages``): each page is extracted with citebrief's own
``extract_html`` and chunked with ``chunk_text``; then the pages are replicated, round robin,
until the corpus holds the wanted number of chunks. Copy 0 of a page is its real text; every
other copy replaces a share of its words with other words *of the same length* from the same
page, so that its chunk boundaries are those of the original. Every copy is its own article
(own URL and id, its own MinHash signature) with a date spread over two weeks.

Vectors: the unique chunks of the original pages are embedded once with the real local MiniLM;
copy 0 gets those vectors, every other copy gets its original chunk's vector plus Gaussian noise,
renormalised, the noise calibrated so that the mean cosine to the original equals the one the
real model gives for real copies (measured here on a sample of copies). Queries are always
embedded by the real model, inside ``retrieve``, as in use.

Measured, in one process, the model loaded and warmed up first (reported apart):

* briefings: ``build_briefing`` with ``ExtractiveWriter`` and the default verifier for a few
  topics, all dates and a weekly (7-day) window, each run split into its own ``.timings``
  (retrieval, writing, verification) plus rendering (Markdown, HTML, JSON) timed apart;
* retrieval: ``retrieve`` over ~100 varied queries at each size, all dates and a 7-day window,
  split into query embedding, dense (Chroma), keyword (FTS5), fetching candidate vectors, SQLite
  reads, MMR and the rest (fusion, similarities, passages) by wrapping those calls with timers;
  next to a bare ``collection.query`` with the precomputed query embedding (n_results=dense_k)
  on the same collection, and the query embedding alone.

    python benchmarks/brief.py --quick          # small sizes, a smoke run
    python benchmarks/brief.py --out            # full sizes, append to benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from citebrief.corpus.embeddings import LocalEmbeddings
    from citebrief.corpus.store import Corpus
    from citebrief.corpus.vectors import VectorIndex
    from citebrief.models import Article, Chunk, Extracted, Span, Window
    from citebrief.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "news-html"
SAMPLES = ROOT / "corpus" / "pages"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## brief.py"

TARGET_BRIEF_S = 3.0
TARGET_P95_MS = 50.0
FIRST_DAY = date(2026, 11, 9)  # copies are dated over two weeks from here
DAYS = 14
WEEK = (FIRST_DAY + timedelta(days=7), FIRST_DAY + timedelta(days=13))  # the last 7 days
REPLACE_SHARE = 0.15  # share of the words of a copy replaced by same-length words
UPSERT_BATCH = 4000  # chunks per add_embedded call (Chroma's max batch is above this)
SEED = 20261109

# briefing topics: the sample corpus's own topics, and stories the shared news pages cover
BRIEF_TOPICS = (
    "HBM export controls",
    "Huawei Ascend and domestic AI chips",
    "Nvidia China sales",
    "bubonic plague cases in China",
    "MacBook Pro keyboard",
)
# hand-written queries for the retrieval set (titles and phrases of the pages are added)
QUERIES = (
    "US-China trade talks in Singapore",
    "SMIC capacity and yields",
    "CXMT HBM3 shipments",
    "compute vouchers and the domestic chip quota",
    "memory stocks after the export rule",
    "impeachment inquiry testimony",
    "Gordon Sondland testimony",
    "feather duvet lung",
    "hibernating astronauts",
    "Black Friday deals",
    "Taylor Swift record label dispute",
    "Jose Mourinho Tottenham",
    "Star Wars Jedi Fallen Order review",
    "Google Stadia performance",
    "solar costs in South Korea",
    "oil prices and trade doubts",
    "Home Depot earnings",
    "cannabis use disorder",
    "PG&E power shutoff",
    "Europa water plumes",
    "smartphone sales",
    "electric vehicles at the LA auto show",
    "Davis Cup finals",
    "plague in Inner Mongolia",
    "new 16-inch MacBook Pro",
)

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# base pages and their copies

_LETTERS = re.compile(r"[^\W\d_]{3,}")


@dataclass(slots=True)
class BasePage:
    name: str
    url: str
    extracted: Extracted
    spans: list[Span]
    vocabulary: dict[int, tuple[str, ...]]  # word length -> words of the page
    vectors: np.ndarray[Any, Any] | None = None  # real vectors of ``spans``, one row each


def load_base_pages(news: Path, samples: Path, settings: Settings) -> list[BasePage]:
    from citebrief.corpus.chunking import chunk_text
    from citebrief.errors import ExtractionError
    from citebrief.ingest.extract import decode, extract_html

    files = sorted((news / "html").glob("*.html.gz")) + sorted(samples.glob("*.html"))
    if not files:
        raise SystemExit(f"no pages under {news / 'html'} or {samples}")
    pages = []
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        name = path.name.split(".")[0]
        try:
            extracted = extract_html(decode(raw).text, "", settings.ingest.min_text_chars)
        except ExtractionError as exc:
            log(f"skipped {path.name}: {exc}")
            continue
        url = extracted.url or f"https://bench.citebrief.invalid/{name}"
        spans = chunk_text(
            extracted.text, settings.chunking.chunk_size, settings.chunking.chunk_overlap
        )
        by_length: dict[int, set[str]] = {}
        for word in _LETTERS.findall(extracted.text):
            by_length.setdefault(len(word), set()).add(word.lower())
        vocabulary = {n: tuple(sorted(words)) for n, words in by_length.items()}
        pages.append(BasePage(name[:24], url, extracted, spans, vocabulary))
    return pages


def vary(text: str, vocabulary: dict[int, tuple[str, ...]], rng: random.Random) -> str:
    """Replace a share of the words with other words of the same length from the same page,
    keeping an initial capital: every character that the splitter cuts at stays in place."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= REPLACE_SHARE:
            return word
        other = rng.choice(vocabulary[len(word)])
        if word[0].isupper():
            other = other[0].upper() + other[1:]
        return other if len(other) == len(word) else word

    return _LETTERS.sub(swap, text)


def _copy_url(url: str, copy: int) -> str:
    return f"{url.split('#')[0].rstrip('/')}/bench-copy-{copy:05d}"


def make_copy(
    page: BasePage, page_number: int, copy: int, settings: Settings
) -> tuple[Article, list[Span], int]:
    """Copy ``copy`` of a page as an article with its spans; the last value counts spans that
    do not line up with the original's (their vectors then come from the nearest original)."""
    from citebrief.corpus import dedup
    from citebrief.corpus.chunking import chunk_text
    from citebrief.ingest.urls import article_id, canonical_url, host_of
    from citebrief.models import Article

    e = page.extracted
    if copy == 0:
        text, spans = e.text, page.spans
    else:
        text = vary(e.text, page.vocabulary, random.Random(f"{page.name}:{copy}"))
        spans = chunk_text(text, settings.chunking.chunk_size, settings.chunking.chunk_overlap)
    misaligned = sum(
        1
        for i, s in enumerate(spans)
        if i >= len(page.spans) or (s.start, s.end) != (page.spans[i].start, page.spans[i].end)
    )
    url = _copy_url(page.url, copy)
    canonical = canonical_url(url)
    day = (FIRST_DAY + timedelta(days=(page_number * 5 + copy * 3) % DAYS)).isoformat()
    article = Article(
        id=article_id(canonical),
        url=url,
        canonical_url=canonical,
        text=text,
        content_hash=dedup.content_hash(text),
        location=f"bench://{page.name}/{copy}",
        title=e.title,
        author=e.author,
        site_name=e.site_name or host_of(url),
        published=day,
        language=e.language,
        fetched_at=f"{day}T12:00:00+00:00",
        source="benchmarks/brief.py",
        sample=e.sample,
        minhash=dedup.minhash(text),
    )
    return article, spans, misaligned


def noisy(
    base: np.ndarray[Any, Any], sigma: float, rng: np.random.Generator
) -> np.ndarray[Any, Any]:
    out = base + sigma * rng.standard_normal(base.shape).astype(np.float32)
    normalised: np.ndarray[Any, Any] = out / np.linalg.norm(out, axis=1, keepdims=True)
    return normalised


def base_vectors(
    texts: list[str], embeddings: LocalEmbeddings, cache: Path | None
) -> tuple[np.ndarray[Any, Any], bool]:
    """The real vectors of the unique chunks; with ``cache``, kept in that .npy file between
    runs (keyed by a hash of the texts), to save a few minutes while developing."""
    import hashlib

    key = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = cache.with_name(f"{cache.stem}-{key}.npy") if cache else None
    if path is not None and path.is_file():
        log(f"base vectors from {path}")
        return np.load(path), True
    vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    if path is not None:
        np.save(path, vectors)
    return vectors, False


def calibrate(
    pages: list[BasePage], embeddings: LocalEmbeddings, settings: Settings, samples: int
) -> tuple[float, float]:
    """Mean cosine between the real vectors of copies and of their originals, on ``samples``
    aligned chunks; and the noise sigma that gives the same mean cosine."""
    rng = random.Random(SEED)
    texts: list[str] = []
    bases: list[np.ndarray[Any, Any]] = []
    while len(texts) < samples:
        number = rng.randrange(len(pages))
        page = pages[number]
        assert page.vectors is not None
        _, spans, _ = make_copy(page, number, rng.randrange(1, 50), settings)
        i = rng.randrange(len(spans))
        if i < len(page.spans) and spans[i].start == page.spans[i].start:
            texts.append(spans[i].text)
            bases.append(page.vectors[i])
    real = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    cosine = float(np.mean(np.sum(real * np.vstack(bases), axis=1)))
    cosine = min(max(cosine, 0.5), 0.999)
    dimension = real.shape[1]
    return cosine, float(np.sqrt((1 / cosine**2 - 1) / dimension))


# ------------------------------------------------------------------------------------------------
# the corpus, grown in place


@dataclass
class BuildLog:
    chunks: int = 0
    articles: int = 0
    misaligned: int = 0
    make_s: float = 0.0  # texts, MinHash, chunking
    sqlite_s: float = 0.0  # Corpus.save, mark_indexed
    chroma_s: float = 0.0  # VectorIndex.add_embedded
    cosines: list[float] = field(default_factory=list)  # noisy copy vs original, a sample


class Builder:
    """Adds copies of the base pages, round robin, to SQLite and Chroma until a chunk count."""

    def __init__(
        self,
        pages: list[BasePage],
        corpus: Corpus,
        index: VectorIndex,
        settings: Settings,
        sigma: float,
    ) -> None:
        self.pages = pages
        self.corpus = corpus
        self.index = index
        self.settings = settings
        self.sigma = sigma
        self.log = BuildLog()
        self.serial = 0
        self._rows: list[Chunk] = []
        self._vectors: list[np.ndarray[Any, Any]] = []
        self._meta: dict[str, dict[str, Any]] = {}
        self._hashes: dict[str, str] = {}

    def grow(self, target: int) -> None:
        from citebrief.corpus.sync import vector_meta

        while self.log.chunks < target:
            number = self.serial % len(self.pages)
            copy = self.serial // len(self.pages)
            self.serial += 1
            page = self.pages[number]
            assert page.vectors is not None
            started = time.perf_counter()
            article, spans, misaligned = make_copy(page, number, copy, self.settings)
            rows_of = [min(i, len(page.spans) - 1) for i in range(len(spans))]
            base = page.vectors[rows_of]
            if copy == 0:
                vectors = base
            else:
                vectors = noisy(base, self.sigma, np.random.default_rng([SEED, self.serial]))
                if len(self.log.cosines) < 2000:
                    self.log.cosines.extend(np.sum(vectors * base, axis=1).tolist())
            self.log.make_s += time.perf_counter() - started
            started = time.perf_counter()
            rows = self.corpus.save(article, spans)
            self.log.sqlite_s += time.perf_counter() - started
            self._rows.extend(rows)
            self._vectors.extend(vectors)
            self._meta[article.id] = vector_meta(article)
            self._hashes[article.id] = article.content_hash
            self.log.chunks += len(rows)
            self.log.articles += 1
            self.log.misaligned += misaligned
            if len(self._rows) >= UPSERT_BATCH:
                self.flush()
        self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        started = time.perf_counter()
        vectors = np.vstack(self._vectors).tolist()
        self.index.add_embedded(self._rows, vectors, self._meta)
        self.log.chroma_s += time.perf_counter() - started
        started = time.perf_counter()
        self.corpus.mark_indexed(list(self._hashes), self._hashes)
        self.log.sqlite_s += time.perf_counter() - started
        self._rows, self._vectors, self._meta, self._hashes = [], [], {}, {}


# ------------------------------------------------------------------------------------------------
# instrumentation: exclusive time of wrapped calls (a call inside another counts for the inner)


class StageClock:
    """Exclusive time per stage; each thread keeps its own call stack (``retrieve`` embeds
    and searches Chroma in a worker thread while the main thread runs the keyword search)."""

    def __init__(self) -> None:
        self.current: dict[str, float] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    @property
    def _stack(self) -> list[float]:  # time spent in children of each open call, this thread
        stack: list[float] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def reset(self) -> dict[str, float]:
        done, self.current = self.current, {}
        return done

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                stack = self._stack
                children = stack.pop()
                with self._lock:
                    self.current[name] = self.current.get(name, 0.0) + elapsed - children
                if stack:
                    stack[-1] += elapsed

        return timed


@contextmanager
def instrumented(corpus: Corpus, index: VectorIndex, clock: StageClock) -> Iterator[None]:
    """Wrap the calls ``retrieve`` makes with timers (instance and module attributes; the work
    done is the library's own)."""
    import citebrief.stories.rank as rank_module

    embeddings: Any = index.embeddings
    patched: list[tuple[Any, str]] = []
    for owner, attribute, stage in (
        (embeddings, "embed_query", "embed query"),
        (index, "nearest", "dense (Chroma query)"),
        (index, "search_vector", "dense (Chroma query)"),  # older versions
        (corpus, "keyword_search", "keyword (FTS5)"),
        (index, "vectors", "candidate vectors (Chroma get)"),
        (corpus, "chunk_owners", "SQLite reads"),
        (corpus, "get", "SQLite reads"),
        (corpus, "chunk", "SQLite reads"),
        (corpus, "signature", "SQLite reads"),  # older versions: one MinHash a call
        (corpus, "signatures_of", "SQLite reads"),  # the MinHashes of every candidate
    ):
        if not hasattr(owner, attribute):
            continue
        setattr(owner, attribute, clock.wrap(stage, getattr(owner, attribute)))
        patched.append((owner, attribute))
    mmr = rank_module.mmr
    rank_module.mmr = clock.wrap("MMR", mmr)
    try:
        yield
    finally:
        rank_module.mmr = mmr
        for owner, attribute in patched:
            delattr(owner, attribute)


PARALLEL = "side by side: the slower of embed + dense and keyword"
SIDE_BY_SIDE = {"embed query", "dense (Chroma query)", "keyword (FTS5)", PARALLEL}
RETRIEVAL_STAGES = (
    "embed query",
    "dense (Chroma query)",
    "keyword (FTS5)",
    PARALLEL,
    "candidate vectors (Chroma get)",
    "SQLite reads",
    "MMR",
    "rest (fusion, similarities, passages)",
)


# ------------------------------------------------------------------------------------------------
# measurements


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else 0.0


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f}"


@dataclass
class BriefRun:
    topic: str
    window: str
    stages: dict[str, float]  # retrieval, writing, verification, render md/html/json
    call_s: float  # build_briefing, wall clock around the call
    passages: int
    sources: int
    sentences: int
    supported: int
    flagged: int
    error: str = ""

    @property
    def render_s(self) -> float:
        return sum(v for k, v in self.stages.items() if k.startswith("render"))

    @property
    def total_s(self) -> float:
        return self.call_s + self.render_s


@dataclass
class BriefStats:
    chunks: int
    articles: int
    runs: list[BriefRun]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


def measure_briefings(
    corpus: Corpus,
    index: VectorIndex,
    settings: Settings,
    topics: Sequence[str],
    reps: int,
    chunks: int,
    articles: int,
) -> BriefStats:
    from citebrief.brief.briefing import build_briefing
    from citebrief.brief.render import to_html, to_json, to_markdown
    from citebrief.brief.writers import ExtractiveWriter
    from citebrief.errors import ThinEvidenceError
    from citebrief.models import Desk, Window
    from citebrief.stories.retrieve import Evidence
    from citebrief.verify import make_verifier

    verifier = make_verifier("offline", settings, index.embeddings)  # the default
    evidence = Evidence(corpus, index, settings.retrieval)
    desk = Desk(ExtractiveWriter(), verifier)

    windows = {"all dates": Window(), "7 days": Window(*WEEK)}
    runs = []
    # one unmeasured pass: first-call costs (SQLite pages, Chroma segments, regexes)
    for topic in topics[:2]:
        with suppress(ThinEvidenceError):
            build_briefing(topic, evidence, desk)
    load_before = os.getloadavg()
    for rep in range(reps):
        for label, window in windows.items():
            for topic in topics:
                started = time.perf_counter()
                try:
                    b = build_briefing(topic, evidence, desk, window=window)
                except ThinEvidenceError as exc:
                    call_s = time.perf_counter() - started
                    runs.append(BriefRun(topic, label, {}, call_s, 0, 0, 0, 0, 0, str(exc)))
                    continue
                call_s = time.perf_counter() - started
                stages = dict(b.timings)
                for name, render in (("md", to_markdown), ("html", to_html), ("json", to_json)):
                    started = time.perf_counter()
                    render(b)
                    stages[f"render {name}"] = time.perf_counter() - started
                r = b.report
                runs.append(
                    BriefRun(
                        topic,
                        label,
                        stages,
                        call_s,
                        b.retrieval["passages"],
                        len(b.sources),
                        r.sentences,
                        r.supported,
                        r.flagged,
                    )
                )
                if rep == 0:
                    log(
                        f"  {label:9} {topic[:36]:36} total {runs[-1].total_s:.3f} s: "
                        + ", ".join(f"{k} {v:.3f}" for k, v in stages.items())
                    )
    return BriefStats(chunks, articles, runs, load_before, os.getloadavg())


@dataclass
class RetrievalStats:
    chunks: int
    articles: int
    window: str
    total: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)
    bare: list[float] = field(default_factory=list)  # same include as search_vector
    bare_ids: list[float] = field(default_factory=list)  # ids and distances only
    embed_alone: list[float] = field(default_factory=list)
    embed_two_threads: list[float] = field(default_factory=list)  # model.encode, 2 threads
    passages: list[int] = field(default_factory=list)
    keyword_hits: list[int] = field(default_factory=list)  # chunks the FTS query matches
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def measure_retrieval(
    corpus: Corpus,
    index: VectorIndex,
    settings: Settings,
    queries: Sequence[str],
    chunks: int,
    articles: int,
) -> list[RetrievalStats]:
    import torch

    from citebrief.corpus.fts import fts_query
    from citebrief.models import Window
    from citebrief.stories.retrieve import Evidence, _where, retrieve

    evidence = Evidence(corpus, index, settings.retrieval)

    embeddings: Any = index.embeddings
    # the query embedding alone, and the vectors for the bare queries
    embed_alone, vectors = [], []
    for query in queries:
        started = time.perf_counter()
        vectors.append(embeddings.embed_query(query))
        embed_alone.append(time.perf_counter() - started)
    # embed_query runs on one torch thread; the same text through model.encode with torch's
    # default thread count (2 here), for comparison: on a busy machine the OpenMP barrier
    # between two threads costs a lot
    embed_two_threads = []
    model = getattr(embeddings, "model", None)
    for query in queries if model is not None else ():
        started = time.perf_counter()
        model.encode([query], normalize_embeddings=True, show_progress_bar=False)
        embed_two_threads.append(time.perf_counter() - started)
    log(f"  torch threads: {torch.get_num_threads()} (embed_query uses 1)")
    matches = []
    for query in queries:
        match = fts_query(query)
        sql = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?"
        matches.append(int(corpus.db.execute(sql, (match,)).fetchone()[0]) if match else 0)

    out = []
    clock = StageClock()
    windows: dict[str, Window] = {"all dates": Window(), "7 days": Window(*WEEK)}
    for label, window in windows.items():
        stats = RetrievalStats(chunks, articles, label, embed_alone=embed_alone)
        stats.embed_two_threads = embed_two_threads
        stats.keyword_hits = matches
        where = _where(window)
        for query in queries[:5]:  # warm-up, not measured
            retrieve(query, evidence, window)
        stats.load_before = os.getloadavg()
        with instrumented(corpus, index, clock):
            for query, vector in zip(queries, vectors, strict=True):
                clock.reset()
                started = time.perf_counter()
                got = retrieve(query, evidence, window)
                total = time.perf_counter() - started
                parts = clock.reset()
                # embed + dense run in a worker thread beside the keyword search
                side = max(
                    parts.get("embed query", 0.0) + parts.get("dense (Chroma query)", 0.0),
                    parts.get("keyword (FTS5)", 0.0),
                )
                parts[PARALLEL] = side
                after = sum(v for k, v in parts.items() if k not in SIDE_BY_SIDE)
                parts["rest (fusion, similarities, passages)"] = max(0.0, total - side - after)
                stats.total.append(total)
                stats.passages.append(len(got.passages))
                for stage in RETRIEVAL_STAGES:
                    stats.stages.setdefault(stage, []).append(parts.get(stage, 0.0))

                started = time.perf_counter()
                index.collection.query(
                    query_embeddings=[vector],
                    n_results=settings.retrieval.dense_k,
                    where=where,
                    include=["documents", "metadatas", "distances"],
                )
                stats.bare.append(time.perf_counter() - started)
                started = time.perf_counter()
                index.collection.query(
                    query_embeddings=[vector],
                    n_results=settings.retrieval.dense_k,
                    where=where,
                    include=["distances"],
                )
                stats.bare_ids.append(time.perf_counter() - started)
        stats.load_after = os.getloadavg()
        log(
            f"  {chunks} chunks, {label}: retrieve p50 {ms(pct(stats.total, 50))} ms, "
            f"p95 {ms(pct(stats.total, 95))} ms; bare Chroma p50 {ms(pct(stats.bare, 50))} ms, "
            f"p95 {ms(pct(stats.bare, 95))} ms"
        )
        out.append(stats)
    return out


def profile_retrieval(
    corpus: Corpus, index: VectorIndex, settings: Settings, queries: Sequence[str]
) -> str:
    from citebrief.stories.retrieve import Evidence, retrieve

    evidence = Evidence(corpus, index, settings.retrieval)
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        retrieve(query, evidence)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(25)
    return stream.getvalue()


def make_queries(pages: list[BasePage], count: int) -> list[str]:
    """Hand-written topics, then titles of the English pages, then 3-6 word phrases from
    random chunks, to ``count`` queries, the same every run."""
    rng = random.Random(SEED)
    queries = list(BRIEF_TOPICS) + list(QUERIES)
    titles = [
        " ".join(p.extracted.title.split()[:10])
        for p in pages
        if p.extracted.title and p.extracted.language in ("en", "")
    ]
    rng.shuffle(titles)
    queries += titles[: max(0, count // 2 - len(queries))]
    while len(queries) < count:
        page = rng.choice(pages)
        words = re.findall(r"[A-Za-z][A-Za-z'-]+", rng.choice(page.spans).text)
        if len(words) >= 8:
            n = rng.randint(3, 6)
            start = rng.randrange(len(words) - n)
            queries.append(" ".join(words[start : start + n]))
    return list(dict.fromkeys(queries))[:count]


# ------------------------------------------------------------------------------------------------
# report


def _commit() -> str:
    """The checked-out commit, read from .git without running git."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:10]
        ref = head[5:]
        if (git / ref).is_file():
            return (git / ref).read_text().strip()[:10]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:10]
    except OSError:
        pass
    return "unknown"


def machine_info() -> dict[str, str]:
    import sqlite3

    import chromadb
    import torch

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
        "commit": _commit(),
        "cpu": cpu or platform.processor() or "unknown",
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "torch": f"{torch.__version__} ({torch.get_num_threads()} threads)",
        "chromadb": chromadb.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


@dataclass
class Setup:
    pages: int
    base_chunks: int
    model_load_s: float
    base_embed_s: float
    base_cached: bool
    calibration_cosine: float
    calibration_samples: int
    sigma: float
    settings: dict[str, Any]
    builds: list[tuple[int, BuildLog, float]]  # (target, log, seconds of the step)


def report_markdown(
    setup: Setup,
    brief: BriefStats,
    brief_large: BriefStats | None,
    retrieval: list[RetrievalStats],
    info: dict[str, str],
    quick: bool,
    with_heading: bool,
) -> str:
    lines: list[str] = []
    if with_heading:
        lines += [
            HEADING,
            "",
            "Made by `benchmarks/brief.py` (see `benchmarks/README.md`): `build_briefing` with "
            "the extractive writer and the default (offline) verifier on a ~5,000-chunk corpus, "
            "split into its stages, and `retrieve` latency at 10k and 100k chunks next to a bare "
            "Chroma query on the same collection. Real SQLite, real embedded Chroma, the real "
            "local MiniLM for every query; the corpus is the shared news pages and the sample "
            "pages, replicated with word-level variations (see below for how the vectors of the "
            "copies are made). Targets: a briefing under 3 s; retrieval p95 under 50 ms at 100k "
            "chunks.",
            "",
        ]
    kind = "quick" if quick else "full"
    lines += [f"### Briefing and retrieval ({kind} run, {info['date'][:10]})", ""]
    lines.append(
        f"{info['date']}, commit `{info['commit']}`, {info['nproc']} CPU ({info['cpu']}), "
        f"Python {info['python']}, torch {info['torch']}, chromadb {info['chromadb']}, "
        f"SQLite {info['sqlite']}. Shared machine: other agents' tests ran meanwhile; the "
        "load averages (1 / 5 / 15 min) at each measurement are in the tables."
    )
    lines.append("")
    lines.append(
        f"**Corpus.** {setup.pages} base pages (extracted with `extract_html`, chunked with "
        f"`chunk_text` at {setup.settings['chunk_size']}/{setup.settings['chunk_overlap']}) "
        f"give {setup.base_chunks} unique chunks, embedded once with the real model "
        f"({setup.base_embed_s:.1f} s{', read from a cache' if setup.base_cached else ''}). "
        "Copies are added round robin: copy 0 of a page is its "
        f"real text with its real vectors; every other copy has {REPLACE_SHARE:.0%} of its "
        "words replaced by same-length words of the same page (so its chunk boundaries are "
        "the original's), its own URL, id, content hash and MinHash, and a date in "
        f"{FIRST_DAY.isoformat()} .. {(FIRST_DAY + timedelta(days=DAYS - 1)).isoformat()}; its "
        "chunk vectors are the original chunk's real vector plus Gaussian noise, renormalised. "
        f"The noise (sigma {setup.sigma:.4f} per dimension) is calibrated on "
        f"{setup.calibration_samples} copy chunks embedded with the real model: their mean "
        f"cosine to the original chunk was {setup.calibration_cosine:.3f}, and the noisy "
        "vectors reproduce it (below). Model load and warm-up "
        f"{setup.model_load_s:.1f} s, excluded from every timing."
    )
    lines.append("")
    lines.append(
        "| corpus | articles | chunks | misaligned copy chunks | make s | SQLite s | Chroma s "
        "| step s | mean cosine copy/original |"
    )
    lines.append("|" + "---|" * 9)
    for target, b, seconds in setup.builds:
        cos = f"{statistics.fmean(b.cosines):.3f}" if b.cosines else "-"
        lines.append(
            f"| ≥ {target:,} | {b.articles:,} | {b.chunks:,} | {b.misaligned} "
            f"| {b.make_s:.1f} | {b.sqlite_s:.1f} | {b.chroma_s:.1f} | {seconds:.1f} | {cos} |"
        )
    lines.append("")
    lines.append(
        "(make: copy texts, MinHash, chunking; SQLite: `Corpus.save` per article and "
        "`mark_indexed`; Chroma: `VectorIndex.add_embedded`, 4,000 chunks per upsert. "
        "Cumulative over the growing corpus.)"
    )
    lines.append("")
    settings = ", ".join(f"{k} {v}" for k, v in setup.settings.items())
    lines.append(f"Settings (defaults): {settings}.")
    lines.append("")

    def brief_section(stats: BriefStats, title: str) -> None:
        ok = [r for r in stats.runs if not r.error]
        failed = [r for r in stats.runs if r.error]
        lines.append(
            f"**{title}**, {stats.articles:,} articles / {stats.chunks:,} chunks: "
            f"{len(ok)} runs ({len(ok) // max(1, len({(r.topic, r.window) for r in ok}))} per "
            "topic and window), load average "
            f"{_load(stats.load_before)} → {_load(stats.load_after)}. Median seconds per topic "
            "and window; `total` = the `build_briefing` call + rendering all three formats."
        )
        lines.append("")
        lines.append(
            "| topic | window | retrieval | writing | verification | render md+html+json "
            "| total | passages / sources | sentences supported / flagged |"
        )
        lines.append("|" + "---|" * 9)
        groups: dict[tuple[str, str], list[BriefRun]] = {}
        for r in ok:
            groups.setdefault((r.window, r.topic), []).append(r)
        for (window, topic), rs in groups.items():
            med = {
                k: statistics.median(r.stages.get(k, 0.0) for r in rs)
                for k in ("retrieval", "writing", "verification")
            }
            lines.append(
                f"| {topic} | {window} | {med['retrieval']:.3f} | {med['writing']:.3f} "
                f"| {med['verification']:.3f} | {statistics.median(r.render_s for r in rs):.3f} "
                f"| **{statistics.median(r.total_s for r in rs):.3f}** "
                f"| {rs[0].passages} / {rs[0].sources} "
                f"| {rs[0].sentences}: {rs[0].supported} / {rs[0].flagged} |"
            )
        if ok:
            totals = [r.total_s for r in ok]
            share = {
                k: sum(r.stages.get(k, 0.0) for r in ok) / sum(totals)
                for k in ("retrieval", "writing", "verification")
            }
            share["rendering"] = sum(r.render_s for r in ok) / sum(totals)
            renders = {
                name: statistics.median(r.stages[f"render {name}"] for r in ok)
                for name in ("md", "html", "json")
            }
            verdict = "met" if max(totals) < TARGET_BRIEF_S else "MISSED"
            lines.append("")
            lines.append(
                f"All runs: total median {statistics.median(totals):.3f} s, "
                f"p95 {pct(totals, 95):.3f} s, max {max(totals):.3f} s; target < "
                f"{TARGET_BRIEF_S:.0f} s for every run: **{verdict}**. Share of the time: "
                + ", ".join(f"{k} {100 * v:.1f}%" for k, v in share.items())
                + ". Rendering medians: "
                + ", ".join(f"{name} {1000 * v:.1f} ms" for name, v in renders.items())
                + "."
            )
        for r in failed[:3]:
            lines.append("")
            lines.append(f"Thin evidence for {r.topic!r} ({r.window}): {r.error}")
        lines.append("")

    brief_section(brief, "Briefings")

    lines.append(
        f"**Retrieval latency**, {len(retrieval[0].total) if retrieval else 0} queries per size "
        "and window (the briefing topics, hand-written topics, page titles, 3-6 word phrases "
        "from the pages), each once after 5 warm-up queries; milliseconds. `retrieve` embeds "
        "the query with the real model; `bare Chroma` is `collection.query` with the "
        f"precomputed embedding, n_results={setup.settings['dense_k']}, the same `where` as "
        "`retrieve` for the window, with documents, metadatas and distances, and with "
        "distances only (`retrieve` asks for distances and vectors, 4 × k without `where` for "
        "a window); `embed alone` is `embed_query` by itself (one torch thread, as "
        "configured), and `model.encode` of the same query with torch's default threads."
    )
    lines.append("")
    lines.append(
        "| chunks | window | retrieve p50 | retrieve p95 | target p95 < 50 "
        "| retrieve − embed p50 / p95 | bare Chroma p50 / p95 | bare, distances only p50 / p95 "
        "| embed alone p50 / p95 | model.encode, 2 torch threads p50 / p95 | passages (median) "
        "| load avg before → after |"
    )
    lines.append("|" + "---|" * 12)
    for s in retrieval:
        no_embed = [t - e for t, e in zip(s.total, s.stages["embed query"], strict=True)]
        verdict = "met" if pct(s.total, 95) < TARGET_P95_MS / 1000 else "MISSED"
        if s.chunks < 100_000 and not quick:
            verdict = f"({verdict})"
        lines.append(
            f"| {s.chunks:,} | {s.window} | {ms(pct(s.total, 50))} | **{ms(pct(s.total, 95))}** "
            f"| {verdict} | {ms(pct(no_embed, 50))} / {ms(pct(no_embed, 95))} "
            f"| {ms(pct(s.bare, 50))} / {ms(pct(s.bare, 95))} "
            f"| {ms(pct(s.bare_ids, 50))} / {ms(pct(s.bare_ids, 95))} "
            f"| {ms(pct(s.embed_alone, 50))} / {ms(pct(s.embed_alone, 95))} "
            f"| {ms(pct(s.embed_two_threads, 50))} / {ms(pct(s.embed_two_threads, 95))} "
            f"| {statistics.median(s.passages):.0f} "
            f"| {_load(s.load_before)} → {_load(s.load_after)} |"
        )
    lines.append("")
    lines.append(
        "Where `retrieve`'s time goes (exclusive time of each wrapped call, per query; "
        "p50 / p95 / mean in ms). The query embedding and the dense Chroma query run in a "
        "worker thread beside the keyword search: the `side by side` row is the slower of "
        "the two per query, and it, the rows below it and `rest` add up to the total. "
        "`SQLite reads` = `Corpus.chunk_owners` (article and date of the dense hits), "
        "`Corpus.get`, `Corpus.chunk`, `Corpus.signature` (MinHash, inside MMR); "
        "`candidate vectors` = one Chroma `get` of the vectors the dense query did not "
        "return (keyword-only hits, and all hits of a windowed query); `MMR` = `_mmr` "
        "without the reads:"
    )
    lines.append("")
    header = "| stage | " + " | ".join(f"{s.chunks:,}, {s.window}" for s in retrieval) + " |"
    lines.append(header)
    lines.append("|" + "---|" * (len(retrieval) + 1))
    for stage in RETRIEVAL_STAGES:
        cells = []
        for s in retrieval:
            v = s.stages[stage]
            cells.append(f"{ms(pct(v, 50))} / {ms(pct(v, 95))} / {ms(statistics.fmean(v))}")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    cells = [
        f"{ms(pct(s.total, 50))} / {ms(pct(s.total, 95))} / {ms(statistics.fmean(s.total))}"
        for s in retrieval
    ]
    lines.append("| **total** | " + " | ".join(cells) + " |")
    lines.append("")
    if retrieval:
        hits = [
            f"{s.chunks:,}: median {statistics.median(s.keyword_hits):,.0f}, "
            f"max {max(s.keyword_hits):,}"
            for s in retrieval
            if s.window == "all dates"
        ]
        lines.append(
            "Chunks matched by the FTS5 OR-query of each query (ranked only when the stricter "
            "steps, all terms and then all but one, two, ..., find fewer than 40): "
            + "; ".join(hits)
            + "."
        )
        lines.append("")
    if brief_large is not None:
        brief_section(brief_large, "Briefings on the largest corpus (for reference)")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--brief-chunks", type=int, default=5000, help="briefing corpus (5000)")
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="corpus sizes in chunks for retrieval latency (10000,100000)",
    )
    parser.add_argument("--queries", type=int, default=100, help="retrieval queries (100)")
    parser.add_argument("--reps", type=int, default=3, help="runs per briefing topic (3)")
    parser.add_argument("--calibrate", type=int, default=64, help="copy chunks to calibrate (64)")
    parser.add_argument(
        "--out",
        nargs="?",
        const=RESULTS,
        type=Path,
        default=None,
        help=f"append the results section to this file (default {RESULTS.relative_to(ROOT)})",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile retrieval, to stderr")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="keep the real vectors of the unique chunks in this .npy file between runs",
    )
    parser.add_argument("--news", type=Path, default=NEWS, help="the news-html folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.brief_chunks, args.sizes, args.queries = 1000, "2000,5000", 20
        args.reps, args.calibrate = 1, 16
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if args.brief_chunks < 1 or not sizes or args.queries < 5 or args.reps < 1:
        parser.error("sizes must be positive, --queries at least 5, --reps at least 1")

    from citebrief.corpus.embeddings import LocalEmbeddings
    from citebrief.corpus.store import Corpus
    from citebrief.corpus.vectors import VectorIndex, chroma_client
    from citebrief.settings import LOCAL_EMBEDDING_MODEL, load_settings

    scratch = Path(tempfile.mkdtemp(prefix="citebrief-bench-brief-"))
    try:
        settings = load_settings(
            home=scratch / "home",
            chroma_url=None,
            embedding_provider="local",
            embedding_model=LOCAL_EMBEDDING_MODEL,
        )
        info = machine_info()
        log(f"load average {_load(os.getloadavg())}; scratch {scratch}")

        started = time.perf_counter()
        embeddings = LocalEmbeddings(batch_size=settings.index.embed_batch_size)
        embeddings.embed_query("warm up")  # loads the model
        embeddings.embed_documents(["warm up the model with a longer text " * 20] * 8)
        for query in BRIEF_TOPICS:
            embeddings.embed_query(query)
        model_load_s = time.perf_counter() - started
        log(f"model loaded and warmed up in {model_load_s:.1f} s")

        pages = load_base_pages(args.news, SAMPLES, settings)
        base_chunks = sum(len(p.spans) for p in pages)
        started = time.perf_counter()
        texts = [s.text for p in pages for s in p.spans]
        all_vectors, base_cached = base_vectors(texts, embeddings, args.vector_cache)
        base_embed_s = time.perf_counter() - started
        offset = 0
        for p in pages:
            p.vectors = all_vectors[offset : offset + len(p.spans)]
            offset += len(p.spans)
        log(f"{len(pages)} pages, {base_chunks} unique chunks embedded in {base_embed_s:.1f} s")
        cosine, sigma = calibrate(pages, embeddings, settings, args.calibrate)
        log(f"copies vs originals, real model: mean cosine {cosine:.3f} -> sigma {sigma:.4f}")

        corpus = Corpus(settings.db_path)
        index = VectorIndex(
            chroma_client(settings), settings.index.collection, embeddings, settings.index.model_key
        )
        builder = Builder(pages, corpus, index, settings, sigma)
        queries = make_queries(pages, args.queries)
        builds: list[tuple[int, BuildLog, float]] = []

        def grow(target: int) -> None:
            started = time.perf_counter()
            builder.grow(target)
            seconds = time.perf_counter() - started
            b = builder.log
            builds.append((target, replace(b, cosines=list(b.cosines)), seconds))
            log(f"corpus: {b.articles:,} articles, {b.chunks:,} chunks ({seconds:.1f} s)")

        grow(args.brief_chunks)
        log(f"briefings on {builder.log.chunks:,} chunks ...")
        brief = measure_briefings(
            corpus,
            index,
            settings,
            BRIEF_TOPICS,
            args.reps,
            builder.log.chunks,
            builder.log.articles,
        )
        retrieval: list[RetrievalStats] = []
        for size in sizes:
            grow(size)
            log(f"retrieval on {builder.log.chunks:,} chunks, {len(queries)} queries ...")
            retrieval += measure_retrieval(
                corpus, index, settings, queries, builder.log.chunks, builder.log.articles
            )
        log(f"briefings on {builder.log.chunks:,} chunks (reference) ...")
        brief_large = measure_briefings(
            corpus, index, settings, BRIEF_TOPICS, 1, builder.log.chunks, builder.log.articles
        )
        if args.profile:
            print(profile_retrieval(corpus, index, settings, queries), file=sys.stderr)
        corpus.close()
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    setup = Setup(
        pages=len(pages),
        base_chunks=base_chunks,
        model_load_s=model_load_s,
        base_embed_s=base_embed_s,
        base_cached=base_cached,
        calibration_cosine=cosine,
        calibration_samples=args.calibrate,
        sigma=sigma,
        settings={
            k: settings.flat()[k]
            for k in (
                "chunk_size",
                "chunk_overlap",
                "dense_k",
                "keyword_k",
                "max_passages",
                "max_per_article",
                "relevance_floor",
                "mmr_lambda",
                "collapse_similarity",
            )
        },
        builds=builds,
    )
    with_heading = True
    if args.out is not None and args.out.is_file():
        with_heading = f"\n{HEADING}\n" not in args.out.read_text(encoding="utf-8")
    text = report_markdown(setup, brief, brief_large, retrieval, info, args.quick, with_heading)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as out:
            out.write("\n" + text + "\n")
        log(f"appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
