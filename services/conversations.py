"""Text conversations (a recorder's or CCaaS platform's transcripts, chat logs), scored like calls.

A conversation becomes a call whose transcript is given rather than heard: the conversation's
canonical JSON is stored content-addressed where a recording would be (so the same conversation
twice is one call, exactly as for audio, and retention and erasure treat it like a recording),
its turns become the transcript, and the call goes straight to scoring. Items that need audio
have nothing to judge: there are no holds, no channel levels and no word confidences, so hold
findings and audio-quality doubts never arise, and without turn times (a chat log may have
none) dead air is not applicable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from asr.transcript import Segment, Transcript, TranscriptSource
from runtime.services import Services
from services.dispatch import Dispatch
from store.metadata import CallMetadata, Channel, Clean, Direction, IsoDateTime, Language
from store.tables import Call


class Party(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    speaker: Party
    start: float | None = Field(default=None, ge=0, le=86_400, description="seconds from the start")
    end: float | None = Field(default=None, ge=0, le=86_400)
    text: Annotated[str, Clean] = Field(min_length=1, max_length=20_000)

    @model_validator(mode="after")
    def _times_in_order(self) -> Self:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class ConversationIn(BaseModel):
    """One conversation; `turns` in the order they were said or written."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, Clean] = Field(min_length=1, max_length=200)
    agent_id: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    agent_name: Annotated[str | None, Clean] = Field(default=None, max_length=200)
    team: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    queue: Annotated[str | None, Clean] = Field(default=None, max_length=100)
    direction: Direction | None = None
    started_at: IsoDateTime | None = None
    language: Language | None = Field(default=None, description="default: the queue's, else the site's")
    channel: Channel = Channel.VOICE
    turns: list[TurnIn] = Field(min_length=1, max_length=5_000)

    @model_validator(mode="after")
    def _all_timed_or_none(self) -> Self:
        timed = {turn.start is not None for turn in self.turns}
        if len(timed) > 1:
            raise ValueError("turns: give start and end on every turn or on none")
        if self.channel == Channel.VOICE and timed == {False}:
            raise ValueError(
                "turns: a voice transcript needs start and end on every turn (a chat may go without)"
            )
        return self

    @property
    def timed(self) -> bool:
        return self.turns[0].start is not None

    def canonical(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


CONVERSATION_METADATA = {"agent_id", "agent_name", "team", "queue", "direction", "started_at", "external_id"}
"""The conversation's fields that are the call's metadata (the rest become its transcript)."""


class NoLanguage(ValueError):
    """Neither the conversation, its queue nor the site says which language it is in."""


@dataclass(frozen=True)
class Imported:
    call: Call
    created: bool


def transcript_of(conversation: ConversationIn, language: str) -> Transcript:
    """The turns as a transcript; an untimed chat's turns are placed one second apart, in order
    (windows of a card count its turns then), and marked untimed so timing items do not apply."""
    segments = [
        Segment(
            speaker=turn.speaker.value,
            channel=None,
            start=turn.start if turn.start is not None else float(index),
            end=turn.end if turn.end is not None else float(index),
            text=turn.text,
        )
        for index, turn in enumerate(conversation.turns)
    ]
    return Transcript(
        language=language,
        duration_s=max((s.end for s in segments), default=0.0),
        layout="mono",
        model=f"text:{conversation.channel.value}",
        asr_version=f"text:{conversation.channel.value}",
        segments=segments,
        source=TranscriptSource.TEXT,
        timed=conversation.timed,
    )


def import_conversation(services: Services, dispatcher: Dispatch, conversation: ConversationIn) -> Imported:
    queue = services.settings.queue(conversation.queue)
    language = conversation.language or queue.language
    if language is None:
        raise NoLanguage(
            "language: not given, and neither the queue nor CALLQA_DEFAULT_LANGUAGE sets one (en or zh)"
        )
    metadata = CallMetadata.model_validate(
        {**conversation.model_dump(include=CONVERSATION_METADATA), "language": language}
    )
    ingested = services.calls.ingest_text(
        conversation.canonical(), f"{conversation.external_id}.json", metadata, conversation.channel
    )
    if ingested.created:
        services.results.save_transcript(
            ingested.call.id, f"text:{conversation.channel.value}", transcript_of(conversation, language)
        )
        dispatcher.analyse(ingested.call.id)
    return Imported(services.calls.get(ingested.call.id) or ingested.call, ingested.created)
