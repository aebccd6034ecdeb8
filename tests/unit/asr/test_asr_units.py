"""Speech regions, channel quality, packing, guards and role decisions on generated signals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from asr.decode import TARGET_RATE
from asr.guards import GuardParams, GuardReport, collapse_repeats, keep
from asr.roles import decide_roles
from asr.speech import Region, analyse_channel
from asr.transcriber import AsrOptions, PackedStream, Party, decode_jobs, quality_warnings
from tests.support.transcripts import segment

RNG = np.random.default_rng(7)


def voiced(seconds: float, level: float = 0.2) -> np.ndarray:
    """Speech-like: harmonics of a gliding pitch, shaped by a formant that moves with each
    syllable, under a syllable-rate envelope."""
    t = np.arange(int(seconds * TARGET_RATE)) / TARGET_RATE
    f0 = 170 + 50 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / TARGET_RATE
    formant = 550 + 300 * np.sin(2 * np.pi * 4 * t + 1.0)
    wave = sum(np.exp(-((((k * f0) - formant) / 180) ** 2)) * np.sin(k * phase) for k in range(1, 16))
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t) ** 2
    return (level * envelope * wave / np.max(np.abs(wave))).astype(np.float32)


def noise(seconds: float, level: float = 1e-3) -> np.ndarray:
    return (level * RNG.standard_normal(int(seconds * TARGET_RATE))).astype(np.float32)


def timeline(*parts: tuple[str, float]) -> np.ndarray:
    return np.concatenate([voiced(s) + noise(s) if kind == "speech" else noise(s) for kind, s in parts])


def test_regions_follow_speech_and_skip_silence() -> None:
    channel = timeline(("silence", 2.0), ("speech", 3.0), ("silence", 6.0), ("speech", 1.0), ("silence", 1.0))
    analysis = analyse_channel(channel)
    bounds = [(r.start, r.end) for r in analysis.regions]
    assert bounds == [pytest.approx((1.85, 5.15), abs=0.03), pytest.approx((10.85, 12.15), abs=0.03)]
    assert analysis.speech_seconds == pytest.approx(4.0, abs=0.1)
    assert analysis.snr_db > 30


def test_short_pauses_stay_inside_one_region() -> None:
    channel = timeline(("silence", 1.0), ("speech", 1.0), ("silence", 0.2), ("speech", 1.0), ("silence", 1.0))
    assert len(analyse_channel(channel).regions) == 1


def test_bleed_from_the_other_channel_is_not_speech() -> None:
    agent = 3 * timeline(("silence", 1.0), ("speech", 3.0), ("silence", 3.0))
    customer = noise(7.0) + 0.05 * agent  # the agent leaking in 26 dB down
    analysis = analyse_channel(customer, other=agent)
    assert analysis.regions == []
    assert analysis.bleed_seconds == pytest.approx(3.0, abs=0.2)


def test_quiet_real_speech_during_overtalk_is_kept() -> None:
    agent = timeline(("silence", 1.0), ("speech", 3.0), ("silence", 3.0))
    customer = timeline(("silence", 3.0), ("speech", 3.0), ("silence", 1.0)) * 0.25  # 12 dB quieter
    assert analyse_channel(customer, other=agent).regions


def test_clipping_and_one_way_audio_are_reported() -> None:
    loud = np.clip(timeline(("speech", 4.0)) * 8, -1, 1)
    silent = noise(4.0, 1e-5)
    parties = [
        Party("agent", 0, loud, analyse_channel(loud, silent)),
        Party("customer", 1, silent, analyse_channel(silent, loud)),
    ]
    warnings = quality_warnings(parties)
    assert "one-way audio: the customer channel is silent" in warnings
    assert any(w.startswith("clipping on the agent channel") for w in warnings)


def word(text: str, start: float, end: float) -> SimpleNamespace:
    return SimpleNamespace(word=f" {text}", start=start, end=end, probability=0.9)


def test_packed_stream_maps_words_back_to_original_time() -> None:
    channel = timeline(
        ("silence", 5.0), ("speech", 2.0), ("silence", 10.0), ("speech", 2.0), ("silence", 1.0)
    )
    party = Party("agent", 0, channel, analyse_channel(channel))
    stream = PackedStream.build(party)
    first, second = stream.pieces
    assert stream.samples.size < channel.size / 3
    fw = SimpleNamespace(
        avg_logprob=-0.2,
        no_speech_prob=0.01,
        words=[
            word("hello", first.offset + 0.2, first.offset + 0.6),
            word("again", second.offset + 0.3, second.offset + 0.7),
        ],
    )
    segments = stream.segments([fw])
    assert [s.text for s in segments] == ["hello", "again"]
    assert segments[0].start == pytest.approx(first.region.start + 0.2, abs=0.01)
    assert segments[1].words[0].start == pytest.approx(second.region.start + 0.3, abs=0.01)
    assert all(s.speaker == "agent" and s.channel == 0 for s in segments)


def test_decode_jobs_fill_whisper_windows_from_region_boundaries() -> None:
    """Consecutive regions of one party, at most 30 s of packed audio a job; a longer region
    is a job of its own; parties are never mixed in a job."""
    channel = timeline(*[part for _ in range(8) for part in (("speech", 9.0), ("silence", 2.0))])
    agent = Party("agent", 0, channel, analyse_channel(channel))
    jobs = decode_jobs([agent, Party("customer", 1, channel, agent.analysis)])
    assert [party.speaker for party, _ in jobs] == ["agent"] * 3 + ["customer"] * 3
    assert [len(regions) for _, regions in jobs] == [3, 3, 2] * 2
    assert [r for _, regions in jobs[:3] for r in regions] == agent.analysis.regions
    long = timeline(("speech", 40.0), ("silence", 2.0), ("speech", 5.0))
    party = Party("unknown", None, long, analyse_channel(long))
    assert [len(regions) for _, regions in decode_jobs([party])] == [1, 1]


def test_batched_clips_never_exceed_30_seconds() -> None:
    channel = timeline(*[part for _ in range(8) for part in (("speech", 9.0), ("silence", 2.0))])
    stream = PackedStream.build(Party("agent", 0, channel, analyse_channel(channel)))
    clips = stream.clips()
    assert all(c["end"] - c["start"] <= 30.0 + 1e-6 for c in clips)
    assert clips[0]["start"] == 0.0 and clips[-1]["end"] == pytest.approx(
        stream.pieces[-1].end_offset, abs=1e-3
    )


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for watching!",
        "Subtitles by the Amara.org community",
        "字幕由志愿者提供",
        "请不吝点赞 订阅 转发",
    ],
)
def test_known_hallucinations_are_dropped(text: str) -> None:
    report = GuardReport()
    assert keep(segment("agent", 1.0, 2.0, text), GuardParams(), report) is None
    assert report.summary() == ["dropped 1 segment(s): known hallucination phrase"]


def test_repetition_loops_are_cut() -> None:
    looped = segment("customer", 0.0, 8.0, "I want to " + "go go go go go go go go go go", channel=1)
    trimmed = collapse_repeats(looped)
    assert trimmed.text == "I want to go"
    assert trimmed.end < looped.end


def test_low_confidence_noise_is_dropped_and_real_speech_kept() -> None:
    junk = segment("agent", 0.0, 1.0, "um the").model_copy(update={"avg_logprob": -1.6})
    real = segment("agent", 1.0, 3.0, "How can I help you today?")
    report = GuardReport()
    assert keep(junk, GuardParams(), report) is None
    assert keep(real, GuardParams(), report) is real


def test_roles_swap_when_the_customer_channel_sounds_like_the_agent() -> None:
    wired_agent = [segment("agent", 3.0, 6.0, "Hi, I'm calling about my bill, I'd like to pay it")]
    wired_customer = [
        segment("customer", 0.5, 2.5, "Thank you for calling Northwind, my name is Sam, how can I help?", 1),
        segment("customer", 7.0, 9.0, "Can I take your account number please?", 1),
    ]
    decision = decide_roles(wired_agent, wired_customer, "en", ["Northwind"])
    assert decision.swapped and "swapped" in decision.reason
    assert not decide_roles(wired_customer, wired_agent, "en").swapped


def test_roles_stay_when_unsure() -> None:
    a = [segment("agent", 0.0, 1.0, "Okay.")]
    c = [segment("customer", 1.5, 2.0, "Right.", 1)]
    assert not decide_roles(a, c, "en").swapped


def test_regions_are_ordered_and_padded_within_the_file() -> None:
    channel = timeline(("speech", 1.0), ("silence", 3.0))
    regions = analyse_channel(channel).regions
    assert regions[0] == Region(0.0, regions[0].end) and regions[0].end <= 4.0


def notes(seconds_each: float, frequencies: list[float]) -> np.ndarray:
    t = np.arange(int(seconds_each * TARGET_RATE)) / TARGET_RATE
    return np.concatenate([0.2 * np.sin(2 * np.pi * f * t) for f in frequencies]).astype(np.float32)


def test_hold_music_is_neither_speech_nor_silence() -> None:
    music = notes(0.5, [440, 494, 523, 587, 659, 587, 523, 494] * 2)  # 8 s of melody
    channel = np.concatenate([timeline(("silence", 1.0), ("speech", 3.0)), music, timeline(("speech", 2.0))])
    analysis = analyse_channel(channel + noise(channel.size / TARGET_RATE))
    assert len(analysis.holds) == 1
    hold = analysis.holds[0]
    assert hold.kind == "music"
    assert hold.start == pytest.approx(4.0, abs=1.0) and hold.end == pytest.approx(
        12.0, abs=1.0
    )  # 1 s windows
    assert all(r.end <= hold.start + 0.2 or r.start >= hold.end - 0.2 for r in analysis.regions)


def test_beeping_hold_tone_is_one_hold() -> None:
    beep = np.concatenate([notes(0.6, [1000]), np.zeros(int(1.4 * TARGET_RATE), dtype=np.float32)])
    channel = np.tile(beep, 5)
    analysis = analyse_channel(channel + noise(channel.size / TARGET_RATE))
    assert [h.kind for h in analysis.holds] == ["tone"]
    assert analysis.holds[0].end - analysis.holds[0].start > 7
    assert analysis.regions == []


def test_speech_is_not_taken_for_hold() -> None:
    assert analyse_channel(timeline(("speech", 10.0))).holds == []


def test_agent_beam_applies_to_the_agent_channel_only_and_keys_the_transcript() -> None:
    options = AsrOptions(beam_size=1, agent_beam_size=3)
    assert [options.beam_for(s) for s in ("agent", "customer", "unknown")] == [3, 1, 1]
    assert AsrOptions().beam_for("agent") == 1
    assert options.version != AsrOptions().version  # a stored transcript is redone, not reused
