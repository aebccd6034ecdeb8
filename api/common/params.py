"""Parameter types every route and page reads alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""A stored row's number in a path (a session, dispute, bookmark, mark, topic): inside the 32-bit
integer key both databases hold, so a larger one is a 404 or 422, never a 500."""

SAID = r"^[^\x00]*\S[^\x00]*$"
"""Something said (not blank) and storable (PostgreSQL text holds no NUL character)."""
