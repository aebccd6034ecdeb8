"""Where each channel has speech, and how good the channel's audio is.

On separated telephone channels an energy detector relative to the channel's own noise floor
finds speech far more reliably than Silero VAD (tuned for wideband audio, it misses whole
8 kHz utterances). The threshold is 12 dB over the floor, kept between -70 and -35 dBFS so that
a channel that is nearly all speech (whose quietest frames are still speech) is not missed.
A frame that is much louder on the other channel at the same moment is crosstalk bleed, not
this party speaking, and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asr.decode import TARGET_RATE

FRAME_S = 0.02


@dataclass(frozen=True)
class SpeechParams:
    threshold_above_floor_db: float = 12.0
    min_threshold_dbfs: float = -70.0
    max_threshold_dbfs: float = -35.0
    floor_percentile: float = 5.0
    bleed_margin_db: float = 20.0
    min_gap_s: float = 0.4
    min_speech_s: float = 0.12
    pad_s: float = 0.15


@dataclass(frozen=True)
class Region:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ChannelAnalysis:
    regions: list[Region]
    speech_seconds: float
    speech_ratio: float
    level_dbfs: float
    noise_floor_dbfs: float
    snr_db: float
    clipping_ratio: float
    bleed_seconds: float


def frame_db(samples: np.ndarray) -> np.ndarray:
    size = int(FRAME_S * TARGET_RATE)
    count = samples.size // size
    if count == 0:
        return np.full(1, -120.0)
    frames = samples[: count * size].reshape(count, size).astype(np.float64)
    return 10.0 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)


def analyse_channel(
    samples: np.ndarray, other: np.ndarray | None = None, params: SpeechParams = SpeechParams()
) -> ChannelAnalysis:
    energy = frame_db(samples)
    floor = float(np.percentile(energy, params.floor_percentile))
    threshold = min(
        max(floor + params.threshold_above_floor_db, params.min_threshold_dbfs), params.max_threshold_dbfs
    )
    loud = energy > threshold
    active = loud.copy()
    bleed = np.zeros_like(loud)
    if other is not None:
        other_energy = frame_db(other)[: energy.size]
        if other_energy.size == energy.size:
            bleed = loud & (other_energy - energy > params.bleed_margin_db)
            active &= ~bleed
    regions = _regions(active, params, samples.size / TARGET_RATE)
    speech_frames = energy[active]
    level = float(10 * np.log10(np.mean(10 ** (speech_frames / 10)))) if speech_frames.size else -120.0
    speech_seconds = float(active.sum() * FRAME_S)
    peak = np.abs(samples)
    return ChannelAnalysis(
        regions=regions,
        speech_seconds=round(speech_seconds, 2),
        speech_ratio=round(speech_seconds / max(samples.size / TARGET_RATE, 1e-9), 4),
        level_dbfs=round(level, 1),
        noise_floor_dbfs=round(floor, 1),
        snr_db=round(level - floor, 1) if speech_frames.size else 0.0,
        clipping_ratio=round(float(np.mean(peak >= 0.999)) if samples.size else 0.0, 6),
        bleed_seconds=round(float(bleed.sum() * FRAME_S), 2),
    )


def _regions(active: np.ndarray, params: SpeechParams, duration: float) -> list[Region]:
    """Runs of active frames, joined across short gaps, short blips dropped, padded."""
    runs: list[list[float]] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], active.astype(np.int8), [0]))))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        begin, finish = float(start * FRAME_S), float(end * FRAME_S)
        if runs and begin - runs[-1][1] < params.min_gap_s:
            runs[-1][1] = finish
        else:
            runs.append([begin, finish])
    regions: list[Region] = []
    for begin, finish in runs:
        if finish - begin < params.min_speech_s:
            continue
        start = max(0.0, begin - params.pad_s)
        end = min(duration, finish + params.pad_s)
        if regions and start <= regions[-1].end:
            regions[-1] = Region(regions[-1].start, end)
        else:
            regions.append(Region(round(start, 3), round(end, 3)))
    return regions
