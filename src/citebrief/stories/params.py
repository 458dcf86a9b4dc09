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
    grouping: GroupingParams
    topics: RelevanceModel  # relevance of a story to a topic
    questions: RelevanceModel  # ... to a question (``relevance.is_question``)


@cache
def load() -> Fitted:
    """The shipped parameters: grouping and relevance."""
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
    return Fitted(grouping, relevance_model(data["relevance"]), relevance_model(data["questions"]))


def relevance_model(r: dict[str, Any]) -> RelevanceModel:
    if list(r["features"]) != list(Signals.FEATURES):
        raise ValueError("fitted on other relevance features: run evals/fit_stories.py")
    return RelevanceModel(
        weights=tuple(float(w) for w in r["weights"]),
        bias=float(r["bias"]),
        threshold=float(r["threshold"]),
        min_coverage=float(r["min_coverage"]),
        variant=float(r["variant"]),
    )
