"""The fitted parameters of story grouping and relevance, stored as data
(``data/stories.json``, written by ``evals/fit_stories.py``)."""

from __future__ import annotations

import json
from dataclasses import fields
from functools import cache
from importlib import resources
from typing import Any

from citebrief.errors import ConfigError
from citebrief.stories.cluster import LINKAGES, GroupingParams
from citebrief.stories.relevance import RelevanceModel, Signals


@cache
def load() -> tuple[GroupingParams, RelevanceModel]:
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


def parse(data: dict[str, Any]) -> tuple[GroupingParams, RelevanceModel]:
    grouping = GroupingParams(**{f.name: data["grouping"][f.name] for f in fields(GroupingParams)})
    if grouping.linkage not in LINKAGES:
        raise ValueError(f"unknown linkage {grouping.linkage!r}: one of {', '.join(LINKAGES)}")
    r = data["relevance"]
    if list(r["features"]) != list(Signals.FEATURES):
        raise ValueError("fitted on other relevance features: run evals/fit_stories.py")
    relevance = RelevanceModel(
        weights=tuple(float(w) for w in r["weights"]),
        bias=float(r["bias"]),
        threshold=float(r["threshold"]),
        min_coverage=float(r["min_coverage"]),
        variant=float(r["variant"]),
    )
    return grouping, relevance
