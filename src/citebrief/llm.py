"""The LLM edge: every call to an OpenAI-compatible chat endpoint goes through ``ChatClient``.

It wraps langchain-openai's ``ChatOpenAI``: timeouts, 429 (the SDK honours Retry-After) and
5xx get bounded retries with backoff, then a one-line ``LLMError`` with a hint. Structured
output (a JSON schema) is asked for where the server supports it, with plain JSON in the reply
as the fallback: a server that refuses ``response_format`` (OpenAI-compatible servers say so
with a 400, a 422 or, like llama-cpp-python's, a 500 naming the field) is asked once, without
retries, and the client remembers the answer. ``complete_json`` gives a malformed reply one
repair attempt, then fails: never half an answer. Callers pass messages as ``(role, text)``
pairs and import no SDK. ``llm_max_tokens`` bounds every reply.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from citebrief.errors import ConfigError, LLMError, MalformedOutput
from citebrief.models import OnToken
from citebrief.settings import LLMSettings

Message = tuple[str, str]  # ("system" | "user" | "assistant", text)
T = TypeVar("T")


@dataclass(slots=True)
class Reply:
    text: str
    usage: dict[str, int] = field(default_factory=dict)  # input, output and total tokens
    finish: str = "stop"


def add_usage(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a reply (bare, or in a ```json fence); MalformedOutput otherwise."""
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    candidate = fenced.group(1) if fenced else text[text.find("{") : text.rfind("}") + 1]
    if not candidate:
        raise MalformedOutput("the reply holds no JSON object")
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as exc:
        raise MalformedOutput(f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(data, dict):
        raise MalformedOutput("the reply is not a JSON object")
    return data


def _usage(message: Any) -> dict[str, int]:
    meta = getattr(message, "usage_metadata", None) or {}
    return {k: int(meta.get(k, 0)) for k in ("input_tokens", "output_tokens", "total_tokens")}


def retryable(status: int) -> bool:
    """The HTTP statuses the OpenAI SDK retries (with backoff, honouring Retry-After)."""
    return status in (408, 409, 429) or status >= 500


def refuses_schema(exc: Exception) -> bool:
    """Whether an HTTP error says the server does not do ``response_format`` json_schema: a
    400 or 422, or a 5xx whose body names the field (llama-cpp-python answers 500)."""
    status = getattr(exc, "status_code", 0)
    if status in (400, 422):
        return True
    said = f"{exc} {getattr(exc, 'body', '')}".lower()
    return status >= 500 and any(w in said for w in ("response_format", "json_schema", "schema"))


def _broke_off(exc: Exception) -> LLMError:
    return LLMError(
        f"the LLM's answer broke off: {exc or type(exc).__name__}",
        hint="ask again; if it keeps happening, check the server's logs",
    )


class ChatClient:
    """One chat model of an OpenAI-compatible endpoint: ``model`` and ``temperature`` default to
    the settings'; ``chat`` may be injected (a langchain chat model, for tests and programs)."""

    def __init__(
        self,
        settings: LLMSettings,
        model: str = "",
        temperature: float | None = None,
        chat: Any = None,
    ) -> None:
        if chat is None and not settings.configured:
            raise ConfigError(
                "no LLM configured",
                hint="set OPENAI_API_KEY (and OPENAI_BASE_URL for Ollama, vLLM or llama.cpp), "
                "or use --writer extractive",
            )
        self.settings = settings
        self.model = model or settings.llm_model
        self.temperature = settings.llm_temperature if temperature is None else temperature
        retries = settings.llm_retries
        self.chat = chat if chat is not None else self._chat_model(retries)
        # the first structured call asks, without retries, whether json_schema is understood
        self.probe = chat if chat is not None else self._chat_model(0)
        self.rest = None if chat is not None or not retries else self._chat_model(retries - 1)
        self.structured: bool | None = None  # unknown until the first structured call

    def _chat_model(self, retries: int) -> Any:
        from langchain_openai import ChatOpenAI

        limit = self.settings.llm_max_tokens
        extra: dict[str, Any] = {}
        if limit and self.settings.openai_base_url:  # compatible servers read max_tokens
            extra["extra_body"] = {"max_tokens": limit}
        return ChatOpenAI(
            model=self.model,
            temperature=self.temperature,
            timeout=self.settings.llm_timeout,
            max_retries=retries,
            max_tokens=limit,
            **extra,
            **self.settings.endpoint(),
        )

    # --- calls ---------------------------------------------------------------------------------
    def complete(self, messages: Sequence[Message], schema: dict[str, Any] | None = None) -> Reply:
        """One reply; with ``schema``, structured output where the server supports it."""
        import openai

        try:
            if schema is None or self.structured is False:
                return self._plain(messages)
            response_format = {
                "type": "json_schema",
                "json_schema": {
                    "name": schema.get("title", "reply"),
                    "strict": True,
                    "schema": schema,
                },
            }
            return self._structured(messages, response_format)
        except openai.OpenAIError as exc:
            raise self.error(exc) from exc

    def _structured(self, messages: Sequence[Message], response_format: dict[str, Any]) -> Reply:
        import openai

        def ask(chat: Any) -> Any:
            return chat.bind(response_format=response_format).invoke(list(messages))

        if self.structured:
            return self._reply(ask(self.chat))
        try:  # the probe is the first attempt; the rest get the remaining retries
            message = ask(self.probe)
        except openai.APIStatusError as exc:
            if refuses_schema(exc):
                self.structured = False
                return self._plain(messages)
            if self.rest is None or not retryable(exc.status_code):
                raise
            message = ask(self.rest)
        except openai.APIConnectionError:  # timeouts too
            if self.rest is None:
                raise
            message = ask(self.rest)
        self.structured = True
        return self._reply(message)

    def _plain(self, messages: Sequence[Message]) -> Reply:
        with warnings.catch_warnings():  # langchain's advice about json_schema does not apply
            warnings.simplefilter("ignore")
            return self._reply(self.chat.invoke(list(messages)))

    def complete_json(
        self,
        messages: Sequence[Message],
        parse: Callable[[str], T],
        *,
        schema: dict[str, Any] | None = None,
        repair: str,
        failure: str,
        hint: str,
        usage: dict[str, int] | None = None,
    ) -> T:
        """A reply read by ``parse`` (which raises MalformedOutput). A malformed reply is sent
        back once with ``repair`` (what to do instead); malformed twice is an LLMError that
        starts with ``failure``. Token counts are added to ``usage``."""
        usage = usage if usage is not None else {}
        reply = self.complete(messages, schema)
        add_usage(usage, reply.usage)
        try:
            return parse(reply.text)
        except MalformedOutput as first:
            again = self.complete(
                [
                    *messages,
                    ("assistant", reply.text),
                    ("user", f"That reply was not valid: {first}. {repair}"),
                ]
            )
            add_usage(usage, again.usage)
            try:
                return parse(again.text)
            except MalformedOutput as second:
                raise LLMError(f"{failure} ({second})", hint=hint) from second

    def stream(self, messages: Sequence[Message], on_token: OnToken) -> Reply:
        """The reply's words handed to ``on_token`` as they come, then the whole reply."""
        import httpx
        import openai

        usage: dict[str, int] = {}
        parts: list[str] = []
        finish = ""
        try:
            for chunk in self.chat.stream(list(messages), stream_usage=True):
                text = str(chunk.content)
                if text:
                    parts.append(text)
                    on_token(text)
                add_usage(usage, _usage(chunk))
                finish = str(chunk.response_metadata.get("finish_reason") or finish)
        except openai.APIConnectionError as exc:
            if not parts:
                raise self.error(exc) from exc
            raise _broke_off(exc) from exc
        except openai.OpenAIError as exc:
            raise self.error(exc) from exc
        except httpx.HTTPError as exc:
            raise _broke_off(exc) from exc
        except ValueError as exc:  # an unreadable event in the stream
            raise LLMError(
                "the LLM sent an unreadable answer", hint="ask again, or check the server"
            ) from exc
        return Reply("".join(parts), usage, finish)

    def _reply(self, message: Any) -> Reply:
        finish = str(message.response_metadata.get("finish_reason") or "stop")
        return Reply(str(message.content), _usage(message), finish)

    # --- errors --------------------------------------------------------------------------------
    def error(self, exc: Exception) -> LLMError:
        """One line with a hint for each way an OpenAI-compatible call fails."""
        import openai

        attempts = self.settings.llm_retries + 1
        status = getattr(exc, "status_code", 0)
        retried = retryable(status)
        facts = {
            "where": self.settings.where,
            "attempts": attempts,
            "model": self.model,
            "status": status,
            "tries": f" after {attempts} attempts" if retried and attempts > 1 else "",
        }
        for kind, message, hint in _FAILURES:  # the most specific kind first
            if isinstance(exc, getattr(openai, kind)):
                return LLMError(message.format(**facts), hint=hint)
        return LLMError(f"the LLM call failed: {exc}", hint="run with --debug for details")


# openai exception -> message (with {where}, {attempts}, {model}, {status}, {tries}) and hint
_FAILURES = (
    (
        "APITimeoutError",
        "the LLM at {where} timed out after {attempts} attempts",
        "raise CITEBRIEF_LLM_TIMEOUT, try later, or use --writer extractive",
    ),
    (
        "RateLimitError",
        "the LLM at {where} is rate-limiting (429) after {attempts} attempts",
        "wait and retry, raise CITEBRIEF_LLM_RETRIES, or check your quota",
    ),
    ("AuthenticationError", "the LLM at {where} refused the API key (401)", "check OPENAI_API_KEY"),
    (
        "NotFoundError",
        "the LLM at {where} does not know model {model!r}",
        "set CITEBRIEF_LLM_MODEL to a model the server serves",
    ),
    (
        "APIStatusError",
        "the LLM at {where} failed with HTTP {status}{tries}",
        "try later, or use --writer extractive",
    ),
    (
        "APIConnectionError",
        "cannot connect to the LLM at {where}",
        "check OPENAI_BASE_URL and that the server is running",
    ),
)
