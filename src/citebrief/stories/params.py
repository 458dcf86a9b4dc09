"""The fitted parameters of story grouping and relevance, stored as data
(``data/stories.json``, written by ``evals/fit_stories.py``).

Relevance has two models: one for topics, fitted on the AllSides dev weeks' topics ("Middle
East", "Economic Policy"), and one for questions ("How long are delivery lead times for Ascend
950PR servers?"). A question is a sentence, and its cosine with a story's titles and leads is
lower than a topic's even when the story answers it: a model fitted on two-word topics reads
that as distance, and refuses it. The dev data holds no questions to fit on; the question model
is the topic model as fitted before the topics' fit moved to leave-one-week-out (2026-12-02)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

from citebrief.errors import ConfigError
from citebrief.stories.cluster import LINKAGES, GroupingParams
from citebrief.stories.relevance import RelevanceModel, Signals


@dataclass(frozen=True, slots=True)
class Fitted:
    """The shipped parameters: how articles group into stories, and the two relevance models
    (``Evidence.topics`` and ``Evidence.questions`` by default)."""

    grouping: GroupingParams
    topics: RelevanceModel  # relevance of a story to a briefing's topic
    questions: RelevanceModel  # ... to a question asked (``ask``, chat, a topic ending in "?")


@cache
def load() -> Fitted:
    """The shipped parameters (``data/stories.json``): grouping, and relevance to topics and
    to questions; ConfigError when the file is missing, malformed, or fitted on other
    features."""
    try:
        text = (resources.files("citebrief") / "data" / "stories.json").read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
        return parse(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"the story parameters (data/stories.json) cannot be read: {exc}",
            hint="reinstall citebrief, or refit them with evals/fit_stories.py",
        ) from exc


def parse(data: dict[str, Any]) -> Fitted:
    grouping = GroupingParams(**{f.name: data["grouping"][f.name] for f in fields(GroupingParams)})
    if grouping.linkage not in LINKAGES:
        raise ValueError(f"unknown linkage {grouping.linkage!r}: one of {', '.join(LINKAGES)}")
    topics = relevance_model(
        data["relevance"], "the topic model ('relevance')", "refit it with evals/fit_stories.py"
    )
    questions = relevance_model(
        data["questions"],
        "the question model ('questions')",
        "evals/fit_stories.py keeps it as stored: store one fitted on these features",
    )
    return Fitted(grouping, topics, questions)


def relevance_model(r: dict[str, Any], name: str, fix: str) -> RelevanceModel:
    """The stored model ``r`` (``name``, for the error, with how to ``fix`` it)."""
    if list(r["features"]) != list(Signals.FEATURES):
        raise ValueError(f"{name} was fitted on other features than {Signals.FEATURES}: {fix}")
    return RelevanceModel(
        weights=tuple(float(w) for w in r["weights"]),
        bias=float(r["bias"]),
        threshold=float(r["threshold"]),
        min_coverage=float(r["min_coverage"]),
        variant=float(r["variant"]),
    )
