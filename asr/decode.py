"""Decode any recording into 16 kHz float32 channels, or explain why it cannot be.

libsndfile (through soundfile) reads WAV in every PCM/float width, G.711 mu-law and A-law,
FLAC, OGG/Vorbis/Opus and MP3 (mpg123, which honours the encoder-delay tag so MP3 timestamps
are not shifted). Anything else (M4A/AAC, WebM...) goes through FFmpeg via PyAV, which
faster-whisper already depends on. Resampling is band-limited (soxr): naive interpolation
would fold telephone audio into the 4-8 kHz band, which hurts Whisper.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from asr.errors import AudioError

TARGET_RATE = 16000


@dataclass(frozen=True)
class AudioInfo:
    format: str
    subtype: str
    sample_rate: int
    channels: int
    duration_s: float


@dataclass(frozen=True)
class DecodedAudio:
    """`samples` has shape (channels, frames) at `TARGET_RATE`."""

    info: AudioInfo
    samples: np.ndarray

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / TARGET_RATE

    @property
    def channel_count(self) -> int:
        return int(self.samples.shape[0])


def probe(path: Path, max_duration_s: float | None = None, name: str | None = None) -> AudioInfo:
    """Cheap header check, used at ingest so that a bad upload is refused before it is queued.

    `name` is how the user knows the file (stored audio is named by its hash); errors use it.
    """
    try:
        return _probe(path, max_duration_s)
    except AudioError as error:
        raise _renamed(error, path, name) from error


def _probe(path: Path, max_duration_s: float | None) -> AudioInfo:
    if not path.exists():
        raise AudioError(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise AudioError(f"{path.name}: empty file (0 bytes)")
    try:
        info = _probe_sndfile(path)
    except AudioError:
        raise
    except Exception as sndfile_error:
        try:
            info = _probe_av(path)
        except Exception:
            raise AudioError(
                f"{path.name}: not a recognised audio format or corrupt ({_short(sndfile_error)})"
            ) from sndfile_error
    if info.duration_s <= 0:
        raise AudioError(f"{path.name}: the recording holds no audio samples")
    if max_duration_s is not None and info.duration_s > max_duration_s:
        raise AudioError(
            f"{path.name}: {info.duration_s / 60:.0f} min is longer than the limit of "
            f"{max_duration_s / 60:.0f} min (CALLQA_MAX_AUDIO_MINUTES)"
        )
    return info


def decode(path: Path, max_duration_s: float | None = None, name: str | None = None) -> DecodedAudio:
    try:
        return _decode(path, max_duration_s)
    except AudioError as error:
        raise _renamed(error, path, name) from error


def _decode(path: Path, max_duration_s: float | None) -> DecodedAudio:
    info = _probe(path, max_duration_s)
    try:
        if info.format == "ffmpeg":
            raw, rate = _read_av(path)
        else:
            data, rate = sf.read(str(path), dtype="float32", always_2d=True)
            raw = data.T
    except AudioError:
        raise
    except Exception as error:
        raise AudioError(
            f"{path.name}: cannot decode {info.format} audio, the file is corrupt or truncated "
            f"({_short(error)})"
        ) from error
    if raw.shape[1] == 0:
        raise AudioError(f"{path.name}: the recording holds no audio samples")
    if not np.all(np.isfinite(raw)):
        raise AudioError(f"{path.name}: the decoded audio contains invalid (NaN or infinite) samples")
    return DecodedAudio(info=info, samples=resample(raw, rate))


def resample(channels: np.ndarray, rate: int) -> np.ndarray:
    if rate == TARGET_RATE:
        return np.ascontiguousarray(channels, dtype=np.float32)
    out = soxr.resample(channels.T, rate, TARGET_RATE, quality="HQ")
    return np.ascontiguousarray(np.atleast_2d(out.T), dtype=np.float32)


def _probe_sndfile(path: Path) -> AudioInfo:
    info = sf.info(str(path))
    if info.format in ("WAV", "WAVEX", "RF64"):
        _check_wav_complete(path, info.frames, info.channels)
    return AudioInfo(
        format=info.format,
        subtype=info.subtype,
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
        duration_s=float(info.frames) / float(info.samplerate),
    )


def _check_wav_complete(path: Path, frames_present: int, channels: int) -> None:
    """libsndfile silently shortens a WAV whose data chunk is cut off; a QA tool must not.

    A truncated call would be scored as if the agent never closed it, so refuse it instead.
    Streaming writers put 0 or 0xFFFFFFFF in the size field: those are not truncation.
    """
    with path.open("rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return
        block_align = 0
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return
            chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"fmt ":
                fmt = handle.read(size + (size & 1))
                if len(fmt) >= 14:
                    block_align = struct.unpack("<H", fmt[12:14])[0]
                continue
            if chunk_id == b"data":
                if size in (0, 0xFFFFFFFF) or block_align == 0:
                    return
                declared_frames = size // block_align
                if frames_present < declared_frames:
                    raise AudioError(
                        f"{path.name}: truncated WAV: the header declares "
                        f"{declared_frames} frames but the file holds {frames_present}"
                    )
                return
            handle.seek(size + (size & 1), 1)


def _probe_av(path: Path) -> AudioInfo:
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise AudioError(f"{path.name}: the file has no audio stream")
        stream = container.streams.audio[0]
        duration = float(container.duration or 0) / 1_000_000
        return AudioInfo(
            format="ffmpeg",
            subtype=stream.codec_context.name,
            sample_rate=int(stream.rate or 0),
            channels=int(stream.codec_context.channels),
            duration_s=duration,
        )


def _read_av(path: Path) -> tuple[np.ndarray, int]:
    import av

    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = int(stream.rate)
        resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    if not chunks:
        raise AudioError(f"{path.name}: the recording holds no audio samples")
    return np.concatenate(chunks, axis=1).astype(np.float32), rate


def _renamed(error: AudioError, path: Path, name: str | None) -> AudioError:
    if not name or name == path.name:
        return error
    return AudioError(str(error).replace(str(path), name).replace(path.name, name))


def _short(error: BaseException) -> str:
    return str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
