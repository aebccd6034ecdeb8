"""The data contract between ASR and everything downstream.

Scoring, storage and evaluation read these types and nothing else from `asr`, so the
transcript can be stored as JSON, re-scored years later and produced by another engine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

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


class Transcript(BaseModel):
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

    def by_speaker(self, speaker: Speaker) -> list[Segment]:
        return [s for s in self.segments if s.speaker == speaker]

    def text_of(self, speaker: Speaker) -> str:
        return " ".join(s.text.strip() for s in self.by_speaker(speaker))
