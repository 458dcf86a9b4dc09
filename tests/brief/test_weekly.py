"""The weekly briefings, through the real command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import CORPUS, run_cli


@pytest.mark.slow
def test_weekly_writes_three_formats_per_topic_and_exits_by_outcome(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(tmp_path / "home", *args)

    assert cli("ingest", str(CORPUS / "sources.txt")).returncode == 0
    done = cli("weekly", "--topics", str(CORPUS / "topics.txt"), "--as-of", "2026-11-22")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 3
    assert all(line.lstrip().startswith("ok") for line in lines)
    written = sorted(p.name for p in (tmp_path / "briefings").iterdir())
    assert len(written) == 9
    assert "2026-W47-hbm-export-controls.html" in written

    thin = cli("weekly", "--topics", str(CORPUS / "topics.txt"), "--as-of", "2026-12-31")
    assert thin.returncode == 1
    assert thin.stdout.count("failed") == 3
    assert "no article is dated 2026-12-25 to 2026-12-31" in thin.stdout

    md = cli("brief", "Nvidia China sales", "--from", "2026-11-09", "--to", "2026-11-22")
    assert md.returncode == 0
    assert md.stdout.startswith("# Food for thought: Nvidia China sales")
    bad = cli("brief", "x", "--writer", "openai")
    assert bad.returncode == 2
    assert "no LLM configured" in bad.stderr
