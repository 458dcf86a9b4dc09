"""Free text to FTS5 queries, from all terms to any term."""

from __future__ import annotations

from citebrief.corpus.fts import MAX_CLAUSES, fts_query, fts_relaxations


def test_fts_query_quotes_terms() -> None:
    assert fts_query('Huawei "Ascend" 910C') == '"huawei" OR "ascend" OR "910c"'


def test_fts_relaxations_go_from_all_terms_to_any_term() -> None:
    assert fts_relaxations("the Huawei Ascend 910C") == [
        '"huawei" AND "ascend" AND "910c"',
        '("huawei" AND "ascend") OR ("huawei" AND "910c") OR ("ascend" AND "910c")',
        '"huawei" OR "ascend" OR "910c"',
    ]


def test_fts_relaxations_skip_steps_that_would_be_too_large() -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
    steps = fts_relaxations(" ".join(words))
    assert steps[0] == " AND ".join(f'"{w}"' for w in words)
    assert steps[-1] == " OR ".join(f'"{w}"' for w in words)
    assert all(step.count("(") <= MAX_CLAUSES for step in steps)


def test_fts_relaxations_of_only_stopwords_is_empty() -> None:
    assert fts_relaxations("the of and") == []
