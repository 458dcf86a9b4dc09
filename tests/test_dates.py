"""Date windows from the command line."""

from __future__ import annotations

from datetime import date

import pytest

from citebrief.dates import parse_since
from citebrief.errors import UsageError


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
