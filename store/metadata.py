"""What a recording system tells us about a call, validated once for the CLI and the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

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

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?", re.I)


def iso_datetime_only(value: object) -> object:
    """A date and a time of day, as ISO 8601 writes them: pydantic alone would also take a bare
    number as Unix seconds or a bare day as midnight, and file a call under a moment nobody said."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value.strip()):
        raise ValueError("expected an ISO 8601 date and time, e.g. 2026-11-02T09:14:00Z")
    return value.strip()


IsoDateTime = Annotated[datetime, BeforeValidator(iso_datetime_only)]


def without_nul(value: object) -> object:
    """Text with its NUL characters dropped: never meaningful in a name or a comment, and
    PostgreSQL refuses them in any text column (it would answer 500, not a clear error)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


Clean = BeforeValidator(without_nul)

_SCHEMA_KEYS = ("type", "format", "$ref", "enum", "maxLength", "minLength", "pattern")


def blank_allowed(schema: dict[str, Any]) -> None:
    """An empty value means "not given" (an empty CSV cell, an empty form field), so the JSON
    schema offers it beside the typed value: a client reading the schema knows it is accepted."""
    options = schema.pop("anyOf", None) or [{key: schema.pop(key) for key in _SCHEMA_KEYS if key in schema}]
    if {"type": "string"} not in options:
        options.append({"type": "string", "maxLength": 0})
    schema["anyOf"] = options


def _blank_allowed_everywhere(schema: dict[str, Any]) -> None:
    for field_schema in schema.get("properties", {}).values():
        blank_allowed(field_schema)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Channel(StrEnum):
    """How the customer and agent talked: on the phone, or in a chat."""

    VOICE = "voice"
    CHAT = "chat"


class CallSource(StrEnum):
    """What callqa was given: a recording, or a conversation as text (its JSON stored instead)."""

    AUDIO = "audio"
    TEXT = "text"


class Language(StrEnum):
    """The languages callqa transcribes and scores."""

    EN = "en"
    ZH = "zh"


class CallMetadata(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_blank_allowed_everywhere
    )

    agent_id: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    agent_name: Annotated[str | None, Clean] = Field(default=None, max_length=200)
    team: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    queue: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    direction: Direction | None = None
    started_at: IsoDateTime | None = None
    external_id: Annotated[str | None, Clean] = Field(default=None, max_length=200)
    language: Language | None = Field(
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
