"""Mono calls: two voices found, the agent identified by what it says, words attributed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asr.decode import decode
from asr.diarize import SpeakerTurns, diarize, overlaps
from asr.speech import analyse_channel
from asr.transcriber import AsrOptions, Transcriber, split_by_voice
from scoring.conversation import overtalk
from tests.support.audio import SAMPLES
from tests.support.transcripts import segment


@pytest.fixture(scope="module")
def mono_call() -> Path:
    return SAMPLES / "d16.mp3"


def test_two_voices_and_the_agent_is_the_one_who_greets(mono_call: Path, model_cache: Path) -> None:
    transcript = Transcriber(AsrOptions(cache_dir=model_cache)).transcribe(decode(mono_call), "left", "en")
    assert transcript.layout == "mono"
    assert transcript.notes[0].startswith("mono: two voices")
    speakers = {s.speaker for s in transcript.segments}
    assert speakers == {"agent", "customer"}
    first_agent = transcript.by_speaker("agent")[0]
    assert "contoso" in first_agent.text.lower() or "hello" in first_agent.text.lower()
    assert first_agent.start < 3.0  # the greeting opens the call (1.1 s), not misplaced by the alignment
    assert "birth" in " ".join(s.text for s in transcript.by_speaker("agent")).lower()  # asked at 24 s
    agent_time = sum(s.end - s.start for s in transcript.by_speaker("agent"))
    customer_time = sum(s.end - s.start for s in transcript.by_speaker("customer"))
    assert agent_time > 10 and customer_time > 5
    # The customer talks over the agent's last words at 51.3-52.1 s (the call's only overlap).
    assert [(round(o.start), round(o.end)) for o in transcript.overlaps] == [(51, 52)]
    assert [o.interrupter for o in overtalk(transcript)] == ["customer"]


def test_one_voice_stays_unknown() -> None:
    t = np.arange(16000 * 12) / 16000
    buzz = (0.2 * np.sign(np.sin(2 * np.pi * 150 * t)) * (np.sin(2 * np.pi * 0.5 * t) > 0)).astype(np.float32)
    turns = diarize(buzz, analyse_channel(buzz).regions)
    assert turns.speakers == 1


def test_overlapping_speech_does_not_break_it(mono_call: Path) -> None:
    samples = decode(mono_call).samples[0]
    mixed = samples[: 16000 * 30] + samples[16000 * 30 : 16000 * 60]  # two conversations on top of each other
    turns = diarize(mixed, analyse_channel(mixed).regions)
    assert turns.speakers in (1, 2)
    assert turns.labels.size == turns.centres.size


def test_segments_are_cut_where_the_voice_changes() -> None:
    both = segment("unknown", 0.0, 4.0, "hello there yes hi")
    turns = SpeakerTurns(np.array([0.5, 1.5, 2.5, 3.5]), np.array([0, 0, 1, 1]), 2)
    parts = split_by_voice(both, turns.speaker_at)
    assert [(p.text, v) for p, v in parts] == [("hello there", 0), ("yes hi", 1)]
    assert parts[1][0].start == pytest.approx(2.0)


def _speech_with_pause(pause_s: float) -> np.ndarray:
    """4 s of noise-like "speech" with a pause of `pause_s` at 2 s, over a quiet floor."""
    rng = np.random.default_rng(3)
    samples = (0.001 * rng.standard_normal(16000 * 6)).astype(np.float32)
    samples[16000 : 16000 * 5] += (0.1 * rng.standard_normal(16000 * 4)).astype(np.float32)
    if pause_s:
        samples[(16000 * 3) : int(16000 * (3 + pause_s))] = 0.001
    return samples


def test_a_voice_change_without_a_pause_is_an_overlap() -> None:
    """Voice windows every 0.5 s in one stretch of speech, the voice changing at 3 s."""
    turns = SpeakerTurns(
        np.arange(1.25, 5.0, 0.5), np.array([0, 0, 0, 0, 1, 1, 1, 1]), 2, np.zeros(8, dtype=int)
    )
    floor = analyse_channel(_speech_with_pause(0.0)).noise_floor_dbfs
    assert overlaps(_speech_with_pause(0.0), turns, floor) == [(2.5, 3.5)]
    assert overlaps(_speech_with_pause(0.4), turns, floor) == []  # a turn, with its gap
    across = SpeakerTurns(turns.centres, turns.labels, 2, np.array([0, 0, 0, 0, 1, 1, 1, 1]))
    assert overlaps(_speech_with_pause(0.0), across, floor) == []  # the change is between regions
    one = SpeakerTurns(turns.centres, np.zeros(8, dtype=int), 1, np.zeros(8, dtype=int))
    assert overlaps(_speech_with_pause(0.0), one, floor) == []
