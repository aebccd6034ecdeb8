"""The transcripts kept between requests (runtime/transcript_cache.py): read once, read again
when the stored one changes, the least recently read going first (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from asr.transcript import Transcript
from runtime.services import Services
from runtime.transcript_cache import TranscriptCache
from store.metadata import CallMetadata
from tests.support.transcripts import segment, transcript


def test_a_transcript_is_read_once_and_again_when_it_is_saved_anew(services: Services) -> None:
    call = services.calls.ingest_chunks([b"not audio, never decoded" * 8], "a.wav", CallMetadata()).call
    assert services.results.transcript(call.id) is None
    services.results.save_transcript(call.id, "v1", transcript([segment("agent", 0.5, 2.0, "Hello there.")]))
    first = services.results.transcript(call.id)
    assert first is not None and services.results.transcript(call.id) is first  # kept, not rebuilt
    services.results.save_transcript(call.id, "v1", transcript([segment("agent", 0.5, 2.0, "Good morning.")]))
    again = services.results.transcript(call.id)
    assert again is not first and again is not None and again.segments[0].text == "Good morning."


def test_the_least_recently_read_call_goes_first() -> None:
    cache = TranscriptCache(size=2)
    loads: list[str] = []

    def load(name: str) -> Transcript:
        loads.append(name)
        return transcript([segment("agent", 0.5, 2.0, name)])

    stamp = ("v1", datetime(2026, 11, 27, tzinfo=UTC))
    for name in ("a", "b", "a", "c", "a", "b"):  # c pushes out b (a was read since), then b is read again
        cache.get(name, stamp, partial(load, name))
    assert loads == ["a", "b", "c", "b"]
    cache.get("a", ("v2", stamp[1]), lambda: load("a"))  # another ASR version: read anew
    assert loads[-1] == "a"
