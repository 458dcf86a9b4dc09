"""The LLM verifier: an LLM judges whether passages support a claim, with cached verdicts.

``LLMVerifier`` has the verifier interface, ``judge(passages, claim) -> Verdict``. It asks an
``llm.ChatClient`` (any OpenAI-compatible endpoint; the same retries and one-line errors as the
writer) at temperature 0 with the ``judge`` prompt, in which the passages are fenced as untrusted
data, and the reply's shape as a JSON schema (structured output where the server does it). A
malformed reply gets one repair attempt; malformed twice, the sentence is judged by the ``fallback``
verifier (the offline one) and its reason says so: one bad reply does not sink a briefing, and no
sentence passes unjudged. Without a fallback it is an ``LLMError``. Verdicts are cached in
``$CITEBRIEF_HOME/judge_cache.sqlite3`` under a hash of (passages, claim, model, prompt version):
the same question is never asked twice, and another model or another prompt asks again.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable, Sequence
from typing import Any

from citebrief import templates
from citebrief.errors import LLMError, MalformedOutput
from citebrief.llm import ChatClient, parse_json_object
from citebrief.models import Label, Verdict, Verifier
from citebrief.settings import Settings
from citebrief.verify.cache import SCORES, VerdictCache

SYSTEM = "You check whether evidence supports a claim. You reply with JSON only."
MALFORMED = "the judge's reply was malformed twice"

VERDICT_SCHEMA: dict[str, Any] = {
    "title": "verdict",
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": [label.value for label in Label]},
        "reason": {"type": "string"},
    },
    "required": ["verdict", "reason"],
    "additionalProperties": False,
}


def prompt_version() -> str:
    """A hash of the judge prompt: editing the prompt invalidates the cached verdicts."""
    return hashlib.sha256(templates.load("judge").encode("utf-8")).hexdigest()[:16]


def cache_key(passages: Sequence[str], claim: str, model: str, version: str) -> str:
    payload = json.dumps([list(passages), claim, model, version], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def parse_verdict(text: str) -> Verdict:
    """The verdict in a reply; MalformedOutput when it has none."""
    data = parse_json_object(text)
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
    """A verifier that asks an LLM (the judge model, else the writer's, at temperature 0);
    ``client`` and ``cache`` may be injected (tests, other programs); ``fallback`` makes the
    verifier that judges a claim whose verdict came back malformed twice (made when first
    needed)."""

    def __init__(
        self,
        settings: Settings,
        client: ChatClient | None = None,
        *,
        version: str = "",
        cache: VerdictCache | None = None,
        fallback: Callable[[], Verifier] | None = None,
    ) -> None:
        self.client = client or ChatClient(
            settings.llm,
            model=settings.verify.judge_model or settings.llm.llm_model,
            temperature=0.0,
        )
        self.version = version or prompt_version()
        self.cache = cache or VerdictCache(settings.home / "judge_cache.sqlite3")
        self.make_fallback = fallback
        self.fallback: Verifier | None = None
        self.fell_back = 0  # claims judged by the fallback in this session

    @property
    def model_name(self) -> str:
        return self.client.model

    def judge(self, passages: Sequence[str], claim: str) -> Verdict:
        if not passages:
            return Verdict(Label.UNSUPPORTED, 0.0, "no evidence")
        key = cache_key(passages, claim, self.model_name, self.version)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        try:
            verdict = self.client.complete_json(
                [("system", SYSTEM), ("user", judge_prompt(passages, claim))],
                parse_verdict,
                schema=VERDICT_SCHEMA,
                repair='Reply again with only the JSON object {"verdict": ..., "reason": ...}.',
                failure=MALFORMED,
                hint="use a stronger model (CITEBRIEF_JUDGE_MODEL) or --verifier offline",
            )
        except LLMError as exc:
            if self.make_fallback is None or not isinstance(exc.__cause__, MalformedOutput):
                raise
            return self._fall_back(passages, claim)
        self.cache.put(key, verdict, self.model_name)
        return verdict

    def _fall_back(self, passages: Sequence[str], claim: str) -> Verdict:
        """The fallback's verdict, not cached: the judge is asked again next time."""
        if self.fallback is None and self.make_fallback is not None:
            self.fallback = self.make_fallback()
        assert self.fallback is not None
        self.fell_back += 1
        verdict = self.fallback.judge(passages, claim)
        reason = f"{MALFORMED}; judged offline: {verdict.reason}".rstrip(": ")
        return Verdict(verdict.label, verdict.score, reason)
