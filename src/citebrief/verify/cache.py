"""The LLM judge's verdicts, cached by key in a small SQLite file of their own
(``$CITEBRIEF_HOME/judge_cache.sqlite3``): the same question is never asked twice."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from citebrief.errors import StoreError
from citebrief.models import Label, Verdict

SCORES = {Label.SUPPORTED: 1.0, Label.PARTIAL: 0.5, Label.UNSUPPORTED: 0.0}


class VerdictCache:
    """Verdicts by key in a small SQLite file of their own."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, label TEXT NOT NULL,"
                " reason TEXT NOT NULL, model TEXT NOT NULL,"
                " created TEXT DEFAULT CURRENT_TIMESTAMP)"
            )
            self.db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the verdict cache {path}: {exc}",
                hint="check CITEBRIEF_HOME is writable, or delete the file to start afresh",
            ) from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> Verdict | None:
        with self._lock:
            row = self.db.execute(
                "SELECT label, reason FROM verdicts WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        label = Label(row[0])
        return Verdict(label, SCORES[label], row[1])

    def put(self, key: str, verdict: Verdict, model: str) -> None:
        with self._lock, self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO verdicts (key, label, reason, model) VALUES (?, ?, ?, ?)",
                (key, verdict.label.value, verdict.reason, model),
            )

    def close(self) -> None:
        self.db.close()
