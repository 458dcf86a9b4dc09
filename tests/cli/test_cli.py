"""The command line as a user runs it: real processes, real model, real stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS, run_cli

pytestmark = pytest.mark.slow


run = run_cli


def test_ingest_sample_corpus_then_manage_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run(home, "ingest", str(CORPUS / "sources.txt"), str(tmp_path / "missing.html"))
    assert result.returncode == 1, result.stderr  # one source failed
    assert "25 added" in result.stdout
    assert "3 duplicate" in result.stdout
    assert "1 failed" in result.stdout
    assert "missing.html: no such file or directory" in result.stdout
    assert result.stdout.count("near-duplicate") == 3
    assert f"home: {home}" in result.stdout

    stats = json.loads(run(home, "corpus", "stats", "--json").stdout)
    assert stats["articles"] == 25
    assert stats["sample_articles"] == 25
    assert stats["vectors"] == stats["chunks"] > 20
    assert stats["first_published"] == "2026-11-09"
    assert stats["last_published"] == "2026-11-22"

    again = run(home, "ingest", str(CORPUS / "sources.txt"))
    assert again.returncode == 0
    assert "0 added" in again.stdout
    assert "25 unchanged" in again.stdout

    listing = run(home, "corpus", "list").stdout
    first_id = listing.splitlines()[1].split()[0]
    short = run(home, "corpus", "list", "--limit", "3")
    assert len(short.stdout.strip().splitlines()) == 1 + 3  # a header and three articles
    assert short.stderr.strip() == "3 of 25 (use --limit/--all)"
    every = run(home, "corpus", "list", "--all")
    assert len(every.stdout.strip().splitlines()) == 1 + 25
    assert every.stderr.strip() == ""
    shown = run(home, "corpus", "show", first_id[:6])
    assert shown.returncode == 0
    assert f"id: {first_id}" in shown.stdout
    assert "   section: " in shown.stdout  # the section its page declares (none here)

    removed = run(home, "corpus", "remove", first_id)
    assert removed.returncode == 0
    assert f"removed {first_id}" in removed.stdout
    assert run(home, "corpus", "check").returncode == 0
    assert json.loads(run(home, "corpus", "stats", "--json").stdout)["articles"] == 24
    readded = run(home, "ingest", str(CORPUS / "sources.txt"))
    assert "1 added" in readded.stdout

    missing = run(home, "corpus", "show", "zzzzzzzz")
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("error: no article with id")
    assert len(missing.stderr.strip().splitlines()) == 1

    mismatch = run(
        home,
        "corpus",
        "stats",
        CITEBRIEF_EMBEDDING_PROVIDER="openai",
        CITEBRIEF_EMBEDDING_MODEL="text-embedding-3-small",
        OPENAI_API_KEY="x",
    )
    assert mismatch.returncode == 2
    assert "built with 'local:sentence-transformers/all-MiniLM-L6-v2:int8'" in mismatch.stderr
    assert "citebrief corpus reindex" in mismatch.stderr

    reindexed = run(home, "corpus", "reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "re-indexed 25 articles" in reindexed.stdout
    assert run(home, "corpus", "check").returncode == 0


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["ingest", "x.html"], {"CITEBRIEF_CHUNK_SIZE": "abc"}, "invalid setting chunk_size"),
        (["ingest", "x.html"], {"CITEBRIEF_CHUNK_OVERLAP": "900"}, "chunk_overlap"),
        (["ingest", "x.html", "--since", "someday"], {}, "cannot read the date"),
        (["corpus", "stats"], {"CITEBRIEF_CHROMA_URL": "ftp://x"}, "not an http(s) URL"),
        (["nosuchcommand"], {}, "No such command"),
        (["brief", "x", "--from", "2026-11-20", "--to", "2026-11-10"], {}, "is after --to"),
        (["ask", "x", "--from", "2026-11-20", "--to", "2026-11-10"], {}, "is after --to"),
        (["chat", "--from", "2026-11-20", "--to", "2026-11-10"], {}, "is after --to"),
        (["brief", "x", "--since", "7d", "--to", "2026-11-10"], {}, "cannot be combined"),
        (["brief", "x", "--from", "11/20/2026"], {}, "cannot read the date"),
        (["corpus", "stats"], {"CITEBRIEF_CONFIG": "typo.toml"}, "CITEBRIEF_CONFIG names typo"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = run(tmp_path / "home", *args, **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["brief", "ask", "chat"])
def test_brief_ask_and_chat_show_one_default_window(tmp_path: Path, command: str) -> None:
    shown = run(tmp_path / "home", command, "--help")
    assert shown.returncode == 0
    assert "30d (the default)" in " ".join(shown.stdout.split())
    assert "all" in shown.stdout


@pytest.mark.parametrize(
    ("command", "topic", "said"),
    [
        ("brief", "", "'' names nothing to look for"),
        ("brief", "   ", "'' names nothing to look for"),
        ("ask", "?", "'?' names nothing to look for"),
        ("ask", "What is the latest news?", "names nothing to look for: only common words"),
        ("brief", "the and of", "'the and of' names nothing to look for: only common words"),
    ],
)
def test_a_topic_that_names_nothing_is_a_usage_error(
    tmp_path: Path, command: str, topic: str, said: str
) -> None:
    """Before the corpus is even opened: the fix is the user's, whatever was ingested."""
    result = run(tmp_path / "home", command, topic, "--since", "all")
    assert result.returncode == 2
    assert said in result.stderr
    assert "hint: name what it is about" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["brief", "ask"])
def test_since_all_on_an_empty_corpus_says_to_ingest(tmp_path: Path, command: str) -> None:
    result = run(tmp_path / "home", command, "chip exports", "--since", "all")
    assert result.returncode == 1
    said = result.stderr + result.stdout
    assert "the corpus is empty" in said
    assert "citebrief ingest" in said
