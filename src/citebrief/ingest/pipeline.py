"""From sources to stored, deduplicated, indexed articles.

Stages: fetch (threads, bounded), then in the calling thread: recognise (feed, sitemap, page),
extract, deduplicate, chunk and store in SQLite; then embed and write to the vector store in a
background thread, one batch at a time, marking articles indexed only after their vectors are
written. ``sync_vectors`` finishes whatever an interrupted run left pending, so a process killed
at any point is completed by the next run without duplicates.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from citebrief.corpus import chunking, dedup
from citebrief.corpus.store import Corpus
from citebrief.corpus.sync import crash_point, index_batch, sync_vectors
from citebrief.corpus.vectors import VectorIndex
from citebrief.errors import ExtractionError, FeedError, FetchError
from citebrief.ingest.extract import (
    FEED_TYPES,
    HTML_TYPES,
    TEXT_TYPES,
    decode,
    extract_html,
    extract_plain,
    looks_like_feed,
    looks_like_html,
    looks_like_sitemap,
    sniff_binary,
)
from citebrief.ingest.feeds import Link, discover_feeds, parse_feed, parse_sitemap
from citebrief.ingest.fetch import Fetcher
from citebrief.ingest.metadata import registered_domain
from citebrief.ingest.sources import Item, read_file, resolve
from citebrief.ingest.urls import article_id, canonical_url, host_of, is_url
from citebrief.models import (
    Article,
    Chunk,
    Extracted,
    Fetched,
    IngestReport,
    ItemResult,
    NoProgress,
    Outcome,
    Progress,
)
from citebrief.settings import Settings
from citebrief.text import plural

MAX_DEPTH = 3  # feed -> items, sitemap index -> sitemap -> pages


# --- the run ---
@dataclass
class _Run:
    settings: Settings
    corpus: Corpus
    index: VectorIndex
    fetcher: Fetcher
    since: date | None
    progress: Progress
    report: IngestReport = field(default_factory=IngestReport)
    near: dedup.NearDuplicateIndex = field(init=False)
    seen_locations: dict[str, str] = field(default_factory=dict)  # canonical location -> source
    seen_ids: set[str] = field(default_factory=set)
    queue: deque[Item] = field(default_factory=deque)  # feeds and sitemaps add to it
    followed: dict[str, list[int]] = field(default_factory=dict)  # source -> [nested, pages]
    batch: list[tuple[Article, list[Chunk]]] = field(default_factory=list)
    batch_chunks: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.near = dedup.NearDuplicateIndex(self.settings.ingest.near_duplicate_threshold)
        for key, signature in self.corpus.signatures():
            self.near.add(key, signature)
        self.splitter = chunking.make_splitter(
            self.settings.chunking.chunk_size, self.settings.chunking.chunk_overlap
        )

    def timed(self, stage: str, started: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started

    def result(self, result: ItemResult) -> None:
        self.report.items.append(result)


def ingest(
    sources: list[str],
    *,
    settings: Settings,
    corpus: Corpus,
    index: VectorIndex,
    fetcher: Fetcher,
    since: date | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every source; a source that fails becomes a result with a reason."""
    progress = progress or NoProgress()
    run = _Run(settings, corpus, index, fetcher, since, progress)
    started = time.perf_counter()
    sync_vectors(corpus, index, progress)  # work a killed run left behind
    run.timed("recover", started)

    items, failures = resolve(sources)
    for failure in failures:
        run.result(failure)
    progress.stage("fetch", 0)
    progress.stage("extract", 0)
    progress.stage("embed", 0)

    embedder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citebrief-embed")
    in_flight: Future[dict[str, str]] | None = None
    try:
        for item, got in _fetch_all(run, items):
            progress.advance("fetch")
            in_flight = _handle(run, item, got, embedder, in_flight)
        in_flight = _flush(run, embedder, in_flight, final=True)
    finally:
        if in_flight is not None:
            in_flight.result()
        embedder.shutdown(wait=True)
    run.timings["total"] = time.perf_counter() - started
    run.report.stage_seconds = dict(run.timings)
    return run.report


def _fetch_all(run: _Run, initial: list[Item]) -> Iterator[tuple[Item, Fetched | Exception]]:
    """Fetch items concurrently, yielding in the order they were queued (so that which copy
    of a story counts as the original never depends on network timing). Feeds and sitemaps
    add to ``run.queue`` while this runs."""
    queue = run.queue
    queue.extend(initial)
    pool = ThreadPoolExecutor(
        max_workers=run.settings.fetch.fetch_concurrency, thread_name_prefix="citebrief-fetch"
    )
    running: deque[tuple[Future[Fetched], Item]] = deque()
    try:
        while queue or running:
            while queue and len(running) < run.settings.fetch.fetch_concurrency * 4:
                item = queue.popleft()
                skip = _early_duplicate(run, item)
                if skip is not None:
                    run.result(skip)
                    continue
                run.progress.grow("fetch", 1)
                running.append((pool.submit(_read, run, item), item))
            if not running:
                continue
            future, item = running.popleft()
            try:
                yield item, future.result()
            except (FetchError, ExtractionError, OSError) as exc:
                yield item, exc
    finally:
        for future, _ in running:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _early_duplicate(run: _Run, item: Item) -> ItemResult | None:
    """The same URL or file twice in one run, or a location already known as a duplicate."""
    location = _location_uri(item)
    if not item.is_file and not is_url(location):
        return ItemResult(item.location, Outcome.FAILED, reason="invalid URL")
    key = canonical_url(location)
    if key in run.seen_locations:
        first = run.seen_locations[key]
        return ItemResult(
            item.location, Outcome.DUPLICATE, article_id(key), reason=f"same URL as {first}"
        )
    run.seen_locations[key] = item.location
    known = run.corpus.duplicate(key)
    if known is not None:
        return ItemResult(
            item.location,
            Outcome.DUPLICATE,
            known.duplicate_of,
            reason=f"duplicate of {known.duplicate_of} ({known.kind})",
        )
    return None


def _location_uri(item: Item) -> str:
    return Path(item.location).as_uri() if item.is_file else item.location


def _read(run: _Run, item: Item) -> Fetched:
    if item.is_file:
        return read_file(item.location, run.settings.fetch.max_bytes)
    return run.fetcher.fetch(item.location)


# --- one item ---
def _handle(
    run: _Run,
    item: Item,
    got: Fetched | Exception,
    embedder: ThreadPoolExecutor,
    in_flight: Future[dict[str, str]] | None,
) -> Future[dict[str, str]] | None:
    if isinstance(got, Exception):
        run.result(ItemResult(item.location, Outcome.FAILED, reason=str(got)))
        return in_flight
    started = time.perf_counter()
    try:
        extracted, note = _recognise(run, item, got)
    except (ExtractionError, FeedError) as exc:
        outcome = Outcome.SKIPPED if item.from_walk else Outcome.FAILED
        run.result(ItemResult(item.location, outcome, reason=str(exc)))
        return in_flight
    finally:
        run.timed("extract", started)
        run.progress.advance("extract")
    if extracted is None:  # a feed or sitemap: its items were queued
        return in_flight
    started = time.perf_counter()
    result = _store(run, item, got, extracted, note)
    run.timed("store", started)
    run.result(result)
    if run.batch_chunks >= run.settings.index.embed_batch_size * 4:
        in_flight = _flush(run, embedder, in_flight)
    return in_flight


def _recognise(run: _Run, item: Item, got: Fetched) -> tuple[Extracted | None, str]:
    """An article from a page, or None after queueing the items of a feed or sitemap."""
    run.progress.grow("extract", 1)
    binary = sniff_binary(got.content)
    media = got.content_type
    if binary or (
        media
        and media not in HTML_TYPES | FEED_TYPES | TEXT_TYPES
        and not media.startswith("text/")
    ):
        raise ExtractionError(f"not HTML: {binary or media}")
    decoded = decode(got.content, got.charset)
    text = decoded.text
    if looks_like_feed(text) or (
        media in FEED_TYPES and not looks_like_sitemap(text) and not looks_like_html(text)
    ):
        _queue_links(run, item, parse_feed(text, got.final_url))
        return None, ""
    if looks_like_sitemap(text):
        sitemap = parse_sitemap(text, got.final_url)
        _queue_links(run, item, sitemap.pages, [Link(url) for url in sitemap.sitemaps])
        return None, ""
    if media in TEXT_TYPES and not looks_like_html(text):
        return extract_plain(
            text, Path(item.location).name, run.settings.ingest.min_text_chars
        ), decoded.note
    try:
        return extract_html(text, got.final_url, run.settings.ingest.min_text_chars), decoded.note
    except ExtractionError:
        if item.depth == 0 and not item.is_file:  # a home page: follow the feed it advertises
            feeds = discover_feeds(text, got.final_url)
            if feeds:
                _queue_links(run, item, [], [Link(feeds[0])])
                return None, ""
        raise


def _queue_links(run: _Run, item: Item, pages: Sequence[Link], nested: Sequence[Link] = ()) -> None:
    """Queue a feed's or sitemap's pages and the feeds or sitemaps it names, within the bounds
    of one source (``max_sitemaps``, ``max_source_links``): a hostile sitemap index cannot
    queue without end; what a bound cuts is reported."""
    if item.depth >= MAX_DEPTH:
        raise FeedError("feeds or sitemaps nested too deep")
    if not pages and not nested:
        raise FeedError("feed or sitemap lists no items")
    fetch = run.settings.fetch
    counts = run.followed.setdefault(item.source, [0, 0])
    kept = cut = 0
    for link, is_nested in [(p, False) for p in pages] + [(n, True) for n in nested]:
        if not is_url(link.url):
            run.result(
                ItemResult(link.url, Outcome.FAILED, reason=f"invalid URL in {item.location}")
            )
            continue
        if run.since and link.published and link.published < run.since:
            continue
        if not is_nested and kept >= fetch.max_feed_items:
            break
        slot, bound = (0, fetch.max_sitemaps) if is_nested else (1, fetch.max_source_links)
        if counts[slot] >= bound:
            cut += 1
            continue
        counts[slot] += 1
        kept += 1
        run.queue.append(Item(item.source, link.url, False, link.published, item.depth + 1))
    if cut:
        run.result(
            ItemResult(
                item.location,
                Outcome.SKIPPED,
                reason=f"{plural(cut, 'link')} not followed: the source reached its bounds of "
                f"{fetch.max_sitemaps} feeds or sitemaps and {fetch.max_source_links} pages "
                "(CITEBRIEF_MAX_SITEMAPS, CITEBRIEF_MAX_SOURCE_LINKS)",
            )
        )
    elif not kept:
        reason = f"no items since {run.since}" if run.since else "no usable links"
        run.result(ItemResult(item.location, Outcome.SKIPPED, reason=reason))


def _identity(item: Item, got: Fetched, extracted: Extracted) -> str:
    """The canonical URL that names the article. A page's declared canonical URL is trusted
    for local files and for pages on the same host; a copy on another host declaring the
    original's URL keeps its own (and is then caught as a near-duplicate)."""
    declared = extracted.url
    if (
        declared
        and is_url(declared)
        and (
            item.is_file
            or host_of(declared).removeprefix("www.") == host_of(got.final_url).removeprefix("www.")
        )
    ):
        return canonical_url(declared)
    return canonical_url(got.final_url)


def _capped(extracted: Extracted, limit: int) -> tuple[Extracted, str]:
    """The text cut to ``limit`` characters at a paragraph (else sentence, else word) end."""
    if len(extracted.text) <= limit:
        return extracted, ""
    head = extracted.text[:limit]
    for boundary in ("\n", ". ", " "):
        at = head.rfind(boundary)
        if at > limit // 2:
            head = head[: at + (1 if boundary == ". " else 0)]
            break
    note = (
        f"text cut to {len(head):,} of {len(extracted.text):,} characters"
        " (CITEBRIEF_MAX_ARTICLE_CHARS)"
    )
    return replace(extracted, text=head.rstrip()), note


def _store(run: _Run, item: Item, got: Fetched, extracted: Extracted, note: str) -> ItemResult:
    extracted, cut = _capped(extracted, run.settings.ingest.max_article_chars)
    note = "; ".join(n for n in (note, cut) if n)
    location = _location_uri(item)
    canonical = _identity(item, got, extracted)
    own = canonical_url(got.final_url)
    if canonical != own:
        # a page may update only the article it was read as: the same URL or the same file;
        # one declaring another source's article as its canonical keeps its own identity
        claimed = run.corpus.get(article_id(canonical))
        if claimed is not None and canonical_url(claimed.location) != canonical_url(location):
            canonical = own
            note = "; ".join(
                n for n in (note, f"declares the URL of article {claimed.id}, kept apart") if n
            )
    aid = article_id(canonical)
    digest = dedup.content_hash(extracted.text)
    title = extracted.title
    seen = aid in run.seen_ids
    existing = None if seen else run.corpus.get(aid)
    # a text not seen before is signed once, here, and compared with the corpus
    fresh = not seen and (existing is None or existing.content_hash != digest)
    signature = dedup.minhash(extracted.text) if fresh else b""
    known = dedup.Known(
        seen_in_run=seen,
        stored_hash=existing.content_hash if existing is not None else None,
        stored_location=existing.location if existing is not None else None,
        same_text=run.corpus.find_by_hash(digest) if fresh else None,
        near=run.near.find(signature, exclude=aid) if fresh else None,
    )
    decision = dedup.classify(aid, location, digest, known)
    if decision.remember:
        run.seen_ids.add(aid)
    if decision.record and decision.duplicate_of is not None:
        run.corpus.record_duplicate(
            canonical_url(location),
            location,
            decision.duplicate_of,
            decision.kind,
            decision.similarity,
            extracted.site_name,
        )
    if decision.outcome is Outcome.UNCHANGED:
        if existing is not None and existing.section != extracted.section:
            run.corpus.set_section(aid, extracted.section)  # stored before it was read
        return ItemResult(item.location, Outcome.UNCHANGED, aid, note, title)
    if decision.outcome is Outcome.DUPLICATE:
        return ItemResult(
            item.location, Outcome.DUPLICATE, decision.duplicate_of, decision.reason, title
        )

    url = extracted.url if extracted.url and is_url(extracted.url) else got.final_url
    article = Article(
        id=aid,
        url=url,
        canonical_url=canonical,
        text=extracted.text,
        content_hash=digest,
        location=location,
        title=title,
        author=extracted.author,
        site_name=extracted.site_name or (registered_domain(url) if is_url(url) else ""),
        published=extracted.published
        or (item.published_hint.isoformat() if item.published_hint else ""),
        language=extracted.language,
        fetched_at=got.fetched_at,
        source=item.source,
        sample=extracted.sample,
        minhash=signature,
        section=extracted.section,
    )
    spans = chunking.chunk_text(article.text, splitter=run.splitter)
    rows = run.corpus.save(article, spans)
    crash_point("after-sqlite")
    if existing is not None:
        run.near.remove(aid)
    run.near.add(aid, signature)
    run.batch.append((replace(article, text="", minhash=b""), rows))
    run.batch_chunks += len(rows)
    run.progress.grow("embed", len(rows))
    return ItemResult(item.location, decision.outcome, aid, note, title, len(rows))


def _flush(
    run: _Run,
    embedder: ThreadPoolExecutor,
    in_flight: Future[dict[str, str]] | None,
    final: bool = False,
) -> Future[dict[str, str]] | None:
    """Hand the current batch to the embedding thread (at most one batch is in flight) and
    mark the previous batch indexed once its vectors are written."""
    if in_flight is not None:
        _collect(run, in_flight)
    if not run.batch:
        return None
    batch, run.batch, run.batch_chunks = run.batch, [], 0
    future = embedder.submit(_embed, run, batch)
    if final:
        _collect(run, future)
        return None
    return future


def _collect(run: _Run, future: Future[dict[str, str]]) -> None:
    started = time.perf_counter()
    hashes = future.result()
    run.timed("wait-embed", started)
    run.corpus.mark_indexed(list(hashes), hashes)
    crash_point("after-mark")


def _embed(run: _Run, batch: list[tuple[Article, list[Chunk]]]) -> dict[str, str]:
    """Embedding thread: write vectors; returns {article id: content hash} to mark indexed."""
    started = time.perf_counter()
    articles = [a for a, _ in batch]
    chunks = [c for _, rows in batch for c in rows]
    index_batch(run.index, articles, chunks, run.progress, run.settings.index.embed_batch_size)
    run.timed("embed", started)
    return {a.id: a.content_hash for a in articles}
