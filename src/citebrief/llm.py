"""The LLM edge: an OpenAI-compatible chat model through langchain-openai.

``OpenAIWriter`` asks for structured output (a JSON schema of takeaways, sentences and cited
keys) where the server supports it, and falls back to plain JSON in the reply, parsed by a small
parser. Timeouts, 429 (the SDK honours Retry-After) and 5xx get bounded retries with backoff;
then a one-line ``LLMError`` with a hint. Malformed output gets one repair attempt, then an
error: never a half briefing.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from citebrief import templates
from citebrief.errors import CitebriefError, ConfigError
from citebrief.settings import Settings
from citebrief.writers import Draft, DraftSentence, DraftTakeaway, WriteRequest, sentences_of

SYSTEM = "You write concise, accurate, cited analysis. You reply with JSON only."
ANSWER_SYSTEM = "You answer briefly and accurately, citing passage keys after each sentence."

BRIEFING_SCHEMA: dict[str, Any] = {
    "title": "briefing",
    "description": "Takeaways whose sentences cite passage keys.",
    "type": "object",
    "properties": {
        "takeaways": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "headline": {"type": "string"},
                    "sentences": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "text": {"type": "string"},
                                "cite": {"type": "array", "items": {"type": "string"}},
                            },
                            "required": ["text", "cite"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["headline", "sentences"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["takeaways"],
    "additionalProperties": False,
}


_KEYS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[A-Za-z]{1,3}\d{1,4}[^\]]*\])+)")


def _broke_off(exc: Exception) -> LLMError:
    return LLMError(
        f"the LLM's answer broke off: {exc or type(exc).__name__}",
        hint="ask again; if it keeps happening, check the server's logs",
    )


class LLMError(CitebriefError):
    """The LLM could not be reached or gave no usable answer."""


class MalformedOutput(ValueError):
    pass


def chat_model(settings: Settings) -> Any:
    if not (settings.openai_api_key or settings.openai_base_url):
        raise ConfigError(
            "no LLM configured",
            hint="set OPENAI_API_KEY (and OPENAI_BASE_URL for Ollama, vLLM or llama.cpp), "
            "or use --writer extractive",
        )
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {
        "model": settings.llm_model,
        "temperature": settings.llm_temperature,
        "timeout": settings.llm_timeout,
        "max_retries": settings.llm_retries,
        "api_key": settings.openai_api_key or "not-needed",
    }
    if settings.openai_base_url:
        kwargs["base_url"] = settings.openai_base_url
    return ChatOpenAI(**kwargs)


def parse_draft_json(text: str) -> dict[str, Any]:
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


def draft_from(data: dict[str, Any], model: str, usage: dict[str, int]) -> Draft:
    """Validate the shape (MalformedOutput on any deviation) and build a Draft."""
    takeaways = data.get("takeaways")
    if not isinstance(takeaways, list) or not takeaways:
        raise MalformedOutput("'takeaways' must be a non-empty list")
    out = []
    for number, item in enumerate(takeaways, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("headline"), str):
            raise MalformedOutput(f"takeaway {number} needs a 'headline' string")
        sentences = item.get("sentences")
        if not isinstance(sentences, list) or not sentences:
            raise MalformedOutput(f"takeaway {number} needs a non-empty 'sentences' list")
        parsed = []
        for sentence in sentences:
            if not isinstance(sentence, dict) or not isinstance(sentence.get("text"), str):
                raise MalformedOutput(f"takeaway {number}: each sentence needs a 'text' string")
            cite = sentence.get("cite", [])
            if not isinstance(cite, list) or not all(isinstance(c, str) for c in cite):
                raise MalformedOutput(f"takeaway {number}: 'cite' must be a list of keys")
            parsed.append(DraftSentence(sentence["text"], list(cite)))
        out.append(DraftTakeaway(item["headline"].strip(), parsed))
    return Draft(out, writer="openai", model=model, usage=usage)


def _usage(message: Any) -> dict[str, int]:
    meta = getattr(message, "usage_metadata", None) or {}
    return {k: int(meta.get(k, 0)) for k in ("input_tokens", "output_tokens", "total_tokens")}


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value


def llm_error(exc: Exception, settings: Settings) -> LLMError:
    """One line with a hint for each way an OpenAI-compatible call fails."""
    import openai

    where = settings.openai_base_url or "api.openai.com"
    attempts = settings.llm_retries + 1
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(
            f"the LLM at {where} timed out after {attempts} attempts",
            hint="raise CITEBRIEF_LLM_TIMEOUT, try later, or use --writer extractive",
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError(
            f"the LLM at {where} is rate-limiting (429) after {attempts} attempts",
            hint="wait and retry, raise CITEBRIEF_LLM_RETRIES, or check your quota",
        )
    if isinstance(exc, openai.AuthenticationError):
        return LLMError(
            f"the LLM at {where} refused the API key (401)", hint="check OPENAI_API_KEY"
        )
    if isinstance(exc, openai.NotFoundError):
        return LLMError(
            f"the LLM at {where} does not know model {settings.llm_model!r}",
            hint="set CITEBRIEF_LLM_MODEL to a model the server serves",
        )
    if isinstance(exc, openai.APIStatusError):
        retried = exc.status_code in (408, 409, 429) or exc.status_code >= 500
        tries = f" after {attempts} attempts" if retried and attempts > 1 else ""
        return LLMError(
            f"the LLM at {where} failed with HTTP {exc.status_code}{tries}",
            hint="try later, or use --writer extractive",
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(
            f"cannot connect to the LLM at {where}",
            hint="check OPENAI_BASE_URL and that the server is running",
        )
    return LLMError(f"the LLM call failed: {exc}", hint="run with --debug for details")


class OpenAIWriter:
    """Any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp server."""

    name = "openai"

    def __init__(self, settings: Settings, model: Any | None = None) -> None:
        self.settings = settings
        self.model = model if model is not None else chat_model(settings)

    def messages(self, request: WriteRequest) -> list[BaseMessage]:
        prompt = templates.render(
            "briefing",
            today=request.today,
            window=request.window.label(),
            takeaways=request.takeaways,
            topic=request.topic,
            passages=self._fenced(request),
        )
        return [SystemMessage(SYSTEM), HumanMessage(prompt)]

    def write(self, request: WriteRequest) -> Draft:
        if request.kind == "answer":
            return self._answer(request)
        return self._briefing(request)

    def _fenced(self, request: WriteRequest) -> str:
        return templates.fence_passages(
            [(p.key, f"{p.site_name}, {p.published}: {p.title}", p.text) for p in request.passages]
        )

    def _answer(self, request: WriteRequest) -> Draft:
        """Plain sentences with inline [S1] keys, streamed through ``request.on_token``."""
        import httpx
        import openai

        prompt = templates.render(
            "answer", today=request.today, question=request.topic, passages=self._fenced(request)
        )
        messages: list[BaseMessage] = [SystemMessage(ANSWER_SYSTEM), HumanMessage(prompt)]
        usage: dict[str, int] = {}
        parts: list[str] = []
        finish = ""
        try:
            if request.on_token is None:
                reply = self.model.invoke(messages)
                _add(usage, _usage(reply))
                parts.append(str(reply.content))
                finish = str(reply.response_metadata.get("finish_reason") or "stop")
            else:
                for chunk in self.model.stream(messages, stream_usage=True):
                    text = str(chunk.content)
                    if text:
                        parts.append(text)
                        request.on_token(text)
                    _add(usage, _usage(chunk))
                    finish = str(chunk.response_metadata.get("finish_reason") or finish)
        except openai.APIConnectionError as exc:
            if not parts:
                raise llm_error(exc, self.settings) from exc
            raise _broke_off(exc) from exc
        except openai.OpenAIError as exc:
            raise llm_error(exc, self.settings) from exc
        except httpx.HTTPError as exc:
            raise _broke_off(exc) from exc
        except ValueError as exc:  # an unreadable event in the stream
            raise LLMError(
                "the LLM sent an unreadable answer", hint="ask again, or check the server"
            ) from exc
        text = "".join(parts).strip()
        if not text:
            raise LLMError("the LLM returned an empty answer", hint="ask again")
        if finish != "stop":
            raise LLMError(
                f"the LLM's answer is incomplete (finish reason: {finish or 'none'}); "
                "nothing was kept",
                hint="ask again, or raise the server's output token limit",
            )
        # keys written after the full stop ("A. [S2] B.") belong to the sentence before it
        text = _KEYS_AFTER_STOP.sub(r"\2\1", text)
        sentences = [DraftSentence(text[s:e], []) for s, e in sentences_of(text)]
        return Draft(
            [DraftTakeaway("", sentences)],
            writer="openai",
            model=self.settings.llm_model,
            usage=usage,
        )

    def _briefing(self, request: WriteRequest) -> Draft:
        import openai

        messages = self.messages(request)
        usage: dict[str, int] = {}
        try:
            reply = self._structured(messages, usage)
            try:
                return draft_from(parse_draft_json(reply), self.settings.llm_model, usage)
            except MalformedOutput as first:
                repair = [
                    *messages,
                    AIMessage(reply),
                    HumanMessage(
                        f"That reply was not valid: {first}. Reply again with only the corrected "
                        "JSON object, in the shape asked for."
                    ),
                ]
                again = self.model.invoke(repair)
                _add(usage, _usage(again))
                try:
                    data = parse_draft_json(str(again.content))
                    return draft_from(data, self.settings.llm_model, usage)
                except MalformedOutput as second:
                    raise LLMError(
                        f"the LLM's reply was malformed twice ({second}); nothing was written",
                        hint="try again, use a stronger model (CITEBRIEF_LLM_MODEL), or "
                        "--writer extractive",
                    ) from second
        except openai.OpenAIError as exc:
            raise llm_error(exc, self.settings) from exc

    def _structured(self, messages: list[BaseMessage], usage: dict[str, int]) -> str:
        """Structured output where the server supports it; else plain JSON in the reply."""
        import openai

        try:
            bound = self.model.bind(
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "briefing", "strict": True, "schema": BRIEFING_SCHEMA},
                }
            )
            reply = bound.invoke(messages)
        except openai.BadRequestError:  # the server does not do json_schema
            with warnings.catch_warnings():  # langchain's advice about it does not apply here
                warnings.simplefilter("ignore")
                reply = self.model.invoke(messages)
        _add(usage, _usage(reply))
        return str(reply.content)
