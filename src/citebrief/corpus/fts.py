"""Keyword queries for SQLite FTS5 (pure): free text to quoted terms, from strict to loose."""

from __future__ import annotations

import itertools
import math

from citebrief.text import STOPWORDS, words

MAX_CLAUSES = 40  # "at least m of n terms" queries larger than this go straight to OR


def fts_terms(text: str) -> list[str]:
    """The words of a free-text query that are worth matching: stopwords dropped (they match
    most chunks and make ranking slow), duplicates dropped, order kept."""
    return list(dict.fromkeys(w for w in words(text) if len(w) > 1 and w not in STOPWORDS))


def fts_query(text: str, operator: str = "OR") -> str:
    """A free-text query as an FTS5 query of quoted terms joined by ``operator``; no syntax
    errors are possible."""
    return f" {operator} ".join(f'"{w}"' for w in fts_terms(text))


def fts_relaxations(text: str) -> list[str]:
    """FTS5 queries from strict to loose: all terms, then at least n-1 of the n terms, n-2,
    ... (an OR of ANDs, while that stays small), then any term. A chunk with more of the
    query's terms comes first; BM25 ranks within each step. Ranking an OR query scores every
    chunk with any one term (17,000 of 100,000 for a common word), so it comes last."""
    terms = [f'"{w}"' for w in fts_terms(text)]
    if not terms:
        return []
    steps = [" AND ".join(terms)]
    for m in range(len(terms) - 1, 1, -1):
        if math.comb(len(terms), m) > MAX_CLAUSES:
            break
        steps.append(
            " OR ".join(f"({' AND '.join(group)})" for group in itertools.combinations(terms, m))
        )
    if len(terms) > 1:
        steps.append(" OR ".join(terms))
    return steps
