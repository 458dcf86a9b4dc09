"""Date windows from the command line."""

from __future__ import annotations

from datetime import date

import pytest

from citebrief.dates import DEFAULT_SINCE, SINCE_HELP, parse_since, window
from citebrief.errors import UsageError
from citebrief.models import Window


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("7d", date(2026, 11, 19)),
        ("1d", date(2026, 11, 25)),
        ("2w", date(2026, 11, 12)),
        ("2026-11-09", date(2026, 11, 9)),
    ],
)
def test_parse_since(given: str, expected: date) -> None:
    assert parse_since(given, today=date(2026, 11, 25)) == expected


def test_parse_since_rejects_nonsense_with_a_hint() -> None:
    with pytest.raises(UsageError) as caught:
        parse_since("last tuesday")
    assert caught.value.hint
    assert "7d" in caught.value.hint


TODAY = date(2026, 11, 25)


def test_the_default_window_is_the_last_30_days() -> None:
    assert window(None, today=TODAY) == Window(date(2026, 10, 27), None)  # today included
    assert DEFAULT_SINCE == "30d"
    assert "30d (the default)" in SINCE_HELP


@pytest.mark.parametrize("given", ["all", "ALL", " all "])
def test_since_all_is_every_date(given: str) -> None:
    assert window(given, today=TODAY) == Window()


def test_from_and_to_make_a_window() -> None:
    assert window(None, "2026-11-09", "2026-11-15") == Window(date(2026, 11, 9), date(2026, 11, 15))
    assert window(None, None, "2026-11-15") == Window(None, date(2026, 11, 15))


def test_from_after_to_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--from 2026-11-16 is after --to 2026-11-09"):
        window(None, "2026-11-16", "2026-11-09")


def test_since_with_from_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot be combined"):
        window("7d", "2026-11-09")


def test_a_date_out_of_range_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        window("99999999d", today=TODAY)
