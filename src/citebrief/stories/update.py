"""Keeping the corpus's stories up to date (I/O): every article in one story.

Articles without a story are grouped week by week (ISO weeks), each week together with the
seven days before it: an article of this week that belongs with one already in a story joins
that story (the story continues), the others form new stories. Articles already in a story
never move, so a story's id, once a briefing showed it, stays. Each week is written in one
transaction: a process killed halfway leaves articles without a story, which the next run
groups.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from citebrief.corpus.store import Corpus, StoryArticle
from citebrief.models import NoProgress, Progress
from citebrief.stories.cluster import Embed, GroupingParams, Item, group, lead, unit

CONTEXT_DAYS = 7


def article_vectors(
    corpus: Corpus,
    articles: list[StoryArticle],
    embed: Embed,
    model: str,
) -> dict[str, Any]:
    """Unit vectors of the articles' titles and leads: stored ones, the rest embedded now (and
    stored)."""
    vectors = corpus.article_vectors([a.id for a in articles], model)
    missing = [a for a in articles if a.id not in vectors]
    if missing:
        fresh = {
            a.id: unit(v)
            for a, v in zip(missing, embed([lead(a.title, a.text) for a in missing]), strict=True)
        }
        corpus.save_article_vectors(fresh, model)
        vectors.update(fresh)
    return vectors


def update_stories(
    corpus: Corpus,
    embed: Embed,
    model: str,
    params: GroupingParams,
    progress: Progress | None = None,
) -> int:
    """Group every article that has no story yet; return how many were grouped."""
    progress = progress or NoProgress()
    days = corpus.days_without_story()
    mondays = sorted({_monday(date.fromisoformat(d)) for d in days if d})
    if not mondays:
        return 0
    progress.stage("stories", len(mondays))
    grouped = 0
    for monday in mondays:
        first = (monday - timedelta(days=CONTEXT_DAYS)).isoformat()
        last = (monday + timedelta(days=6)).isoformat()
        articles = corpus.story_articles_between(first, last)
        vectors = article_vectors(corpus, articles, embed, model)
        items = [
            Item.of(
                a.id, date.fromisoformat(a.day).toordinal(), a.title, a.text, vectors[a.id], a.story
            )
            for a in articles
        ]
        assigned = group(items, params)
        first_days: dict[str, str] = {}
        for a in articles:
            story = assigned.get(a.id)
            if story is not None:
                first_days[story] = min(first_days.get(story, a.day), a.day)
        corpus.assign_stories(assigned, first_days)
        grouped += len(assigned)
        progress.advance("stories")
    # articles without a day (no date known, none fetched) get a story of their own
    for article_id in corpus.articles_without_story():
        corpus.assign_stories({article_id: f"s-{article_id}"}, {f"s-{article_id}": ""})
        grouped += 1
    return grouped


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
