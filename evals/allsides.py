"""The shared AllSides dev stories (``../shared/data/allsides-dev``) as a news corpus for
citebrief: each article rendered as an HTML page (title, outlet, date, canonical link), the
jobs of the briefing benchmark, and the split into fitting and reporting weeks.

Used by ``evals/fit_stories.py`` (fits grouping and relevance on the fitting weeks) and
``benchmarks/briefing_quality.py`` (reports on the other weeks). The article text belongs to its
publishers: pages are written to a temporary folder, never into the project.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides-dev" / "stories.jsonl"
JUDGMENTS = Path(__file__).resolve().parent / "allsides_judgments.json"
FIT_WEEKS = frozenset({16, 18, 20, 22, 24, 26})  # ISO weeks of 2021 the parameters are fitted on
REPORT_WEEKS = frozenset({17, 19, 21, 23, 25})  # ... and the weeks they are reported on
MAJOR = 4  # a topic with at least this many stories in all is asked for in weeks without it


@dataclass(frozen=True, slots=True)
class Page:
    story: int
    topic: str
    day: date
    side: str
    outlet: str
    title: str
    url: str
    paragraphs: tuple[str, ...]
    section: str = ""  # "Opinion" for what AllSides tags as opinion, as a site declares it

    @property
    def week(self) -> int:
        return self.day.isocalendar()[1]

    @property
    def file(self) -> str:
        return f"{self.story}-{self.side}.html"


@dataclass(frozen=True, slots=True)
class StoryInfo:
    id: int
    issue: str
    topic: str
    day: date
    roundup: tuple[str, ...]

    @property
    def week(self) -> int:
        return self.day.isocalendar()[1]


def load(path: Path = DATA) -> tuple[list[StoryInfo], list[Page]]:
    if not path.is_file():
        raise SystemExit(f"no AllSides dev data at {path}")
    stories, pages = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        day = datetime.fromisoformat(record["date"]).date()
        stories.append(
            StoryInfo(
                int(record["id"]),
                record["issue"],
                record["topic"],
                day,
                tuple(p for p in record["roundup"] if p.strip()),
            )
        )
        for side, news in (record.get("news") or {}).items():
            body = tuple(p.strip() for p in news.get("newBody") or [] if p.strip())
            if body:
                pages.append(
                    Page(
                        int(record["id"]),
                        record["topic"],
                        day,
                        side,
                        news["newsSource"],
                        news["newsTitle"],
                        news["newsLink"],
                        body,
                        "Opinion" if news.get("opinionTag") == "OPINION" else "",
                    )
                )
    return stories, pages


def render(page: Page) -> str:
    """An article page as a site would serve it: metadata in the head (the section of an
    article AllSides tags as opinion is "Opinion", as news sites declare it), text in
    <article>."""
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in page.paragraphs)
    section = (
        f'<meta property="article:section" content="{e(page.section)}">\n' if page.section else ""
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{e(page.title)}</title>
<meta property="og:title" content="{e(page.title)}">
<meta property="og:site_name" content="{e(page.outlet)}">
<meta property="article:published_time" content="{page.day.isoformat()}T12:00:00Z">
{section}<link rel="canonical" href="{e(page.url)}">
</head><body><header><nav><a href="/">Home</a></nav></header>
<main><article><h1>{e(page.title)}</h1>
{body}
</article></main><footer><p>{e(page.outlet)}</p></footer></body></html>
"""


class Topics:
    """Which stories are about a topic: AllSides's own topic label, and (``adjudicated``) the
    hand judgments of ``allsides_judgments.json`` for stories filed under another topic."""

    def __init__(self, stories: list[StoryInfo], adjudicated: bool) -> None:
        self.label = {s.id: s.topic for s in stories}
        self.judged: dict[tuple[int, str], bool] = {}
        if adjudicated:
            data = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
            self.judged = {(int(s), str(t)): bool(on) for s, t, on in data["judged"]}

    def about(self, story: int, topic: str) -> bool:
        return self.label.get(story) == topic or self.judged.get((story, topic), False)


def pages_of(db: Any, pages: list[Page]) -> dict[str, Page]:
    """Article id -> the page it was read from (by file name: the URL an extractor reads from
    a page may differ from the link the data set gives)."""
    by_file = {page.file: page for page in pages}
    out = {}
    for article_id, location in db.execute("SELECT id, location FROM articles"):
        name = unquote(urlsplit(location).path).rsplit("/", 1)[-1]
        if name in by_file:
            out[article_id] = by_file[name]
    return out


def write_pages(pages: list[Page], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        (folder / page.file).write_text(render(page), encoding="utf-8")
    return folder


@dataclass(frozen=True, slots=True)
class Job:
    week: int
    topic: str
    present: bool  # the topic has at least two stories this week (else none)
    start: date
    end: date
    contested: bool = False  # none is filed under the topic, but one is judged about it


def week_days(week: int, year: int = 2021) -> tuple[date, date]:
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


def jobs(stories: list[StoryInfo], weeks: frozenset[int]) -> list[Job]:
    """Every (week, topic) with two or more stories of the topic: a briefing is expected; and
    every (week, major topic) with none: a refusal is expected (``contested`` when a story of
    that week filed under another topic is judged about it by hand)."""
    count = Counter((s.week, s.topic) for s in stories)
    judged = Topics(stories, adjudicated=True)
    totals = Counter(s.topic for s in stories)
    major = sorted(t for t, n in totals.items() if n >= MAJOR)
    out = []
    for week in sorted(weeks):
        start, end = week_days(week)
        for topic in sorted({s.topic for s in stories}):
            if count[(week, topic)] >= 2:
                out.append(Job(week, topic, True, start, end))
        for topic in major:
            if count[(week, topic)] == 0:
                contested = any(judged.about(s.id, topic) for s in stories if s.week == week)
                out.append(Job(week, topic, False, start, end, contested))
    return out
