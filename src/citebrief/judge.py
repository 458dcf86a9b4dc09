"""The LLM verifier: an LLM judges whether passages support a claim, with cached verdicts.

``LLMVerifier`` has the verifier interface, ``judge(passages, claim) -> Verdict``. It asks the
chat model of ``llm.chat_model`` (any OpenAI-compatible endpoint; the same retries and
one-line errors as the writer) at temperature 0 with the ``judge`` prompt, in which the
passages are fenced as untrusted data. A malformed reply gets one repair attempt, then an
``LLMError``. Verdicts are cached in ``$CITEBRIEF_HOME/judge_cache.sqlite3`` under a hash of
(passages, claim, model, prompt version): the same question is never asked twice, and another
model or another prompt asks again.
"""

from __future__ import annotations

import hashlib
import html
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citebrief import templates
from citebrief.errors import StoreError
from citebrief.llm import LLMError, MalformedOutput, chat_model, llm_error, parse_draft_json
from citebrief.settings import Settings
from citebrief.verify import Label, Verdict

SYSTEM = "You check whether evidence supports a claim. You reply with JSON only."
SCORES = {Label.SUPPORTED: 1.0, Label.PARTIAL: 0.5, Label.UNSUPPORTED: 0.0}


def prompt_version() -> str:
    """A hash of the judge prompt: editing the prompt invalidates the cached verdicts."""
    return hashlib.sha256(templates.load("judge").encode("utf-8")).hexdigest()[:16]


def cache_key(passages: Sequence[str], claim: str, model: str, version: str) -> str:
    payload = json.dumps([list(passages), claim, model, version], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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


def parse_verdict(text: str) -> Verdict:
    """The verdict in a reply; MalformedOutput when it has none."""
    data = parse_draft_json(text)
    raw = data.get("verdict")
    try:
        label = Label(str(raw).strip().lower())
    except ValueError as exc:
        raise MalformedOutput(
            f"'verdict' must be supported, partial or unsupported, not {raw!r}"
        ) from exc
    reason = data.get("reason", "")
    return Verdict(label, SCORES[label], reason if isinstance(reason, str) else str(reason))


def judge_prompt(passages: Sequence[str], claim: str) -> str:
    evidence = templates.fence_passages(
        [(f"E{i}", "evidence", text) for i, text in enumerate(passages, start=1)]
    )
    return templates.render("judge", claim=html.escape(claim, quote=False), evidence=evidence)


class LLMVerifier:
    """A verifier that asks an LLM; ``model`` may be injected (tests, other programs)."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: Any | None = None,
        version: str | None = None,
        cache: VerdictCache | None = None,
    ) -> None:
        name = settings.judge_model or settings.llm_model
        self.settings = settings.model_copy(update={"llm_model": name, "llm_temperature": 0.0})
        self.model_name = name
        self.model = model if model is not None else chat_model(self.settings)
        self.version = version or prompt_version()
        self.cache = cache or VerdictCache(settings.home / "judge_cache.sqlite3")

    def judge(self, passages: Sequence[str], claim: str) -> Verdict:
        if not passages:
            return Verdict(Label.UNSUPPORTED, 0.0, "no evidence")
        key = cache_key(passages, claim, self.model_name, self.version)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        verdict = self._ask(judge_prompt(passages, claim))
        self.cache.put(key, verdict, self.model_name)
        return verdict

    def _ask(self, prompt: str) -> Verdict:
        import openai
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        messages: list[Any] = [SystemMessage(SYSTEM), HumanMessage(prompt)]
        try:
            reply = str(self.model.invoke(messages).content)
            try:
                return parse_verdict(reply)
            except MalformedOutput as first:
                repair = [
                    *messages,
                    AIMessage(reply),
                    HumanMessage(
                        f"That reply was not valid: {first}. Reply again with only the JSON "
                        'object {"verdict": ..., "reason": ...}.'
                    ),
                ]
                again = str(self.model.invoke(repair).content)
                try:
                    return parse_verdict(again)
                except MalformedOutput as second:
                    raise LLMError(
                        f"the judge's reply was malformed twice ({second})",
                        hint="use a stronger model (CITEBRIEF_JUDGE_MODEL) or --verifier offline",
                    ) from second
        except openai.OpenAIError as exc:
            raise llm_error(exc, self.settings) from exc
