"""Mono calls: two voices found, the agent identified by what it says, words attributed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asr.decode import decode
from asr.diarize import SpeakerTurns, diarize
from asr.speech import analyse_channel
from asr.transcriber import AsrOptions, Transcriber, split_by_voice
from tests.conftest import SAMPLES
from tests.helpers import segment


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
    agent_time = sum(s.end - s.start for s in transcript.by_speaker("agent"))
    customer_time = sum(s.end - s.start for s in transcript.by_speaker("customer"))
    assert agent_time > 10 and customer_time > 5


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
