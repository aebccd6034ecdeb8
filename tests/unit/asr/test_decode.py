"""Every supported container/codec decodes to 16 kHz; every bad file fails with a clear reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr.decode import TARGET_RATE, decode, probe
from asr.errors import AudioError
from tests.support import ROOT
from tests.support.audio import tone

FORMATS = [
    ("pcm8.wav", "WAV", "PCM_U8"),
    ("pcm16.wav", "WAV", "PCM_16"),
    ("pcm24.wav", "WAV", "PCM_24"),
    ("pcm32.wav", "WAV", "PCM_32"),
    ("float.wav", "WAV", "FLOAT"),
    ("mulaw.wav", "WAV", "ULAW"),
    ("alaw.wav", "WAV", "ALAW"),
    ("audio.flac", "FLAC", "PCM_16"),
    ("audio.ogg", "OGG", "VORBIS"),
    ("audio.opus", "OGG", "OPUS"),
    ("audio.mp3", "MP3", "MPEG_LAYER_III"),
]


@pytest.mark.parametrize(("name", "container", "subtype"), FORMATS)
def test_formats_decode_to_16k_with_duration_kept(
    tmp_path: Path, name: str, container: str, subtype: str
) -> None:
    rate = 48000 if subtype == "OPUS" else 8000
    path = tmp_path / name
    sf.write(path, tone(2.0, rate, channels=2), rate, format=container, subtype=subtype)
    audio = decode(path)
    assert audio.samples.shape[0] == 2
    assert audio.samples.dtype == np.float32
    assert audio.duration_s == pytest.approx(2.0, abs=0.08)
    assert audio.info.sample_rate == rate


def test_resampling_is_band_limited(tmp_path: Path) -> None:
    """A 1 kHz tone at 8 kHz must not leak energy into 4-8 kHz after upsampling (no aliasing images)."""
    path = tmp_path / "tone.wav"
    windowed = tone(1.0, 8000, freq=1000.0) * np.hanning(8000)[:, None]
    sf.write(path, windowed, 8000, subtype="FLOAT")
    samples = decode(path).samples[0]
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(samples.size, 1 / TARGET_RATE)
    high = spectrum[freqs > 4200].sum()
    assert high < 0.01 * spectrum.sum()


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match="empty file"):
        decode(path)


def test_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is not a recording")
    with pytest.raises(AudioError, match="not a recognised audio format"):
        probe(path)


def test_header_only_wav_has_no_samples(tmp_path: Path) -> None:
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros((0, 1), dtype=np.float32), 8000)
    with pytest.raises(AudioError, match="no audio samples"):
        decode(path)


def test_truncated_wav_is_refused_not_silently_shortened(tmp_path: Path) -> None:
    full = tmp_path / "full.wav"
    sf.write(full, tone(5.0), 8000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[:20000])
    with pytest.raises(AudioError, match="truncated WAV"):
        decode(cut)


def test_truncated_flac(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    full = tmp_path / "full.flac"
    sf.write(full, (0.1 * rng.standard_normal((80000, 1))).astype(np.float32), 16000)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 3])
    with pytest.raises(AudioError, match="corrupt or truncated"):
        decode(cut)


def test_too_long_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, tone(3.0), 8000)
    with pytest.raises(AudioError, match="longer than the limit"):
        probe(path, max_duration_s=2.0)


def test_errors_name_the_users_file(tmp_path: Path) -> None:
    blob = tmp_path / "ab12cd.wav"
    blob.write_text("junk")
    with pytest.raises(AudioError) as raised:
        probe(blob, name="agent-call-0042.wav")
    assert "agent-call-0042.wav" in str(raised.value)
    assert "ab12cd" not in str(raised.value)


def test_m4a_through_ffmpeg(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = tmp_path / "call.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000, layout="mono")
        samples = tone(2.0, 16000)[:, 0]
        for start in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + 1024], format="flt", layout="mono"
            )
            frame.rate = 16000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    audio = decode(path)
    assert audio.info.format == "ffmpeg"
    assert audio.duration_s == pytest.approx(2.0, abs=0.15)  # AAC pads the last frame


def test_mp3_timestamps_not_shifted(tmp_path: Path) -> None:
    """The encoder delay must be removed: a click at 1.0 s must decode at 1.0 s."""
    rate = 16000
    signal = np.zeros((3 * rate, 1), dtype=np.float32)
    signal[rate : rate + 160, 0] = 0.8
    path = tmp_path / "click.mp3"
    sf.write(path, signal, rate, format="MP3", subtype="MPEG_LAYER_III")
    decoded = decode(path).samples[0]
    peak = int(np.argmax(np.abs(decoded)))
    assert abs(peak / TARGET_RATE - 1.0) < 0.03


def test_sample_calls_decode(copy_sample) -> None:  # type: ignore[no-untyped-def]
    for name, channels in (("d13.flac", 2), ("d02.wav", 2), ("d16.mp3", 1)):
        audio = decode(copy_sample(name))
        assert audio.channel_count == channels
        assert audio.duration_s > 40


def test_copy_is_not_needed_for_probe(tmp_path: Path) -> None:
    source = ROOT / "samples" / "d13.flac"
    shutil.copyfile(source, tmp_path / "x.flac")
    assert probe(tmp_path / "x.flac").channels == 2
