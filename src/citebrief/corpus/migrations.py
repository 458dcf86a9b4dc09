"""Numbered schema migrations of the corpus database, applied in order when it opens.

The version lives in ``meta.schema_version``. Each migration runs in its own transaction
(``BEGIN IMMEDIATE``, so two processes opening an old corpus at once migrate it once); a
migration is SQL statements or a function of the connection. Append new migrations to the
end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from citebrief.text import article_day


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    what: str
    apply: Callable[[sqlite3.Connection], None]


def _statements(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        in_trigger = joined.upper().startswith("CREATE TRIGGER")
        if joined.endswith(";") and (not in_trigger or joined.upper().endswith("END;")):
            out.append(joined)
            buf = []
    return out


def _sql(script: str) -> Callable[[sqlite3.Connection], None]:
    def run(db: sqlite3.Connection) -> None:
        for statement in _statements(script):
            db.execute(statement)

    return run


V1 = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    site_name TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    sample INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    minhash BLOB NOT NULL,
    text TEXT NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_pending ON articles(indexed) WHERE indexed = 0;
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL REFERENCES articles(id),
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id, idx);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TABLE IF NOT EXISTS duplicates (
    canonical_url TEXT PRIMARY KEY,
    location TEXT NOT NULL,
    duplicate_of TEXT NOT NULL,
    kind TEXT NOT NULL,
    similarity REAL NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vector_deletes (article_id TEXT PRIMARY KEY);
"""


def _article_day(db: sqlite3.Connection) -> None:
    """Each article's day (published, else fetched) as a column, so that date windows are one
    indexed comparison instead of an expression repeated in every query."""
    db.execute("ALTER TABLE articles ADD COLUMN day TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT id, published, fetched_at FROM articles").fetchall()
    db.executemany(
        "UPDATE articles SET day = ? WHERE id = ?",
        [(article_day(published, fetched_at), aid) for aid, published, fetched_at in rows],
    )
    db.execute("CREATE INDEX articles_day ON articles(day)")


V3 = """
ALTER TABLE duplicates ADD COLUMN site_name TEXT NOT NULL DEFAULT '';
CREATE TABLE stories (
    id TEXT PRIMARY KEY,
    first_day TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE story_articles (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id TEXT NOT NULL REFERENCES stories(id)
);
CREATE INDEX story_articles_story ON story_articles(story_id);
CREATE TABLE article_vectors (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE TABLE word_vectors (
    word TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (word, model)
);
"""

V4 = """
CREATE TABLE deliveries (
    week TEXT NOT NULL,
    topic TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (week, topic, recipient)
);
"""


MIGRATIONS = (
    Migration(1, "articles, chunks, keyword index, duplicates, pending vector deletes", _sql(V1)),
    Migration(2, "the article's day as an indexed column", _article_day),
    Migration(
        3,
        "stories, article and word vectors for grouping and relevance, reprints' outlets",
        _sql(V3),
    ),
    Migration(4, "the record of briefings sent by email", _sql(V4)),
    Migration(
        5,
        "the article's section as its page declares it (opinion labels)",
        _sql("ALTER TABLE articles ADD COLUMN section TEXT NOT NULL DEFAULT '';"),
    ),
)
LATEST = MIGRATIONS[-1].version


def version(db: sqlite3.Connection) -> int:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not exists:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite3.Connection) -> list[int]:
    """Apply every migration newer than the database, each in its own transaction; return the
    versions applied. ``db`` must be in autocommit mode (``isolation_level=None``)."""
    applied = []
    for migration in MIGRATIONS:
        if version(db) >= migration.version:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            if version(db) < migration.version:  # another process may have just done it
                db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                migration.apply(db)
                db.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                    (str(migration.version),),
                )
                applied.append(migration.version)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return applied
