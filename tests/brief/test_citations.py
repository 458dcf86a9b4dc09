"""Golden tests of the citation functions: one assertion per case."""

from __future__ import annotations

from citebrief.brief.citations import markers, merge_keys, numbers_for, parse_sentence, renumber

KNOWN = ["S1", "S2", "S3"]


def test_single_key_is_taken_and_stripped() -> None:
    assert parse_sentence("Chips are scarce [S2].", KNOWN).text == "Chips are scarce."


def test_single_key_is_returned() -> None:
    assert parse_sentence("Chips are scarce [S2].", KNOWN).keys == ["S2"]


def test_unknown_key_is_dropped() -> None:
    assert parse_sentence("Claim [S99].", KNOWN).keys == []


def test_unknown_key_is_reported() -> None:
    assert parse_sentence("Claim [S99].", KNOWN).dropped == ["S99"]


def test_repeated_key_is_kept_once() -> None:
    assert parse_sentence("Claim [S1][S1].", KNOWN).keys == ["S1"]


def test_comma_list_keeps_order() -> None:
    assert parse_sentence("Claim [S3, S1].", KNOWN).keys == ["S3", "S1"]


def test_semicolon_list_is_read() -> None:
    assert parse_sentence("Claim [S2; S3].", KNOWN).keys == ["S2", "S3"]


def test_adjacent_groups_keep_order_and_dedupe() -> None:
    assert parse_sentence("A [S2] and b [S1][S2].", KNOWN).keys == ["S2", "S1"]


def test_lower_case_key_is_normalised() -> None:
    assert parse_sentence("Claim [s3].", KNOWN).keys == ["S3"]


def test_numeric_marker_is_never_a_citation() -> None:
    assert parse_sentence("Claim [1].", KNOWN).keys == []


def test_numeric_marker_is_removed_from_text() -> None:
    assert parse_sentence("Claim [1].", KNOWN).text == "Claim."


def test_out_of_range_number_is_removed() -> None:
    assert parse_sentence("Claim [99] here.", KNOWN).text == "Claim here."


def test_numeric_range_is_removed() -> None:
    assert parse_sentence("Claim [1-3].", KNOWN).text == "Claim."


def test_key_inside_a_quote_is_cited() -> None:
    assert parse_sentence('He said "supply is tight [S2]" today.', KNOWN).keys == ["S2"]


def test_key_inside_a_quote_leaves_the_quote_clean() -> None:
    text = parse_sentence('He said "supply is tight [S2]" today.', KNOWN).text
    assert text == 'He said "supply is tight" today.'


def test_bracketed_words_are_not_keys() -> None:
    assert parse_sentence("The [sic] word stays.", KNOWN).text == "The [sic] word stays."


def test_sentence_without_markers_is_unchanged() -> None:
    assert parse_sentence("No citations here.", KNOWN).text == "No citations here."


def test_without_known_keys_every_key_counts() -> None:
    assert parse_sentence("Claim [S7].").keys == ["S7"]


def test_renumber_in_order_of_first_use() -> None:
    assert renumber([["S3"], ["S1", "S3"], ["S2"]]) == {"S3": 1, "S1": 2, "S2": 3}


def test_renumber_ignores_repeats() -> None:
    assert renumber([["S2", "S2"], ["S2"]]) == {"S2": 1}


def test_numbers_for_maps_keys() -> None:
    assert numbers_for(["S1", "S3"], {"S3": 1, "S1": 2}) == [2, 1]


def test_merge_keys_filters_unknown_and_dedupes() -> None:
    assert merge_keys(["S1", "S9"], ["s1", "S2"], known=KNOWN) == ["S1", "S2"]


def test_markers_render_in_order() -> None:
    assert markers([1, 3]) == "[1][3]"
