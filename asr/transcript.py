"""The data contract between ASR and everything downstream.

Scoring, storage and evaluation read these types and nothing else from `asr`, so the
transcript can be stored as JSON, re-scored years later and produced by another engine. For the
years part it carries a `schema_version`: older rows are upgraded as they are read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

TRANSCRIPT_SCHEMA_VERSION = 2
"""1: rows written before the field existed. 2: `schema_version` added; nothing else changed."""

Speaker = Literal["agent", "customer", "unknown"]
Layout = Literal["agent_left", "agent_right", "mono"]


class Word(BaseModel):
    start: float
    end: float
    text: str
    probability: float


class Segment(BaseModel):
    speaker: Speaker
    channel: int | None = Field(description="source channel index; None for a mono mix")
    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    words: list[Word] = Field(default_factory=list)

    def with_words(self, words: list[Word]) -> Segment:
        """The same segment cut down to `words` (times and text follow; Chinese joins without spaces)."""
        joiner = "" if any("\u4e00" <= ch <= "\u9fff" for ch in self.text) else " "
        return self.model_copy(
            update={
                "words": words,
                "start": words[0].start,
                "end": words[-1].end,
                "text": joiner.join(w.text for w in words),
            }
        )


class TimeSpan(BaseModel):
    start: float
    end: float


class ChannelInfo(BaseModel):
    """What scoring needs to know about a channel to avoid blaming an agent for bad audio."""

    index: int
    speaker: Speaker
    level_dbfs: float = Field(description="mean level of the speech frames")
    noise_floor_dbfs: float
    snr_db: float
    speech_seconds: float
    speech_ratio: float
    clipping_ratio: float
    bleed_seconds: float = Field(description="other party's speech leaking into this channel, ignored")
    speech: list[TimeSpan] = Field(default_factory=list, description="where this channel has speech")


class HoldSpan(BaseModel):
    """Hold music or tone played on a channel: neither speech nor dead air."""

    start: float
    end: float
    kind: Literal["music", "tone"]
    channel: int | None


class TranscriptSource(StrEnum):
    """Where the words come from: heard by callqa's ASR, or given as text (a recorder's or CCaaS
    platform's transcript, a chat log), which has no audio to judge."""

    ASR = "asr"
    TEXT = "text"


class Transcript(BaseModel):
    schema_version: int = Field(
        default=TRANSCRIPT_SCHEMA_VERSION,
        description="the version of this document's fields; older are upgraded",
    )
    language: str
    language_probability: float = 1.0
    duration_s: float
    layout: Layout
    model: str
    asr_version: str
    channels: list[ChannelInfo] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    holds: list[HoldSpan] = Field(default_factory=list)
    overlaps: list[TimeSpan] = Field(
        default_factory=list,
        description="mono: where the voice changes with no pause, both talking (stereo: see channels)",
    )
    notes: list[str] = Field(
        default_factory=list, description="how roles were decided, what the guards dropped, audio warnings"
    )
    source: TranscriptSource = TranscriptSource.ASR
    timed: bool = Field(default=True, description="false: a chat without times (turns placed 1 s apart)")

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        return upgrade_transcript(data) if isinstance(data, dict) else data

    def by_speaker(self, speaker: Speaker) -> list[Segment]:
        return [s for s in self.segments if s.speaker == speaker]

    def text_of(self, speaker: Speaker) -> str:
        return " ".join(s.text.strip() for s in self.by_speaker(speaker))


def upgrade_transcript(data: dict[str, Any]) -> dict[str, Any]:
    """A stored transcript document brought to TRANSCRIPT_SCHEMA_VERSION (1 to 2: only the version)."""
    return upgraded(data, TRANSCRIPT_SCHEMA_VERSION, "transcript")


def upgraded(data: dict[str, Any], current: int, what: str) -> dict[str, Any]:
    """`data` marked as `current`, rows without a version being version 1. A document from a newer
    callqa is refused rather than half-read: its fields may mean something this version does not know."""
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or not 1 <= version <= current:
        raise ValueError(f"{what} schema_version {version!r}: this callqa reads versions 1 to {current}")
    return {**data, "schema_version": current}
