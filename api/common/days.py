"""A day as people give it (`YYYY-MM-DD`), read the same way by every route, page and command.

Pydantic alone would also read `0` as a Unix timestamp (1970-01-01) and `date.fromisoformat`
accepts `20261207`; a query nobody asked for would then be answered silently. So there is one
spelling, one message for anything else, and one rule for turning a day into the instant a
range starts or ends.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> date:
    """`YYYY-MM-DD`, or a ValueError whose message names the text given."""
    if _ISO_DAY.fullmatch(text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise ValueError(f"not a day (YYYY-MM-DD): {text!r}")


def _iso_day_only(value: object) -> object:
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day_only)]
"""A day in a query, path or body parameter of the HTTP API."""


def form_day(text: str, label: str, problems: list[str]) -> date | None:
    """A page's optional day field: None when left empty; a bad one adds its problem to the
    page's list, so every mistake in a form is shown at once."""
    if not text.strip():
        return None
    try:
        return parse_day(text)
    except ValueError as error:
        problems.append(f"{label}: {error}")
        return None
