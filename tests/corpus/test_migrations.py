"""Schema migrations: a corpus written by an older citebrief opens, upgraded, with nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from citebrief.corpus import migrations, salvage
from citebrief.corpus.migrations import V1
from citebrief.corpus.store import Corpus
from citebrief.errors import StoreError


def version_1_corpus(path: Path) -> None:
    """A corpus exactly as citebrief 0.1 (schema version 1) wrote it: two articles, one with
    no published date, their chunks and keyword rows."""
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        + V1
        + "INSERT INTO meta VALUES ('schema_version', '1');"
    )
    rows = [
        ("a1", "2026-11-12", "2026-11-20T08:00:00+00:00", "HBM rules tighten on memory exports."),
        ("a2", "", "2026-11-21T09:30:00+00:00", "Undated notes about Ascend chips."),
    ]
    for aid, published, fetched, text in rows:
        db.execute(
            "INSERT INTO articles (id, location, url, canonical_url, published, fetched_at,"
            " content_hash, minhash, text, indexed, added_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (aid, f"file:///{aid}", f"https://e.example/{aid}", f"https://e.example/{aid}",
             published, fetched, f"hash-{aid}", b"", text, fetched, fetched),
        )  # fmt: skip
        db.execute(
            "INSERT INTO chunks (id, article_id, idx, start, end, text) VALUES (?, ?, 0, 0, ?, ?)",
            (f"{aid}-c0", aid, len(text), text),
        )
    db.commit()
    db.close()


def test_a_version_1_corpus_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    version_1_corpus(path)
    corpus = Corpus(path)
    try:
        assert migrations.version(corpus.db) == migrations.LATEST
        days = dict(corpus.db.execute("SELECT id, day FROM articles").fetchall())
        assert days == {"a1": "2026-11-12", "a2": "2026-11-21"}
        assert corpus.latest_day() == "2026-11-21"
        article = corpus.get("a2")
        assert article is not None
        assert article.text == "Undated notes about Ascend chips."
        assert article.section == ""  # version 5's column, empty until the page is read again
        assert corpus.pending_index() == []  # nothing to re-embed
        hits = corpus.keyword_search("memory exports", k=5, start="2026-11-12", end="2026-11-12")
        assert [h.chunk.id for h in hits] == ["a1-c0"]
        assert corpus.integrity_problems() == []
    finally:
        corpus.close()


def test_opening_again_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    Corpus(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrations.migrate(db) == []
        assert migrations.version(db) == migrations.LATEST
    finally:
        db.close()


def test_a_new_corpus_gets_every_migration(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "new.sqlite3", isolation_level=None)
    try:
        assert migrations.migrate(db) == [m.version for m in migrations.MIGRATIONS]
    finally:
        db.close()


def test_a_corpus_from_a_newer_citebrief_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    Corpus(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 99") as caught:
        Corpus(path)
    assert caught.value.hint is not None


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in migrations.MIGRATIONS] == list(
        range(1, len(migrations.MIGRATIONS) + 1)
    )


def test_a_damaged_corpus_of_an_older_schema_is_salvaged(tmp_path: Path) -> None:
    """Rebuilding reads a database that never reached the newest schema: the columns it lacks
    take their defaults, every article is kept."""
    path = tmp_path / "corpus.sqlite3"
    version_1_corpus(path)
    found = salvage.read_damaged(path)
    assert found.readable
    assert found.lost == 0
    assert sorted((a.id, a.section) for a in found.articles) == [("a1", ""), ("a2", "")]
