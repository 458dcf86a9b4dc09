"""Records for tests that need a passage without a corpus behind it."""

from __future__ import annotations

from typing import ClassVar

from citebrief.brief.writers import Embed, Events
from citebrief.models import Passage, StoryPassages


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


def retelling(nth: int) -> type[Events]:
    """``Events`` that find the ``nth`` story shown to them telling again the event of the
    first, and every other story a new event; ``made_with`` records the embeddings each was
    given."""

    class Retelling(Events):
        made_with: ClassVar[list[Embed | None]] = []

        def __init__(self, topic: str, embed: Embed | None = None) -> None:
            super().__init__(topic, embed)
            self.made_with.append(embed)
            self.seen: list[str] = []

        def told_by(self, group: StoryPassages) -> str | None:
            self.seen.append(group.story.id)
            return self.seen[0] if len(self.seen) == nth else None

    return Retelling
