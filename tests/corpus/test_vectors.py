"""The embedded vector store under several processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROCESSES, ROUNDS = 4, 5

# Each round every process signs in, waits until all have, then opens the round's new home.
OPEN_TOGETHER = """
import sys, time
from pathlib import Path
from citebrief.corpus.vectors import open_index
from citebrief.settings import load_settings
from tests.conftest import HashEmbeddings
where, me, processes, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for n in range(rounds):
    (where / f"ready{n}.{me}").touch()
    give_up = time.monotonic() + 60
    while len(list(where.glob(f"ready{n}.*"))) < processes:
        if time.monotonic() > give_up:
            sys.exit(f"round {n}: another process never arrived")
        time.sleep(0.002)
    index = open_index(load_settings(home=where / f"home{n}"), HashEmbeddings())
    print(index.count())
"""


def test_processes_creating_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    # two processes creating Chroma's schema at once fail ("table collections already
    # exists") unless opening is serialised
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_TOGETHER, str(tmp_path), str(me), str(PROCESSES),
             str(ROUNDS)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for me in range(PROCESSES)
    ]  # fmt: skip
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
        assert out.split() == ["0"] * ROUNDS
