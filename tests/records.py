"""Records for tests that need a passage without a corpus behind it."""

from __future__ import annotations

from citebrief.models import Passage


def passage(
    key: str,
    text: str,
    title: str = "A title",
    site: str = "Test Times",
    published: str = "2026-11-10",
    host: str = "example.test",
) -> Passage:
    """A passage keyed ``key`` that is the whole of its own article."""
    return Passage(
        key=key,
        chunk_id=f"chunk-{key}",
        article_id=f"article-{key}",
        start=0,
        end=len(text),
        text=text,
        score=0.1,
        similarity=0.5,
        title=title,
        site_name=site,
        published=published,
        url=f"https://{host}/{key.lower()}",
    )
