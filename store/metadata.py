"""What a recording system tells us about a call, validated once for the CLI and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

METADATA_FIELDS = (
    "agent_id",
    "agent_name",
    "team",
    "queue",
    "direction",
    "started_at",
    "external_id",
    "language",
)


class CallMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agent_id: str | None = Field(default=None, max_length=100)
    agent_name: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    queue: str | None = Field(default=None, max_length=100)
    direction: Literal["inbound", "outbound"] | None = None
    started_at: datetime | None = None
    external_id: str | None = Field(default=None, max_length=200)
    language: Literal["en", "zh"] | None = Field(
        default=None, description="spoken language when known; otherwise the queue's, else detected"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A timestamp without a zone is taken as UTC, the only safe reading across sites."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
