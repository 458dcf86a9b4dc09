"""Grouping articles into stories (pure): one news event covered by several outlets.

Two articles are alike by a weighted sum of five signals: the cosine of their title-and-lead
embeddings, the TF-IDF cosine of their title and lead (words and word pairs, so that names and
phrases count) and of their titles alone, the overlap of the names and of the numbers they
mention; minus a penalty that grows with the days between them. Agglomerative clustering
(scikit-learn) cuts the tree where the least alike pair of a group (complete linkage), or its
pairs on average (average linkage), would fall below the threshold. The weights, the linkage
and the threshold are fitted on the shared AllSides dev stories (``evals/fit_stories.py``).

Story ids are stable: a group that holds articles already in a story keeps that story's id
(the one most of them carry); only a group of new articles gets a new id.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citebrief.text import names, numbers

LEAD_CHARS = 600  # the lead: title and this much of the text
Embed = Callable[[list[str]], list[Any]]  # texts -> vectors (an embedding model's documents)
LINKAGES = ("complete", "average")  # how far apart two groups are: their farthest pair, or mean


def unit(vector: Any) -> Any:
    """``vector`` as a float32 array of length 1 (a zero vector stays zero)."""
    array = np.asarray(vector, dtype=np.float32)
    return array / (float(np.linalg.norm(array)) or 1.0)


def lead(title: str, text: str) -> str:
    """What an article is grouped and matched by: its title and the start of its text."""
    return f"{title}. {text[:LEAD_CHARS]}"


@dataclass(frozen=True, slots=True)
class GroupingParams:
    embed: float = 0.15  # weight of the embedding cosine
    tfidf: float = 0.85  # weight of the TF-IDF cosine
    names: float = 0.15  # weight of the Jaccard overlap of names
    numbers: float = 0.1  # weight of the Jaccard overlap of numbers
    title: float = 0.0  # weight of the TF-IDF cosine of the titles alone
    days: float = 0.3  # similarity lost over five days apart ...
    tolerance: int = 0  # ... counted after this many days
    threshold: float = 0.86  # largest distance (1 - similarity) inside one story ...
    linkage: str = "complete"  # ... between its least alike pair, or on average ("average")


@dataclass(frozen=True, slots=True)
class Item:
    """An article to group: its title and lead, their unit embedding, its day (an ordinal)."""

    id: str
    day: int
    lead: str
    vector: Any  # unit vector
    story: str | None = None  # the story it is in already, if any
    names: frozenset[str] = field(default=frozenset())
    numbers: frozenset[str] = field(default=frozenset())
    title: str = ""

    @classmethod
    def of(
        cls, id: str, day: int, title: str, text: str, vector: Any, story: str | None = None
    ) -> Item:
        start = lead(title, text)
        return cls(
            id,
            day,
            start,
            vector,
            story,
            frozenset(names(start)),
            frozenset(numbers(start)),
            title,
        )


def _jaccard(sets: Sequence[frozenset[str]]) -> np.ndarray[Any, Any]:
    n = len(sets)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            union = len(sets[i] | sets[j])
            out[i, j] = out[j, i] = len(sets[i] & sets[j]) / union if union else 0.0
    return out


@dataclass(frozen=True, slots=True)
class Signals:
    """The pairwise signals of a batch of items, before they are weighted."""

    dense: np.ndarray[Any, Any]  # cosine of the embeddings
    lexical: np.ndarray[Any, Any]  # TF-IDF cosine of the leads
    names: np.ndarray[Any, Any]  # Jaccard overlap of names
    numbers: np.ndarray[Any, Any]  # Jaccard overlap of numbers
    apart: np.ndarray[Any, Any]  # days between
    titles: np.ndarray[Any, Any]  # TF-IDF cosine of the titles

    @classmethod
    def of(cls, items: Sequence[Item]) -> Signals:
        from sklearn.feature_extraction.text import TfidfVectorizer

        def cosines(texts: list[str]) -> np.ndarray[Any, Any]:
            try:
                tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
                matrix = tfidf.fit_transform(texts)
                return np.asarray((matrix @ matrix.T).toarray())
            except ValueError:  # no words at all (every text empty or stopwords only)
                return np.zeros((len(texts), len(texts)))

        vectors = np.vstack([np.asarray(i.vector, dtype=np.float32) for i in items])
        days = np.array([i.day for i in items])
        return cls(
            vectors @ vectors.T,
            cosines([i.lead for i in items]),
            _jaccard([i.names for i in items]),
            _jaccard([i.numbers for i in items]),
            np.abs(days[:, None] - days[None, :]),
            cosines([i.title for i in items]),
        )

    def similarity(self, params: GroupingParams) -> np.ndarray[Any, Any]:
        """Pairwise similarity, 1 on the diagonal."""
        total = params.embed + params.tfidf + params.names + params.numbers + params.title
        alike = (
            params.embed * self.dense
            + params.tfidf * self.lexical
            + params.names * self.names
            + params.numbers * self.numbers
            + params.title * self.titles
        ) / total
        alike = alike - params.days * np.clip(self.apart - params.tolerance, 0, 5) / 5
        np.fill_diagonal(alike, 1.0)
        result: np.ndarray[Any, Any] = alike
        return result


def cluster(
    items: Sequence[Item], params: GroupingParams, signals: Signals | None = None
) -> list[list[int]]:
    """Groups of item positions, each a story; every item in exactly one group. ``signals``
    may be given when several parameters are tried on one batch."""
    if len(items) < 2:
        return [[i] for i in range(len(items))]
    from sklearn.cluster import AgglomerativeClustering

    signals = signals or Signals.of(items)
    distance = np.clip(1.0 - signals.similarity(params), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage=params.linkage,
        distance_threshold=params.threshold,
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(int(label), []).append(position)
    return sorted(groups.values(), key=lambda g: g[0])


def group(
    items: Sequence[Item], params: GroupingParams, signals: Signals | None = None
) -> dict[str, str]:
    """Story ids for the items not in a story yet, grouped with each other and with those
    already in one (``cluster``, then ``assign``)."""
    return assign(items, cluster(items, params, signals))


def new_story_id(article_ids: Sequence[str]) -> str:
    """A story's id from its first articles: the same articles always give the same id."""
    return "s" + hashlib.sha256("|".join(sorted(article_ids)).encode()).hexdigest()[:11]


def assign(items: Sequence[Item], groups: Sequence[Sequence[int]]) -> dict[str, str]:
    """Article id -> story id for every item not in a story yet (items in a story keep it and
    lend it to the new articles grouped with them). A group inherits the story most of its
    members carry (ties: the smallest id); a story is inherited by one group only, the one
    holding most of its members; other groups get new ids."""
    claims: list[tuple[int, int, str]] = []  # (-members, group, story)
    for g, group in enumerate(groups):
        counts = Counter(items[i].story for i in group if items[i].story)
        claims.extend((-n, g, story) for story, n in counts.items() if story)
    taken: dict[int, str] = {}
    used: set[str] = set()
    for _, g, story in sorted(claims):
        if g not in taken and story not in used:
            taken[g] = story
            used.add(story)
    out: dict[str, str] = {}
    for g, group in enumerate(groups):
        movable = [items[i].id for i in group if items[i].story is None]
        if not movable:
            continue
        story = taken.get(g) or new_story_id(movable)
        out.update((aid, story) for aid in movable)
    return out
