"""Rebuilding a damaged corpus (I/O): keep every row that can still be read, rebuild the rest.

The damaged database is read row by row (a damaged page loses the rows on it, not the file),
moved aside as ``corpus.sqlite3.damaged-<time>``, and a new one is written: the articles that
could be read, re-cut into passages with a fresh keyword index, their stories and the record
of duplicates; the vectors are rebuilt afterwards (``Workspace.reindex``). What could not be
read is counted, and the report says how to get it back (ingesting the sources again).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citebrief.corpus import chunking
from citebrief.corpus.store import ARTICLE_COLUMNS, Corpus, article_from_row
from citebrief.models import Article

BATCH = 200  # rows read at once; a batch that fails is read again one row at a time


@dataclass(slots=True)
class Salvage:
    articles: list[Article] = field(default_factory=list)
    lost: int = 0  # article rows that could not be read
    stories: list[tuple[str, str]] = field(default_factory=list)  # (article id, story id)
    story_days: dict[str, str] = field(default_factory=dict)
    duplicates: list[tuple[Any, ...]] = field(default_factory=list)
    readable: bool = True  # False: not even the table of articles could be read
    sources: set[str] = field(default_factory=set)  # SOURCE arguments of the kept articles


def _rows(db: sqlite3.Connection, table: str, columns: str) -> Iterator[sqlite3.Row | None]:
    """Every row of ``table`` by rowid; None for each row that cannot be read."""
    top = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
    for first in range(1, top + 1, BATCH):
        last = first + BATCH - 1
        try:
            batch = db.execute(
                f"SELECT rowid, {columns} FROM {table} WHERE rowid BETWEEN ? AND ?", (first, last)
            ).fetchall()
            yield from batch
            continue
        except sqlite3.DatabaseError:
            pass
        for rowid in range(first, last + 1):
            try:
                row = db.execute(
                    f"SELECT rowid, {columns} FROM {table} WHERE rowid = ?", (rowid,)
                ).fetchone()
            except sqlite3.DatabaseError:
                yield None
                continue
            if row is not None:
                yield row


def _article_columns(db: sqlite3.Connection) -> str:
    """The article columns the database has: one damaged before a migration lacks the newer
    ones (they take their defaults)."""
    try:
        present = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    except sqlite3.DatabaseError:
        return ARTICLE_COLUMNS
    return ", ".join(c for c in ARTICLE_COLUMNS.split(", ") if c in present or not present)


def read_damaged(path: Path) -> Salvage:
    """What can still be read from a (possibly damaged) corpus database."""
    found = Salvage()
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        found.readable = False
        return found
    db.row_factory = sqlite3.Row
    try:
        try:
            for row in _rows(db, "articles", _article_columns(db)):
                if row is None:
                    found.lost += 1
                    continue
                try:
                    article = article_from_row(row)
                except (KeyError, TypeError, ValueError):
                    found.lost += 1
                    continue
                found.articles.append(article)
                found.sources.add(article.source)
        except sqlite3.DatabaseError:
            found.readable = False
            return found
        for table, columns, keep in (
            ("story_articles", "article_id, story_id", found.stories),
            ("duplicates", "canonical_url, location, duplicate_of, kind, similarity, seen_at, "
             "site_name", found.duplicates),
        ):  # fmt: skip
            try:
                keep.extend(tuple(row)[1:] for row in _rows(db, table, columns) if row is not None)
            except sqlite3.DatabaseError:
                continue  # rebuilt by the next ingest (duplicates) or brief (stories)
        try:
            found.story_days = {
                row["id"]: row["first_day"] for row in _rows(db, "stories", "id, first_day") if row
            }
        except sqlite3.DatabaseError:
            found.stories = []  # without their stories, the assignments cannot be kept
    finally:
        db.close()
    return found


def set_aside(path: Path) -> Path:
    """Move the damaged database (and its WAL files) out of the way; the new name."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{path}{suffix}")
        if old.exists():
            old.rename(Path(f"{aside}{suffix}"))
    return aside


def write_new(
    path: Path,
    found: Salvage,
    chunk_size: int,
    chunk_overlap: int,
    advance: Callable[[], None] = lambda: None,
) -> None:
    """A new corpus database from what was read: articles re-cut into passages (unindexed:
    their vectors are rebuilt next), their stories, the record of duplicates."""
    splitter = chunking.make_splitter(chunk_size, chunk_overlap)
    corpus = Corpus(path)
    try:
        kept = {a.id for a in found.articles}
        for article in found.articles:
            corpus.save(article, chunking.chunk_text(article.text, splitter=splitter))
            advance()
        stories = [(a, s) for a, s in found.stories if a in kept and s in found.story_days]
        if stories:
            days = {s: found.story_days[s] for _, s in stories}
            corpus.assign_stories(dict(stories), days)
        with corpus.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO duplicates (canonical_url, location, duplicate_of, kind,"
                " similarity, seen_at, site_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [d for d in found.duplicates if d[2] in kept],
            )
    finally:
        corpus.close()
