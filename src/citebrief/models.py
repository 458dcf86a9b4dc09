"""Plain data passed between the pure core and the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Fetched:
    """Raw bytes of one source, from the network or from disk."""

    url: str  # the URL asked for, or a file:// URI
    final_url: str  # after redirects
    content: bytes
    content_type: str = ""  # media type without parameters, lower case
    charset: str | None = None  # from the Content-Type header, if any
    fetched_at: str = ""  # ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the extractor found in one page: main text and metadata."""

    text: str
    title: str = ""
    author: str = ""
    site_name: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or ""
    url: str = ""  # canonical URL the page declares, or ""
    language: str = ""
    description: str = ""
    sample: bool = False  # the page marks itself as sample content


@dataclass(frozen=True, slots=True)
class Span:
    """A chunk of an article: ``article_text[start:end] == text``."""

    index: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Article:
    id: str
    url: str
    canonical_url: str
    text: str
    content_hash: str
    location: str = ""  # where it was read: the URL fetched or a file:// URI
    title: str = ""
    author: str = ""
    site_name: str = ""
    published: str = ""
    language: str = ""
    fetched_at: str = ""
    source: str = ""  # the SOURCE argument it came from
    sample: bool = False
    minhash: bytes = b""


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What happened to one source item; a failure carries a one-line reason."""

    source: str
    outcome: Outcome
    article_id: str | None = None
    reason: str = ""
    title: str = ""
    chunks: int = 0


@dataclass(slots=True)
class IngestReport:
    items: list[ItemResult] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome is outcome)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.outcome is Outcome.FAILED]
