"""Days as the instants a range of them starts and ends, the same for every filter by day.

A person asks for calls "from 3 to 5 December": the range starts at midnight of the 3rd and ends,
exclusive, at midnight of the 6th. Routes, pages, the CLI and services all turn days into
instants here, so an inclusive end is never off by one day in one of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def day_start(day: date | None, next_day: bool = False) -> datetime | None:
    """Midnight UTC of `day` (of the day after, for an inclusive end); the end of the calendar
    (9999-12-31) has no day after it and means no upper bound."""
    if day is None or (next_day and day == date.max):
        return None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time.min, tzinfo=UTC)
