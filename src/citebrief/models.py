"""Records that several stages share, and the interfaces of the stages.

Plain dataclasses and protocols: nothing here imports an edge (no SQLite, Chroma, HTTP or LLM
SDK), so every stage can use them without reaching the others.

    sources -> Fetched -> Extracted -> Article + Span      (ingest)
    Article -> Chunk                                        (corpus)
    Window, query -> Passage (in a Retrieval)               (brief: retrieve, rank)
    BriefingRequest | AnswerRequest -> Draft                (brief: Writer)
    passages, claim -> Verdict                              (verify: Verifier)
    Draft + verdicts -> Briefing (Takeaway, Sentence, Source, Report)   (brief: assemble)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from citebrief.text import article_day

# --- ingest -------------------------------------------------------------------------------------


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
    section: str = ""  # the site's section or categories ("Opinion"), as the page declares them


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
    section: str = ""  # the site's section ("Opinion", "World; Europe"), or ""

    @property
    def day(self) -> str:
        """The day it belongs to: published, else fetched (ISO date, or "")."""
        return article_day(self.published, self.fetched_at)


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


# --- corpus -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of an article cut by the chunker: ``article_text[start:end] == text``."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A stored passage of an article, with the id its vector is kept under."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


# --- retrieval ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The days a briefing or answer may draw on (both ends included; None: open)."""

    start: date | None = None
    end: date | None = None

    def label(self) -> str:
        if self.start and self.end:
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"since {self.start.isoformat()}"
        if self.end:
            return f"until {self.end.isoformat()}"
        return "all dates"

    def widening(self) -> str:
        """The hint to widen the window, or nothing when it holds every date already."""
        return "" if self.start is None and self.end is None else "widen the window (--since all)"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


ALL_DATES = Window()


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk under the opaque key (S1, S2, ...) the writer cites."""

    key: str
    chunk_id: str
    article_id: str
    start: int
    end: int
    text: str
    score: float  # fused score
    similarity: float  # cosine similarity to the query
    title: str
    site_name: str
    published: str  # the article's day
    url: str
    section: str = ""  # the article's section ("Opinion"), or ""
    author: str = ""  # the article's byline as its page gives it, or ""
    # the surnames its quotes are said by ("..., Dempsey said.") that its article gives as a
    # person's somewhere, maybe outside every passage ("Dr. Owen Dempsey, ...")
    people: frozenset[str] = frozenset()


@dataclass(slots=True)
class Retrieval:
    query: str
    window: Window
    passages: list[Passage]
    candidates: int  # after fusion, before the floor
    relevant: int  # above the relevance floor
    settings: dict[str, Any] = field(default_factory=dict)
    vectors: dict[str, Any] = field(default_factory=dict, repr=False)  # key -> unit vector


# --- stories ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Story:
    """One news event in a window: the articles that cover it, from one or more outlets."""

    id: str  # stable: the same event keeps its id from one week to the next
    articles: tuple[str, ...]  # article ids in the window, oldest first
    outlets: tuple[str, ...]  # every outlet that ran it (reprints of a wire copy included)
    sources: int  # independent sources: a wire copy and its reprints count once
    first_day: str
    last_day: str
    title: str  # the title of its most representative article
    relevance: float = 0.0  # probability that it is about the topic asked

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outlets": list(self.outlets),
            "sources": self.sources,
            "articles": list(self.articles),
            "first_day": self.first_day,
            "last_day": self.last_day,
            "relevance": round(self.relevance, 3),
        }


@dataclass(frozen=True, slots=True)
class StoryPassages:
    """A story chosen for a takeaway, and its passages the writer may cite."""

    story: Story
    passages: list[Passage]


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BriefingRequest:
    """Write one takeaway on ``topic`` for each story, from that story's passages, in order."""

    topic: str
    window: Window
    stories: list[StoryPassages]
    today: str = ""

    @property
    def passages(self) -> list[Passage]:
        return [p for s in self.stories for p in s.passages]


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    """Answer ``question`` in a few cited sentences from the passages (``story_of``: the
    story of each passage's article, by article id, for a writer that spreads its sentences
    over the stories)."""

    question: str
    window: Window
    passages: list[Passage]
    today: str = ""
    story_of: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class DraftSentence:
    text: str
    keys: list[str]
    # whether ``text`` may carry inline [S1] markers: a writer's own words may; a sentence
    # quoted from an article may not (its brackets are the article's, never citations)
    inline: bool = True


@dataclass(slots=True)
class DraftTakeaway:
    headline: str
    sentences: list[DraftSentence]
    story: str = ""  # the story it is about (its id); "" in an answer


@dataclass(slots=True)
class Draft:
    takeaways: list[DraftTakeaway]
    writer: str
    model: str = ""
    usage: dict[str, int] = field(default_factory=dict)


OnToken = Callable[[str], None]


class Writer(Protocol):
    """Turns passages into a draft whose sentences cite passage keys."""

    name: str

    def write_briefing(self, request: BriefingRequest) -> Draft: ...

    def write_answer(self, request: AnswerRequest) -> Draft: ...


@runtime_checkable
class PricedWriter(Protocol):
    """A writer that spends tokens, and can say about how many before it does."""

    def estimate_briefing(self, request: BriefingRequest) -> tuple[int, int]:
        """(prompt tokens, completion tokens), estimated."""
        ...


@runtime_checkable
class StreamingWriter(Protocol):
    """A writer that can also show an answer's words as they are written."""

    def stream_answer(self, request: AnswerRequest, on_token: OnToken) -> Draft: ...


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    label: Label
    score: float  # 0..1, higher is better supported
    reason: str = ""


class Label(StrEnum):
    """How far the evidence supports a claim."""

    SUPPORTED = "supported"
    PARTIAL = "partial"
    UNSUPPORTED = "unsupported"


class Verifier(Protocol):
    """Does the evidence (one passage or several, jointly) support the claim?"""

    def judge(self, passages: Sequence[str], claim: str) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class Desk:
    """Who writes a briefing or an answer, and who checks its sentences against the sources."""

    writer: Writer
    verifier: Verifier


# --- briefings ----------------------------------------------------------------------------------
BRIEFING_SCHEMA = "citebrief.briefing/2"


@dataclass(slots=True)
class Cite:
    """One passage a sentence cites: the number of its source (an article), its key, its span
    in the article, and the span of the words it was cited for (``mark``, inside the span)."""

    source: int
    key: str
    start: int
    end: int
    mark: tuple[int, int]


@dataclass(slots=True)
class Sentence:
    text: str
    citations: list[int]  # source numbers, each once, in the order first cited
    verdict: str  # supported | partial | unsupported
    score: float
    flagged: bool = False
    recited: bool = False
    note: str = ""
    cites: list[Cite] = field(default_factory=list)  # the passages behind ``citations``


@dataclass(slots=True)
class Takeaway:
    number: int
    headline: str
    sentences: list[Sentence]
    story: dict[str, Any] | None = None  # Story.as_dict() of the story it is about
    # against last week's briefing on the topic: {"status": "new" | "continuing" |
    # "developing", "previous": {"week", "number", "headline", "page"} | None, "fresh": [n]}
    change: dict[str, Any] | None = None


@dataclass(slots=True)
class Quote:
    """A cited passage of a source: ``article.text[start:end] == quote``; ``marks`` are the
    spans (in the article) of the cited words inside it."""

    key: str
    chunk_id: str
    start: int
    end: int
    quote: str
    marks: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Source:
    """One cited article, numbered in order of first citation, with each passage cited."""

    number: int
    article_id: str
    title: str
    site_name: str
    published: str
    url: str
    quotes: list[Quote]
    opinion: str = ""  # "an op-ed", "a commentary", ... when the article is opinion


@dataclass(slots=True)
class Report:
    sentences: int = 0
    cited: int = 0
    supported: int = 0
    partial: int = 0
    unsupported: int = 0
    flagged: int = 0
    recited: int = 0
    removed: int = 0
    dropped_citations: int = 0
    stories_on_topic: int = 0  # stories of the window about the topic (takeaways take the best)
    takeaways_on_topic: int = 0  # takeaways whose story clears the relevance threshold


@dataclass(slots=True)
class Briefing:
    topic: str
    window: dict[str, str | None]
    generated_at: str
    writer: str
    model: str
    takeaways: list[Takeaway]
    sources: list[Source]
    report: Report
    retrieval: dict[str, Any]
    usage: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    note: str = ""  # e.g. "2 stories on this topic in the window"
    since_last: str = ""  # e.g. "Since last week: 1 new story, 1 developing, 1 continuing"
    schema: str = BRIEFING_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- answers ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Turn:
    """One question of a conversation and its answer (a briefing of one takeaway)."""

    question: str
    query: str  # the standalone query used for retrieval
    answer: Briefing | None  # None: no support in the corpus
    note: str = ""  # why there is no answer; or what to know about it ("the same answer as ...")


@dataclass(slots=True)
class Conversation:
    window: Window = field(default_factory=Window)
    turns: list[Turn] = field(default_factory=list)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


# --- progress -----------------------------------------------------------------------------------


class Progress(Protocol):
    """Where long work reports how far it got (the CLI draws bars; tests pass nothing)."""

    def stage(self, name: str, total: int | None = None) -> None: ...
    def grow(self, name: str, n: int) -> None: ...
    def advance(self, name: str, n: int = 1) -> None: ...


class NoProgress:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def grow(self, name: str, n: int) -> None:
        pass

    def advance(self, name: str, n: int = 1) -> None:
        pass
