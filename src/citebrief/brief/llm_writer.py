"""The LLM writer: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp server)
through ``llm.ChatClient``.

A briefing is asked for as structured output (a JSON schema of takeaways, sentences and cited
keys; plain JSON in the reply where the server cannot), checked by ``draft_from`` and repaired
once when malformed. An answer is plain sentences with inline [S1] keys, streamed on demand.
The passages reach the prompt fenced as untrusted data (``templates.fence_passages``).
"""

from __future__ import annotations

import re
from typing import Any

from citebrief import templates
from citebrief.brief import style
from citebrief.errors import LLMError, MalformedOutput
from citebrief.ingest.urls import outlet_name
from citebrief.llm import ChatClient, Message, Reply, parse_json_object
from citebrief.models import (
    AnswerRequest,
    BriefingRequest,
    Draft,
    DraftSentence,
    DraftTakeaway,
    OnToken,
    Passage,
)
from citebrief.settings import LLMSettings
from citebrief.text import sentence_spans

SYSTEM = "You write concise, accurate, cited analysis. You reply with JSON only."
ANSWER_SYSTEM = "You answer briefly and accurately, citing passage keys after each sentence."

BRIEFING_SCHEMA: dict[str, Any] = {
    "title": "briefing",
    "description": "Takeaways whose sentences cite passage keys.",
    "type": "object",
    "properties": {
        "takeaways": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "story": {"type": "string"},
                    "headline": {"type": "string"},
                    "sentences": {
                        "type": "array",
                        "minItems": 1,
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
                "required": ["story", "headline", "sentences"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["takeaways"],
    "additionalProperties": False,
}

# keys written after the full stop ("A. [S2] B.") belong to the sentence before it
_KEYS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[A-Za-z]{1,3}\d{1,4}[^\]]*\])+)")


def draft_from(
    data: dict[str, Any], model: str, usage: dict[str, int], stories: dict[str, str] | None = None
) -> Draft:
    """Validate the shape of a briefing reply (MalformedOutput on any deviation). ``stories``
    maps the story keys of the prompt (T1, ...) to story ids: a takeaway naming no known story
    keeps the story of its place; takeaways beyond the stories are dropped."""
    keys = list(stories or {})
    takeaways = data.get("takeaways")
    if not isinstance(takeaways, list) or not takeaways:
        raise MalformedOutput("'takeaways' must be a non-empty list")
    out: list[DraftTakeaway] = []
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
        named = str(item.get("story", "")).strip().upper()
        if stories is not None and named not in stories:
            named = keys[number - 1] if number <= len(keys) else ""
        story = (stories or {}).get(named, "")
        if stories is not None and (not story or any(t.story == story for t in out)):
            continue  # beyond the stories given, or a second takeaway for one story
        out.append(DraftTakeaway(item["headline"].strip(), parsed, story))
    if not out:
        raise MalformedOutput("no takeaway is about a story given")
    return Draft(out, writer="openai", model=model, usage=usage)


CHARS_PER_TOKEN = 4  # English text in BPE tokenizers, roughly (an estimate, not a count)
REPLY_TOKENS_PER_STORY = 350  # JSON, a headline and four sentences with their keys


def _triples(passages: list[Passage]) -> list[tuple[str, str, str]]:
    """(key, source label, text): the label names the outlet, the date, the title and, for an
    opinion piece, what kind it is and, when its byline is clearly a name, who wrote it ("The
    Trade Desk Review (op-ed by Jane Doe), 2026-11-17: ...")."""
    out = []
    for p in passages:
        kind = style.opinion_kind(p.title, p.url, p.section).split(" ", 1)[-1]
        writer = style.byline(p.author, p.site_name)
        label = f"{kind} by {writer}" if kind and writer else kind
        name = outlet_name(p.site_name, p.url)
        outlet = f"{name} ({label})" if kind else name
        out.append((p.key, f"{outlet}, {p.published}: {p.title}", p.text))
    return out


def _fenced(passages: list[Passage]) -> str:
    return templates.fence_passages(_triples(passages))


def story_keys(request: BriefingRequest) -> dict[str, str]:
    """T1, T2, ... -> story id, in the request's order."""
    return {f"T{n}": s.story.id for n, s in enumerate(request.stories, start=1)}


class OpenAIWriter:
    """Writes briefings and answers with an LLM; ``client`` may be injected."""

    name = "openai"

    def __init__(self, settings: LLMSettings, client: ChatClient | None = None) -> None:
        self.client = client if client is not None else ChatClient(settings)

    def briefing_messages(self, request: BriefingRequest) -> list[Message]:
        stories = templates.fence_stories(
            [
                (key, ", ".join(s.story.outlets), _triples(s.passages))
                for key, s in zip(story_keys(request), request.stories, strict=True)
            ]
        )
        prompt = templates.render(
            "briefing",
            today=request.today,
            window=request.window.label(),
            takeaways=len(request.stories),
            topic=request.topic,
            passages=stories,
        )
        return [("system", SYSTEM), ("user", prompt)]

    def answer_messages(self, request: AnswerRequest) -> list[Message]:
        prompt = templates.render(
            "answer",
            today=request.today,
            question=request.question,
            passages=_fenced(request.passages),
        )
        return [("system", ANSWER_SYSTEM), ("user", prompt)]

    def estimate_briefing(self, request: BriefingRequest) -> tuple[int, int]:
        """(prompt, completion) tokens, estimated before spending: about four characters a
        token for the prompt; for the reply, a headline and four sentences per story."""
        prompt = sum(len(text) for _, text in self.briefing_messages(request))
        return prompt // CHARS_PER_TOKEN + 1, len(request.stories) * REPLY_TOKENS_PER_STORY

    def write_briefing(self, request: BriefingRequest) -> Draft:
        usage: dict[str, int] = {}
        model, keys = self.client.model, story_keys(request)
        return self.client.complete_json(
            self.briefing_messages(request),
            lambda reply: draft_from(parse_json_object(reply), model, usage, keys),
            schema=BRIEFING_SCHEMA,
            repair="Reply again with only the corrected JSON object, in the shape asked for.",
            failure="the LLM's reply was malformed twice; nothing was written",
            hint="try again, use a stronger model (CITEBRIEF_LLM_MODEL), or --writer extractive",
            usage=usage,
        )

    def write_answer(self, request: AnswerRequest) -> Draft:
        return self._answer(self.client.complete(self.answer_messages(request)))

    def stream_answer(self, request: AnswerRequest, on_token: OnToken) -> Draft:
        return self._answer(self.client.stream(self.answer_messages(request), on_token))

    def _answer(self, reply: Reply) -> Draft:
        """Plain sentences with inline [S1] keys: one takeaway without a headline."""
        text = reply.text.strip()
        if not text:
            raise LLMError("the LLM returned an empty answer", hint="ask again")
        if reply.finish != "stop":
            raise LLMError(
                f"the LLM's answer is incomplete (finish reason: {reply.finish or 'none'}); "
                "nothing was kept",
                hint="ask again, or raise the server's output token limit",
            )
        text = _KEYS_AFTER_STOP.sub(r"\2\1", text)
        sentences = [DraftSentence(text[s:e], []) for s, e in sentence_spans(text)]
        return Draft(
            [DraftTakeaway("", sentences)],
            writer=self.name,
            model=self.client.model,
            usage=reply.usage,
        )
