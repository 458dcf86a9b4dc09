"""Date windows from the command line (pure): ``7d``, ``2w``, ``36h``, an ISO date, or ``all``.

``brief``, ``ask`` and ``chat`` share one default window, ``DEFAULT_SINCE``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from citebrief.errors import UsageError
from citebrief.models import Window

DEFAULT_SINCE = "30d"  # the window of brief, ask and chat when none is given
SINCE_HELP = "Window: 30d (the default), 2w, 36h, a date (2026-11-09), or all."

_RELATIVE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)


def parse_since(value: str, today: date | None = None) -> date:
    """The first day of a window: '7d' is the last seven days including today."""
    today = today or datetime.now(UTC).date()
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        try:
            if unit == "h":
                return (datetime.now(UTC) - timedelta(hours=amount)).date()
            days = amount * (7 if unit == "w" else 1)
            return today - timedelta(days=max(days - 1, 0))
        except (OverflowError, ValueError):
            raise UsageError(
                f"the window {value!r} reaches before year 1",
                hint="use a shorter window, a date, or 'all'",
            ) from None
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


def window(
    since: str | None, start: str | None = None, end: str | None = None, today: date | None = None
) -> Window:
    """The window of --since, or of --from and --to; ``DEFAULT_SINCE`` when none is given.
    --since all is every date; --from after --to is a usage error."""
    if since and (start or end):
        raise UsageError("--since cannot be combined with --from/--to", hint="use one or the other")
    if start or end:
        first = parse_day(start) if start else None
        last = parse_day(end) if end else None
        if first and last and first > last:
            raise UsageError(
                f"--from {first.isoformat()} is after --to {last.isoformat()}",
                hint="swap them, or give one of them",
            )
        return Window(first, last)
    value = since or DEFAULT_SINCE
    if value.strip().lower() == "all":
        return Window()
    return Window(parse_since(value, today), None)
