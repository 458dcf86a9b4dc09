"""Date windows from the command line (pure): ``7d``, ``2w``, ``36h``, or an ISO date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from citebrief.errors import UsageError

_RELATIVE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)


def parse_since(value: str, today: date | None = None) -> date:
    """The first day of a window: '7d' is the last seven days including today."""
    today = today or datetime.now(UTC).date()
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        if unit == "h":
            return (datetime.now(UTC) - timedelta(hours=amount)).date()
        days = amount * (7 if unit == "w" else 1)
        return today - timedelta(days=max(days - 1, 0))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"cannot read the date {value!r}",
            hint="use a number of hours, days or weeks (36h, 7d, 2w) or a date (2026-11-09)",
        ) from None


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"cannot read the date {value!r}", hint="use YYYY-MM-DD") from None
