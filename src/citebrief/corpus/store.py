"""The corpus in SQLite (WAL): articles, chunks, a keyword index (FTS5, BM25), duplicates.

SQLite is the source of truth. An article and its chunks and keyword rows are written in one
transaction with ``indexed = 0``; the vector store is written afterwards, and only then is the
article marked ``indexed = 1``. Removals queue a row in ``vector_deletes`` in the same
transaction. A process killed at any point therefore leaves work that ``pending_index`` and
``pending_vector_deletes`` name, and the next run finishes it (see ``corpus.sync``). The
schema grows by numbered migrations (``corpus.migrations``), applied when the file opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from citebrief.corpus import migrations
from citebrief.corpus.fts import fts_relaxations
from citebrief.errors import ConfigError, StoreError
from citebrief.models import Article, Chunk, Span
from citebrief.text import plural

ARTICLE_COLUMNS = (
    "id, location, url, canonical_url, title, author, site_name, published, language, "
    "fetched_at, source, sample, content_hash, minhash, text, section"
)
CHUNK_COLUMNS = "id, article_id, idx, start, end, text"


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def chunk_id(article_id: str, content_hash: str, index: int) -> str:
    """Vector ids change when the text changes, so stale vectors can never pass as current."""
    return f"{article_id}-{content_hash[:8]}-{index:04d}"


@dataclass(frozen=True, slots=True)
class KeywordHit:
    chunk: Chunk
    score: float  # bm25: lower is better, as SQLite reports it


@dataclass(frozen=True, slots=True)
class Duplicate:
    duplicate_of: str
    kind: str
    similarity: float


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """An article as story grouping and relevance read it."""

    id: str
    day: str
    title: str
    text: str
    site_name: str
    url: str
    story: str | None  # the story it is in, if grouped yet
    language: str = ""  # as the page declares it ("en"), or ""


def _vector_bytes(vector: Any) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _vector(blob: bytes) -> Any:
    return np.frombuffer(blob, dtype=np.float32)


class Corpus:
    """Articles, chunks and the keyword index in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            found = migrations.version(self.db)
            if found > migrations.LATEST:
                raise StoreError(
                    f"the corpus database {path} has schema version {found}, newer than this "
                    f"citebrief knows ({migrations.LATEST})",
                    hint="upgrade citebrief, or point CITEBRIEF_HOME at another folder",
                )
            migrations.migrate(self.db)
        except OSError as exc:
            raise ConfigError(
                f"cannot use {path.parent} for the corpus: {exc.strerror or exc}",
                hint="point CITEBRIEF_HOME at a folder that can be created and written",
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"cannot open the corpus database {path}: {exc}",
                hint="check CITEBRIEF_HOME points at a writable folder; if the file is damaged, "
                "'citebrief corpus rebuild' rebuilds what can be read",
            ) from exc

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # --- reading ----------------------------------------------------------------------------------
    def get(self, article_id: str) -> Article | None:
        row = self.db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return article_from_row(row) if row else None

    def find_id(self, prefix: str) -> list[str]:
        rows = self.db.execute(
            "SELECT id FROM articles WHERE id LIKE ? ORDER BY id LIMIT 5", (prefix + "%",)
        )
        return [r["id"] for r in rows]

    def signatures_of(self, article_ids: Iterable[str]) -> dict[str, bytes]:
        """Article id -> MinHash signature, for the ids that exist."""
        out: dict[str, bytes] = {}
        ids = list(article_ids)
        for i in range(0, len(ids), 500):  # below SQLite's variable limit
            part = ids[i : i + 500]
            rows = self.db.execute(
                f"SELECT id, minhash FROM articles WHERE id IN ({','.join('?' * len(part))})", part
            )
            out.update((row[0], bytes(row[1])) for row in rows)
        return out

    def find_by_hash(self, content_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return row["id"] if row else None

    def signatures(self) -> Iterator[tuple[str, bytes]]:
        for row in self.db.execute("SELECT id, minhash FROM articles"):
            yield row["id"], bytes(row["minhash"])

    def duplicate(self, canonical: str) -> Duplicate | None:
        row = self.db.execute(
            "SELECT d.duplicate_of, d.kind, d.similarity FROM duplicates d"
            " JOIN articles a ON a.id = d.duplicate_of WHERE d.canonical_url = ?",
            (canonical,),
        ).fetchone()
        return Duplicate(row[0], row[1], row[2]) if row else None

    def chunks(self, article_id: str) -> list[Chunk]:
        rows = self.db.execute(
            f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE article_id = ? ORDER BY idx", (article_id,)
        )
        return [Chunk(*row) for row in rows]

    def pending_index(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM articles WHERE indexed = 0")]

    def pending_vector_deletes(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT article_id FROM vector_deletes")]

    def article_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def articles(self, limit: int | None = None) -> list[sqlite3.Row]:
        return list(
            self.db.execute(
                "SELECT a.id, a.title, a.site_name, a.published, a.url, a.indexed,"
                " (SELECT count(*) FROM chunks c WHERE c.article_id = a.id) AS chunks"
                " FROM articles a ORDER BY a.published DESC, a.title LIMIT ?",
                (-1 if limit is None else limit,),
            )
        )

    def keyword_search(
        self, query: str, k: int = 20, start: str | None = None, end: str | None = None
    ) -> list[KeywordHit]:
        """BM25-ranked chunks, optionally only of articles dated within [start, end]
        (ISO dates; the published date, else the fetched date). Chunks with all the terms
        first, then with fewer (``fts_relaxations``) until k are found."""
        hits: dict[str, KeywordHit] = {}
        for match in fts_relaxations(query):
            for hit in self._ranked(match, k, start, end):
                hits.setdefault(hit.chunk.id, hit)
            if len(hits) >= k:
                break
        return list(hits.values())[:k]

    def _ranked(self, match: str, k: int, start: str | None, end: str | None) -> list[KeywordHit]:
        select = (
            "SELECT c.id, c.article_id, c.idx, c.start, c.end, c.text, f.score, a.day"
            " FROM {source} f"
            " JOIN chunks c ON c.rowid = f.rowid JOIN articles a ON a.id = c.article_id"
            " {where} ORDER BY f.score LIMIT ?"
        )
        # rank inside the FTS index first (cheap), then join the best few
        top = (
            "(SELECT rowid, rank AS score FROM chunks_fts WHERE chunks_fts MATCH ?"
            " ORDER BY rank LIMIT ?)"
        )
        if start is None and end is None:
            rows = self.db.execute(select.format(source=top, where=""), (match, k, k)).fetchall()
            return [KeywordHit(Chunk(*row[:6]), row[6]) for row in rows]
        # a date window: filter the best 4k; only when fewer than k of them fall inside it and
        # there are more matches than those, filter every match (slow for common terms)
        over = k * 4
        rows = self.db.execute(select.format(source=top, where=""), (match, over, over)).fetchall()
        low, high = start or "", end or "9999"
        inside = [row for row in rows if row[7] and low <= row[7] <= high]
        if len(inside) < k and len(rows) == over:
            every = "(SELECT rowid, rank AS score FROM chunks_fts WHERE chunks_fts MATCH ?)"
            where = "WHERE a.day >= ? AND a.day <= ?"
            inside = self.db.execute(
                select.format(source=every, where=where), (match, low, high, k)
            ).fetchall()
        return [KeywordHit(Chunk(*row[:6]), row[6]) for row in inside[:k]]

    def chunk_owners(self, chunk_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Chunk id -> (article id, the article's day as an ISO date: published, else
        fetched), for the ids that exist."""
        out: dict[str, tuple[str, str]] = {}
        ids = list(chunk_ids)
        for i in range(0, len(ids), 500):  # below SQLite's variable limit
            part = ids[i : i + 500]
            rows = self.db.execute(
                "SELECT c.id, c.article_id, a.day FROM chunks c JOIN articles a"
                f" ON a.id = c.article_id WHERE c.id IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
            out.update({cid: (article, day or "") for cid, article, day in rows})
        return out

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self.db.execute(
            f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE id = ?", (chunk_id,)
        ).fetchone()
        return Chunk(*row) if row else None

    def latest_day(self) -> str | None:
        row = self.db.execute("SELECT max(day) FROM articles").fetchone()
        return row[0] if row and row[0] else None

    # --- stories ------------------------------------------------------------------------------
    _STORY_ARTICLE = (
        "SELECT a.id, a.day, a.title, a.text, a.site_name, a.url, s.story_id, a.language"
        " FROM articles a"
        " LEFT JOIN story_articles s ON s.article_id = a.id"
    )

    def days_without_story(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT a.day FROM articles a LEFT JOIN story_articles s"
            " ON s.article_id = a.id WHERE s.article_id IS NULL AND a.day != ''"
        )
        return [r[0] for r in rows]

    def articles_without_story(self) -> list[str]:
        rows = self.db.execute(
            "SELECT a.id FROM articles a LEFT JOIN story_articles s ON s.article_id = a.id"
            " WHERE s.article_id IS NULL AND a.day = ''"
        )
        return [r[0] for r in rows]

    def story_articles_between(self, first: str, last: str) -> list[StoryArticle]:
        """The articles whose day is within [first, last], with their story, oldest first."""
        rows = self.db.execute(
            self._STORY_ARTICLE + " WHERE a.day >= ? AND a.day <= ? ORDER BY a.day, a.id",
            (first, last),
        )
        return [StoryArticle(*row) for row in rows]

    def story_articles(self, story_ids: Iterable[str]) -> list[StoryArticle]:
        """Every article of the stories, whatever its day, oldest first."""
        ids = list(story_ids)
        out: list[StoryArticle] = []
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self.db.execute(
                self._STORY_ARTICLE
                + f" WHERE s.story_id IN ({','.join('?' * len(part))}) ORDER BY a.day, a.id",
                part,
            )
            out.extend(StoryArticle(*row) for row in rows)
        return out

    def article_vectors(self, article_ids: Sequence[str], model: str) -> dict[str, Any]:
        return self._vectors("article_vectors", "article_id", article_ids, model)

    def _vectors(self, table: str, key: str, keys: Sequence[str], model: str) -> dict[str, Any]:
        """Key -> vector of ``table`` (article_vectors or word_vectors) for one model."""
        out: dict[str, Any] = {}
        every = list(keys)
        for i in range(0, len(every), 500):
            part = every[i : i + 500]
            rows = self.db.execute(
                f"SELECT {key}, vector FROM {table} WHERE model = ?"
                f" AND {key} IN ({','.join('?' * len(part))})",
                [model, *part],
            )
            out.update((found, _vector(blob)) for found, blob in rows)
        return out

    def save_article_vectors(self, vectors: Mapping[str, Any], model: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO article_vectors (article_id, model, vector)"
                " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)",
                [(aid, model, _vector_bytes(v), aid) for aid, v in vectors.items()],
            )

    def word_vectors(self, words: Sequence[str], model: str) -> dict[str, Any]:
        return self._vectors("word_vectors", "word", words, model)

    def save_word_vectors(self, vectors: Mapping[str, Any], model: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO word_vectors (word, model, vector) VALUES (?, ?, ?)",
                [(word, model, _vector_bytes(v)) for word, v in vectors.items()],
            )

    def assign_stories(self, assigned: Mapping[str, str], first_days: Mapping[str, str]) -> None:
        """Put articles in stories (creating the stories that are new), in one transaction."""
        stamp = now_iso()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO stories (id, first_day, created_at) VALUES (?, ?, ?)",
                [(story, day, stamp) for story, day in first_days.items()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO story_articles (article_id, story_id) VALUES (?, ?)",
                list(assigned.items()),
            )

    def document_frequency(self, words: Iterable[str]) -> dict[str, int]:
        """Word -> how many passages hold it (in any form the keyword index folds together)."""
        out = {}
        for word in words:
            row = self.db.execute(
                "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{word}"',)
            ).fetchone()
            out[word] = int(row[0])
        return out

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def words_between(self, words: Iterable[str], first: str, last: str) -> set[str]:
        """The words (in any form the keyword index folds together) that a passage of an
        article dated within [first, last] holds."""
        found = set()
        for word in words:
            row = self.db.execute(
                "SELECT 1 FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid"
                " JOIN articles a ON a.id = c.article_id"
                " WHERE chunks_fts MATCH ? AND a.day >= ? AND a.day <= ? LIMIT 1",
                (f'"{word}"', first, last),
            ).fetchone()
            if row:
                found.add(word)
        return found

    def reprints(self, article_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Article id -> (outlet name, location) of each copy of it that was not stored (the
        near-duplicates and same-text copies; the name is '' when the copy gave none)."""
        out: dict[str, list[tuple[str, str]]] = {}
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self.db.execute(
                "SELECT duplicate_of, site_name, location FROM duplicates"
                f" WHERE kind != 'same URL' AND duplicate_of IN ({','.join('?' * len(part))})",
                part,
            )
            for aid, site_name, location in rows:
                out.setdefault(aid, []).append((site_name, location))
        return out

    def delivered(self, week: str, topic: str) -> dict[str, str]:
        """Recipient -> message id of the briefing of ``week`` on ``topic`` sent to them."""
        rows = self.db.execute(
            "SELECT recipient, message_id FROM deliveries WHERE week = ? AND topic = ?",
            (week, topic),
        )
        return {r[0]: r[1] for r in rows}

    def record_delivery(
        self, week: str, topic: str, recipients: Iterable[str], message_id: str
    ) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO deliveries VALUES (?, ?, ?, ?, ?)",
                [(week, topic, r, message_id, now_iso()) for r in recipients],
            )

    def stats(self) -> dict[str, object]:
        one = self.db.execute
        return {
            "articles": one("SELECT count(*) FROM articles").fetchone()[0],
            "chunks": one("SELECT count(*) FROM chunks").fetchone()[0],
            "characters": one("SELECT coalesce(sum(length(text)), 0) FROM articles").fetchone()[0],
            "duplicates": one("SELECT count(*) FROM duplicates").fetchone()[0],
            "pending_index": one("SELECT count(*) FROM articles WHERE indexed = 0").fetchone()[0],
            "sites": one("SELECT count(DISTINCT site_name) FROM articles").fetchone()[0],
            "first_published": one(
                "SELECT min(published) FROM articles WHERE published != ''"
            ).fetchone()[0],
            "last_published": one("SELECT max(published) FROM articles").fetchone()[0],
            "sample_articles": one("SELECT count(*) FROM articles WHERE sample = 1").fetchone()[0],
        }

    def site_counts(self) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT site_name, count(*) FROM articles GROUP BY site_name ORDER BY 2 DESC, 1"
        )
        return [(r[0] or "(unknown)", r[1]) for r in rows]

    def fts_count(self) -> int:
        # the FTS index's own row count, not the content table's
        return int(self.db.execute("SELECT count(*) FROM chunks_fts_docsize").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        """Problems inside SQLite: FTS out of step, spans that do not match, orphan chunks."""
        problems: list[str] = []
        try:
            damage = [r[0] for r in self.db.execute("PRAGMA quick_check(20)")]
        except sqlite3.DatabaseError as exc:
            damage = [str(exc)]
        if damage != ["ok"]:
            return [
                f"the database file is damaged: {'; '.join(damage[:3])}"
                " (run 'citebrief corpus rebuild')"
            ]
        try:
            self.db.execute(
                "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError as exc:
            problems.append(f"keyword index damaged: {exc} (run 'citebrief corpus rebuild')")
        orphans = self.db.execute(
            "SELECT count(*) FROM chunks WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{plural(orphans, 'chunk')} without an article")
        fts, chunks = self.fts_count(), self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if fts != chunks:
            problems.append(f"keyword index has {plural(fts, 'row')} for {plural(chunks, 'chunk')}")
        bad = self.db.execute(
            "SELECT count(*) FROM chunks c JOIN articles a ON a.id = c.article_id"
            " WHERE substr(a.text, c.start + 1, c.end - c.start) != c.text"
        ).fetchone()[0]
        if bad:
            problems.append(f"{plural(bad, 'chunk')} whose text is not article.text[start:end]")
        return problems

    def all_chunk_ids(self, indexed_only: bool = True) -> set[str]:
        sql = "SELECT c.id FROM chunks c"
        if indexed_only:
            sql += " JOIN articles a ON a.id = c.article_id WHERE a.indexed = 1"
        return {r[0] for r in self.db.execute(sql)}

    # --- writing ----------------------------------------------------------------------------------
    def save(self, article: Article, spans: Iterable[Span]) -> list[Chunk]:
        """Insert or replace an article with its chunks and keyword rows, in one transaction."""
        stamp = now_iso()
        rows = [
            Chunk(
                chunk_id(article.id, article.content_hash, s.index),
                article.id,
                s.index,
                s.start,
                s.end,
                s.text,
            )
            for s in spans
        ]
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article.id,))
            db.execute("DELETE FROM article_vectors WHERE article_id = ?", (article.id,))
            db.execute(
                f"INSERT INTO articles ({ARTICLE_COLUMNS}, day, indexed, added_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET location = excluded.location, url = excluded.url,"
                " canonical_url = excluded.canonical_url, title = excluded.title,"
                " author = excluded.author, site_name = excluded.site_name,"
                " published = excluded.published, language = excluded.language,"
                " fetched_at = excluded.fetched_at, source = excluded.source,"
                " sample = excluded.sample, content_hash = excluded.content_hash,"
                " minhash = excluded.minhash, text = excluded.text, section = excluded.section,"
                " day = excluded.day,"
                " indexed = 0, updated_at = excluded.updated_at",
                (
                    article.id,
                    article.location,
                    article.url,
                    article.canonical_url,
                    article.title,
                    article.author,
                    article.site_name,
                    article.published,
                    article.language,
                    article.fetched_at,
                    article.source,
                    int(article.sample),
                    article.content_hash,
                    article.minhash,
                    article.text,
                    article.section,
                    article.day,
                    stamp,
                    stamp,
                ),
            )
            db.executemany(
                "INSERT INTO chunks (id, article_id, idx, start, end, text)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(r.id, r.article_id, r.index, r.start, r.end, r.text) for r in rows],
            )
        return rows

    def record_duplicate(
        self,
        canonical: str,
        location: str,
        duplicate_of: str,
        kind: str,
        similarity: float,
        site_name: str = "",
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO duplicates (canonical_url, location, duplicate_of, kind,"
                " similarity, seen_at, site_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (canonical, location, duplicate_of, kind, similarity, now_iso(), site_name),
            )

    def set_section(self, article_id: str, section: str) -> None:
        """The section a page now declares (one stored before the column existed has none)."""
        with self.transaction() as db:
            db.execute("UPDATE articles SET section = ? WHERE id = ?", (section, article_id))

    def mark_indexed(self, article_ids: Iterable[str], hashes: dict[str, str]) -> None:
        """Mark articles indexed, but only if their text is still the one that was indexed."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE articles SET indexed = 1 WHERE id = ? AND content_hash = ?",
                [(a, hashes[a]) for a in article_ids],
            )

    def mark_all_unindexed(self) -> None:
        with self.transaction() as db:
            db.execute("UPDATE articles SET indexed = 0")

    def remove(self, article_id: str) -> bool:
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
            db.execute("DELETE FROM duplicates WHERE duplicate_of = ?", (article_id,))
            db.execute("DELETE FROM story_articles WHERE article_id = ?", (article_id,))
            db.execute("DELETE FROM article_vectors WHERE article_id = ?", (article_id,))
            gone = db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
            db.execute("INSERT OR IGNORE INTO vector_deletes VALUES (?)", (article_id,))
        return bool(gone)

    def clear_vector_deletes(self, article_ids: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM vector_deletes WHERE article_id = ?", [(a,) for a in article_ids]
            )


def article_from_row(row: sqlite3.Row) -> Article:
    present = set(row.keys())  # a salvaged database of an older schema lacks newer columns
    values = {name: row[name] for name in ARTICLE_COLUMNS.split(", ") if name in present}
    return Article(**{**values, "sample": bool(row["sample"]), "minhash": bytes(row["minhash"])})
