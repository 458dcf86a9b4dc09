"""The weekly briefings: one per topic of a topics file, for the 7 days ending on a day, each
written as Markdown, HTML and JSON (``<ISO week>-<topic>.{md,html,json}``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from citebrief.brief.render import render
from citebrief.errors import CitebriefError, ConfigError
from citebrief.files import write_atomically
from citebrief.models import Briefing, Window

FORMATS = ("md", "html", "json")


def read_topics(
    path: Path, hint: str = "pass --topics FILE or set CITEBRIEF_TOPICS_FILE"
) -> list[str]:
    """One topic a line; blank lines and # comments skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the topics file {path}: {exc.strerror}", hint=hint) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"the topics file {path} is not UTF-8 text (byte {exc.start})",
            hint="save it as UTF-8, one topic per line",
        ) from exc
    topics = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not topics:
        raise ConfigError(f"the topics file {path} lists no topics", hint="one topic per line")
    return topics


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "topic"


def week_ending(day: date) -> Window:
    """The 7 days ending on ``day``."""
    return Window(day - timedelta(days=6), day)


@dataclass(frozen=True, slots=True)
class TopicResult:
    topic: str
    ok: bool
    message: str
    files: list[Path]


def write_weekly(
    topics: list[str],
    as_of: date,
    folder: Path,
    brief: Callable[[str, Window], Briefing],
) -> list[TopicResult]:
    """Brief each topic for the week ending ``as_of`` (``brief(topic, window)``) and write the
    three formats into ``folder``; a topic that fails becomes a result with its reason."""
    window = week_ending(as_of)
    year, week, _ = as_of.isocalendar()
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for topic in topics:
        try:
            briefing = brief(topic, window)
        except CitebriefError as exc:
            results.append(TopicResult(topic, False, exc.one_line(), []))
            continue
        base = folder / f"{year}-W{week:02d}-{slug(topic)}"
        files = []
        for fmt in FORMATS:
            target = base.with_suffix(f".{fmt}")
            write_atomically(target, render(briefing, fmt))
            files.append(target)
        r = briefing.report
        message = (
            f"{len(briefing.takeaways)} takeaways, {len(briefing.sources)} sources, "
            f"{r.supported}/{r.sentences} sentences supported, {r.flagged} flagged"
        )
        results.append(TopicResult(topic, True, message, files))
    return results
