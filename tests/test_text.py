"""The text rules every stage shares: words, content words, numbers, sentences, the day."""

from __future__ import annotations

import pytest

from citebrief.text import (
    article_day,
    content_words,
    numbers,
    sentence_spans,
    sentences,
    stem,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two here.", ["One.", "Two here."]),
        ("On Dec. 10 the U.S. acted. Then more.", ["On Dec. 10 the U.S. acted.", "Then more."]),
        ('He said "no." Then left.', ['He said "no."', "Then left."]),
        (
            "The VW ID. Space Vizzion is a wagon. It is electric.",
            [
                "The VW ID. Space Vizzion is a wagon.",
                "It is electric.",
            ],
        ),
        (
            "Sales start at 10 a.m. Friday, Dec. 6. Tickets are $50.",
            [
                "Sales start at 10 a.m. Friday, Dec. 6.",
                "Tickets are $50.",
            ],
        ),
        (
            "It opens at 10 a.m. The queue forms early.",
            [
                "It opens at 10 a.m.",
                "The queue forms early.",
            ],
        ),
        (
            "Directed by J.J. Abrams. Abrams also produced it.",
            [
                "Directed by J.J. Abrams.",
                "Abrams also produced it.",
            ],
        ),
        (
            "Published today (Nov. 18) in BMJ. It is short.",
            [
                "Published today (Nov. 18) in BMJ.",
                "It is short.",
            ],
        ),
        (
            "Gov. Kristi Noem spoke. Rep. Ilhan Omar replied.",
            [
                "Gov. Kristi Noem spoke.",
                "Rep. Ilhan Omar replied.",
            ],
        ),
        (
            "A Nobel Prize in 2004.) Olfactory receptors came next.",
            [
                "A Nobel Prize in 2004.)",
                "Olfactory receptors came next.",
            ],
        ),
        (
            "It comes with Wi-Fi 6 included. iPhone 11 owners benefit.",
            [
                "It comes with Wi-Fi 6 included.",
                "iPhone 11 owners benefit.",
            ],
        ),
        (
            "in the lead-up to an election.’’ Critically, it",
            [
                "in the lead-up to an election.’’",
                "Critically, it",
            ],
        ),
        (
            "A heading without a stop\nThe first sentence. The second.",
            [
                "A heading without a stop",
                "The first sentence.",
                "The second.",
            ],
        ),
        ("  Padded.  \n\n  Again.  ", ["Padded.", "Again."]),
        ("lower case after a stop. does not split", ["lower case after a stop. does not split"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_spans_are_exact_slices() -> None:
    text = "HONG KONG — One rule.\n\nTwo rules, said Mr. Smith. “Three?” he asked.\n"
    for start, end in sentence_spans(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end]
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "HONG KONG — One rule.",
        "Two rules, said Mr. Smith.",
        "“Three?” he asked.",
    ]


def test_words_are_lower_case_unicode_runs() -> None:
    assert words("Zürich's U.S. rare-earth 1,200") == [
        "zürich",
        "s",
        "u",
        "s",
        "rare",
        "earth",
        "1",
        "200",
    ]


def test_content_words_drop_stopwords_and_stem() -> None:
    assert content_words("The controls were tightened on exports") == {
        "control",
        "tighten",
        "export",
    }
    assert stem("licences") == "licenc"


def test_numbers_ignore_thousands_separators() -> None:
    assert numbers("1,200 chips and 1200 more, 3.5% up.") == {"1200", "3.5%".rstrip("%")}


@pytest.mark.parametrize(
    ("published", "fetched", "day"),
    [
        ("2026-11-12", "2026-11-20T08:00:00+00:00", "2026-11-12"),
        ("", "2026-11-20T08:00:00+00:00", "2026-11-20"),
        ("", "", ""),
    ],
)
def test_article_day_is_published_else_fetched(published: str, fetched: str, day: str) -> None:
    assert article_day(published, fetched) == day
