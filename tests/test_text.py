"""The text rules every stage shares: words, content words, numbers, sentences, the day."""

from __future__ import annotations

import pytest

from citebrief.text import (
    QueryParts,
    abbreviations,
    after_title,
    article_day,
    content_words,
    language_code,
    language_name,
    numbers,
    plural,
    query_parts,
    sentence_spans,
    sentences,
    stem,
    with_borrowed,
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


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 turns"), (1, "1 turn"), (2, "2 turns"), (1234, "1,234 turns")],
)
def test_plural_agrees_with_the_count(count: int, expected: str) -> None:
    assert plural(count, "turn") == expected


def test_plural_takes_an_irregular_form() -> None:
    assert plural(1, "story", "stories") == "1 story"
    assert plural(3, "story", "stories") == "3 stories"


@pytest.mark.parametrize(
    ("query", "own", "borrowed", "circumstance"),
    [
        ("HBM export controls", "HBM export controls", "", ""),
        (
            "What did Beijing do in response to the HBM rule?",
            "What did Beijing do",
            "",
            "the HBM rule",
        ),
        ("How did memory stocks react to the rule?", "How did memory stocks", "", "the rule"),
        ("What did SpaceX say about it? (NASA lunar landers)", "What did SpaceX say about it?",
         "NASA lunar landers", ""),
        ("In response to the rule, what did Beijing do?",
         "In response to the rule, what did Beijing do?", "", ""),  # nothing asked before it
        ("Nvidia (NVDA) sales in China", "Nvidia (NVDA) sales in China", "", ""),
    ],
)  # fmt: skip
def test_query_parts(query: str, own: str, borrowed: str, circumstance: str) -> None:
    assert query_parts(query) == QueryParts(own, borrowed, circumstance)


def test_with_borrowed_writes_what_query_parts_reads() -> None:
    query = with_borrowed("What did Huawei say about it?", "HBM rule")
    assert query == "What did Huawei say about it? (HBM rule)"
    assert query_parts(query).asked == "What did Huawei say about it? HBM rule"
    assert with_borrowed("Who makes HBM?", "") == "Who makes HBM?"


def test_dotted_abbreviations_are_one_word() -> None:
    assert abbreviations("The U.S. and the U.K. met, e.g. at the U.N. in N.Y.C.") == {
        "us",
        "uk",
        "eg",
        "un",
        "nyc",
    }
    assert abbreviations("US officials. A. Smith said so.") == set()


# --- a leading copy of the title ---------------------------------------------------------------
TITLE = "Opinion: Export controls are building China's chip industry, not stopping it"


def test_a_passage_starts_after_a_first_line_that_repeats_its_title() -> None:
    text = f"{TITLE}\n\nEvery few months since 2022, Washington has announced a new rule."
    assert text[after_title(text, TITLE) :] == (
        "Every few months since 2022, Washington has announced a new rule."
    )


def test_the_title_line_is_matched_whatever_its_spacing_and_case() -> None:
    text = "  SMIC says capacity  'fully booked'\nSMIC has told customers ..."
    assert text[after_title(text, "SMIC says capacity 'Fully Booked'") :] == (
        "SMIC has told customers ..."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Every few months, Washington announces a rule.\nOfficials call it closing a loophole.",
        f"{TITLE}, says a former official.\nThe rule came last week.",  # a sentence, not a line
        f"{TITLE}\n\n",  # nothing after it
        f"Earlier: {TITLE}\nThe rule came last week.",
    ],
)
def test_a_passage_without_a_leading_title_line_is_kept_whole(text: str) -> None:
    assert after_title(text, TITLE) == 0


def test_no_title_skips_nothing() -> None:
    assert after_title("\nThe rule came last week.", "") == 0


@pytest.mark.parametrize(
    ("declared", "code"),
    [
        ("en", "en"),
        ("EN-us", "en"),
        ("pt_BR", "pt"),
        ("eng", "en"),  # ISO 639-2
        ("ita", "it"),
        ("iw", "he"),  # the old code for Hebrew
        ("in", "id"),  # and for Indonesian
        ("nb", "no"),
        ("und", ""),  # undetermined
        ("mul", ""),
        ("zxx", ""),
        ("xx", ""),  # no language
        ("English", ""),  # a name, not a code
        ("", ""),
    ],
)
def test_a_declared_language_is_one_code_or_none(declared: str, code: str) -> None:
    assert language_code(declared) == code


def test_a_language_is_named_in_english() -> None:
    assert [language_name(c) for c in ("it", "id", "ko", "qq")] == [
        "Italian",
        "Indonesian",
        "Korean",
        "qq",
    ]
