"""SOURCE arguments to work items: URLs, local files, directories and lists of sources.

A list of sources is a ``.txt`` file whose lines (after ``#`` comments and blank lines are
dropped) are all URLs or paths that exist; paths resolve against the list's folder. Any other
``.txt`` file is an article. Feeds and sitemaps are URLs; they are recognised by their content
once fetched (see ``pipeline``). ``read_file`` reads a local file as the fetcher reads a URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from citebrief.errors import FetchError
from citebrief.ingest.extract import gunzip
from citebrief.ingest.urls import is_url
from citebrief.models import Fetched, ItemResult, Outcome

ARTICLE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml", ".txt", ".md", ".markdown")
NOT_ARTICLES = ("readme", "license", "licence", "changelog", "contributing", "copying")


@dataclass(frozen=True, slots=True)
class Item:
    source: str  # the SOURCE argument this came from
    location: str  # an http(s) URL or an absolute file path
    is_file: bool
    published_hint: date | None = None  # from a feed or sitemap
    depth: int = 0  # 0: named by the user; 1+: found in a feed, sitemap or page
    from_walk: bool = False  # found by walking a directory: non-articles are skipped, not failed


def _suffix_ok(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(ARTICLE_SUFFIXES)


def _strip_comment(line: str) -> str:
    line = line.strip()
    return "" if line.startswith("#") else line


def read_source_list(path: Path) -> list[str] | None:
    """The entries of a list-of-sources file, or None when the file is not such a list."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    entries = [e for e in (_strip_comment(line) for line in text.splitlines()) if e]
    if not entries or len(entries) > 100_000:
        return None
    resolved = []
    for entry in entries:
        if is_url(entry):
            resolved.append(entry)
            continue
        candidate = (path.parent / entry).expanduser()
        if " " in entry.strip() and not candidate.exists():
            return None  # prose, not a list
        # a list may name a file that is gone; prose lines are longer than paths
        if not candidate.exists() and (len(entry) > 200 or not any(c in entry for c in "/.\\")):
            return None
        resolved.append(str(candidate))
    return resolved


def resolve(sources: list[str]) -> tuple[list[Item], list[ItemResult]]:
    """Expand SOURCE arguments into items, and failures for what cannot be read at all."""
    items: list[Item] = []
    failures: list[ItemResult] = []
    seen_lists: set[Path] = set()

    def add(source: str, entry: str, from_walk: bool = False) -> None:
        entry = entry.strip()
        if is_url(entry):
            items.append(Item(source, entry, is_file=False))
            return
        if "://" in entry:
            failures.append(ItemResult(entry, Outcome.FAILED, reason="unsupported URL scheme"))
            return
        path = Path(entry).expanduser()
        if path.is_dir():
            before = len(items)
            try:
                children = sorted(path.rglob("*"))
            except OSError as exc:
                failures.append(
                    ItemResult(entry, Outcome.FAILED, reason=f"cannot read folder: {exc.strerror}")
                )
                return
            for child in children:
                hidden = any(p.startswith(".") for p in child.relative_to(path).parts)
                if child.is_file() and not hidden and _suffix_ok(child):
                    if child.name.lower().startswith(NOT_ARTICLES):
                        continue
                    if child.suffix.lower() == ".txt" and read_source_list(child) is not None:
                        continue  # a list in a walked folder names files the walk finds anyway
                    items.append(Item(source, str(child.absolute()), True, from_walk=True))
            if len(items) == before:
                suffixes = ", ".join(ARTICLE_SUFFIXES)
                reason = f"no article files in the folder (looked for {suffixes})"
                if not os.access(path, os.R_OK | os.X_OK):
                    reason = "cannot read folder: permission denied"
                failures.append(ItemResult(entry, Outcome.FAILED, reason=reason))
            return
        if path.is_file():
            if path.suffix.lower() == ".txt":
                listed = read_source_list(path)
                if listed is not None:
                    real = path.resolve()
                    if real in seen_lists:
                        failures.append(
                            ItemResult(entry, Outcome.FAILED, reason="list names itself")
                        )
                        return
                    seen_lists.add(real)
                    for listed_entry in listed:
                        add(source, listed_entry)
                    return
            if not _suffix_ok(path):
                suffixes = ", ".join(ARTICLE_SUFFIXES)
                failures.append(
                    ItemResult(
                        entry,
                        Outcome.FAILED,
                        reason=f"unsupported file type (supported: {suffixes})",
                    )
                )
                return
            items.append(Item(source, str(path.absolute()), True, from_walk=from_walk))
            return
        failures.append(
            ItemResult(entry, Outcome.FAILED, reason="no such file or directory, and not a URL")
        )

    for source in sources:
        add(source, source)
    return items, failures


def read_file(location: str, cap: int) -> Fetched:
    """A local file's bytes (a .gz decompressed, at most ``cap`` bytes), as if fetched."""
    path = Path(location)
    size = path.stat().st_size
    if size > cap:
        raise FetchError(f"file too large: {size:,} bytes (cap {cap:,})")
    content = path.read_bytes()
    name = path.name.lower()
    if name.endswith(".gz"):
        content = gunzip(content, cap)
    media = "text/html"
    if name.endswith(".txt"):
        media = "text/plain"
    elif name.endswith((".md", ".markdown")):
        media = "text/markdown"
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0).isoformat()
    uri = path.as_uri()
    return Fetched(uri, uri, content, media, None, stamp)
