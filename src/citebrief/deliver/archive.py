"""The static archive of weekly briefings and its Atom feed.

``DIR/<ISO week>-<topic>.html`` is each briefing's self-contained page, linked to the previous
week's page on the same topic and to ``index.html``, which lists the weeks and their topics,
newest first. ``DIR/feed.xml`` is an Atom feed (feedgen) with one entry per briefing: its id is
stable (``tag:`` URI of the page), so publishing a week again updates its entry instead of
adding one. What the archive holds is kept in ``DIR/archive.json``; publishing a week rewrites
that week's pages, the index and the feed, nothing else. Every file is written whole.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from citebrief.brief.render import CSS, to_html
from citebrief.errors import StoreError
from citebrief.files import write_atomically
from citebrief.models import Briefing

MANIFEST = "archive.json"
FEED_ENTRIES = 200  # newest briefings in the feed


@dataclass(frozen=True, slots=True)
class Published:
    page: str  # "<ISO week>-<topic>", without extension
    week: str
    briefing: Briefing


def _manifest(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"cannot read the archive's manifest {path}: {exc}",
            hint="move the archive folder aside and publish again",
        ) from exc
    return data if isinstance(data, dict) else {}


def publish(folder: Path, items: list[Published], url: str | None = None) -> list[Path]:
    """Write the briefings' pages into the archive, then its index and feed; the paths
    written."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = _manifest(folder)
    written = []
    for item in items:
        b = item.briefing
        topic_pages = sorted(
            (p for p, e in entries.items() if e["topic"] == b.topic and e["week"] < item.week),
            key=lambda p: entries[p]["week"],
        )
        previous = topic_pages[-1] if topic_pages else ""
        target = folder / f"{item.page}.html"
        write_atomically(target, to_html(b, previous=previous, index="index.html"))
        written.append(target)
        entries[item.page] = {
            "week": item.week,
            "topic": b.topic,
            "generated_at": b.generated_at,
            "takeaways": len(b.takeaways),
            "headlines": [t.headline for t in b.takeaways],
            "since_last": b.since_last,
            "window": b.window,
        }
    write_atomically(folder / MANIFEST, json.dumps(entries, indent=1, ensure_ascii=False) + "\n")
    write_atomically(folder / "index.html", index_page(entries))
    write_atomically(folder / "feed.xml", feed(entries, folder, url))
    return [*written, folder / "index.html", folder / "feed.xml"]


def index_page(entries: dict[str, dict[str, Any]]) -> str:
    """The weeks, newest first, each with its topics' briefings."""
    weeks: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for page, entry in entries.items():
        weeks.setdefault(entry["week"], []).append((page, entry))
    sections = []
    for week in sorted(weeks, reverse=True):
        items = "".join(
            f'<li><a href="{html.escape(page, quote=True)}.html">{html.escape(e["topic"])}</a>'
            f' <span class="meta">{e["takeaways"]} takeaways'
            + (f" · {html.escape(e['since_last'])}" if e.get("since_last") else "")
            + "</span></li>"
            for page, e in sorted(weeks[week], key=lambda pe: pe[1]["topic"].lower())
        )
        sections.append(f"<section><h2>{html.escape(week)}</h2><ul>{items}</ul></section>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Food for thought: all briefings</title>
<link rel="alternate" type="application/atom+xml" href="feed.xml" title="Briefings">
<style>{CSS} ul{{padding-left:1.2rem}} li{{margin:.4rem 0}}</style></head>
<body><main><h1>Food for thought: all briefings</h1>
<p class="meta"><a href="feed.xml">Atom feed</a></p>
{"".join(sections) or "<p>No briefing yet.</p>"}
</main></body></html>
"""


def feed(entries: dict[str, dict[str, Any]], folder: Path, url: str | None) -> str:
    """The Atom feed of the newest briefings; each entry's content is its page."""
    from feedgen.feed import FeedGenerator

    base = (url or "").rstrip("/")
    generator = FeedGenerator()
    generator.id(f"tag:citebrief,2026:{base or 'archive'}")
    generator.title("Food for thought: weekly briefings")
    generator.link(href=f"{base}/index.html" if base else "index.html", rel="alternate")
    generator.link(href=f"{base}/feed.xml" if base else "feed.xml", rel="self")
    generator.author({"name": "citebrief"})
    generator.generator("citebrief")
    newest = sorted(entries, key=lambda p: (entries[p]["week"], p))[-FEED_ENTRIES:]
    updated = [_time(entries[p]["generated_at"]) for p in newest]
    generator.updated(max(updated) if updated else datetime.now(UTC))
    for page in newest:  # feedgen puts the last added first
        e = entries[page]
        item = generator.add_entry()
        item.id(f"tag:citebrief,2026:{page}")
        item.title(f"{e['week']} · {e['topic']}")
        item.link(href=f"{base}/{page}.html" if base else f"{page}.html", rel="alternate")
        item.updated(_time(e["generated_at"]))
        item.summary(" · ".join(e.get("headlines") or []) or e["topic"])
        page_file = folder / f"{page}.html"
        if page_file.exists():
            item.content(page_file.read_text("utf-8"), type="html")
    text: bytes = generator.atom_str(pretty=True)
    return text.decode("utf-8")


def _time(stamp: str) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
