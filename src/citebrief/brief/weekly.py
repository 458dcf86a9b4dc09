"""The weekly briefings: one per topic of a topics file, for the 7 days ending on a day, each
written as Markdown, HTML and JSON (``<ISO week>-<topic>.{md,html,json}``) and compared with
the newest earlier briefing on the same topic in the folder (``changes``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from citebrief.brief import changes
from citebrief.brief.render import to_html, to_json, to_markdown
from citebrief.errors import CitebriefError, ConfigError
from citebrief.files import write_atomically
from citebrief.models import Briefing, Window
from citebrief.text import plural

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


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def page_of(day: date, topic: str) -> str:
    """The file name (without extension) of a topic's briefing for the week of ``day``."""
    return f"{week_of(day)}-{slug(topic)}"


@dataclass(slots=True)
class TopicResult:
    topic: str
    ok: bool
    message: str
    files: list[Path]
    briefing: Briefing | None = None
    page: str = ""  # "<ISO week>-<topic>"
    week: str = ""


def previous_briefing(folder: Path, topic: str, before: str) -> tuple[str, dict[str, Any]] | None:
    """The newest briefing on ``topic`` in ``folder`` from a week before ``before`` (a page
    name), as (page name, JSON); None when there is none that can be read."""
    found = sorted(p for p in folder.glob(f"*-W*-{slug(topic)}.json") if p.stem[:8] < before[:8])
    for path in reversed(found):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("topic") == topic:
            return path.stem, data
    return None


def write_weekly(
    topics: list[str],
    as_of: date,
    folder: Path,
    brief: Callable[[str, Window, str | None], Briefing],
) -> list[TopicResult]:
    """Brief each topic for the week ending ``as_of`` (``brief(topic, window, fresh_since)``),
    mark what changed since its previous briefing, and write the three formats into
    ``folder``; a topic that fails becomes a result with its reason."""
    window = week_ending(as_of)
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for topic in topics:
        page = page_of(as_of, topic)
        previous = previous_briefing(folder, topic, page)
        since = str((previous[1].get("window") or {}).get("end") or "") if previous else ""
        try:
            briefing = brief(topic, window, since or None)
        except CitebriefError as exc:
            results.append(TopicResult(topic, False, exc.one_line(), [], page=page))
            continue
        last = previous[0] if previous else ""
        changes.mark(briefing, previous[1] if previous else None, last[:8], last or None)
        files = []
        for fmt, text in (
            ("md", to_markdown(briefing)),
            ("html", to_html(briefing, previous=last)),
            ("json", to_json(briefing)),
        ):
            target = folder / f"{page}.{fmt}"
            write_atomically(target, text)
            files.append(target)
        r = briefing.report
        message = (
            f"{plural(len(briefing.takeaways), 'takeaway')}, "
            f"{plural(len(briefing.sources), 'source')}, "
            f"{r.supported}/{plural(r.sentences, 'sentence')} supported, {r.flagged} flagged"
        )
        if previous:
            message += f"; {briefing.since_last.removeprefix('Since last week: ')} since {last[:8]}"
        results.append(TopicResult(topic, True, message, files, briefing, page, week_of(as_of)))
    return results
