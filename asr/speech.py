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
from typing import Literal

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
class Hold:
    """Hold audio (music or a periodic tone): neither speech nor dead air."""

    start: float
    end: float
    kind: Literal["music", "tone"]


@dataclass(frozen=True)
class ChannelAnalysis:
    regions: list[Region]
    holds: list[Hold]
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


def speech_threshold(floor_dbfs: float, params: SpeechParams = SpeechParams()) -> float:
    """A frame louder than this is speech (or hold audio), quieter is a pause."""
    return min(
        max(floor_dbfs + params.threshold_above_floor_db, params.min_threshold_dbfs),
        params.max_threshold_dbfs,
    )


def analyse_channel(
    samples: np.ndarray, other: np.ndarray | None = None, params: SpeechParams = SpeechParams()
) -> ChannelAnalysis:
    energy = frame_db(samples)
    floor = float(np.percentile(energy, params.floor_percentile))
    loud = energy > speech_threshold(floor, params)
    active = loud.copy()
    bleed = np.zeros_like(loud)
    if other is not None:
        other_energy = frame_db(other)[: energy.size]
        if other_energy.size == energy.size:
            bleed = loud & (other_energy - energy > params.bleed_margin_db)
            active &= ~bleed
    regions = _regions(active, params, samples.size / TARGET_RATE)
    holds = find_holds(samples, regions)
    regions = _without(regions, holds, params)
    speech_frames = energy[active]
    level = float(10 * np.log10(np.mean(10 ** (speech_frames / 10)))) if speech_frames.size else -120.0
    speech_seconds = float(active.sum() * FRAME_S)
    peak = np.abs(samples)
    return ChannelAnalysis(
        regions=regions,
        holds=holds,
        speech_seconds=round(speech_seconds, 2),
        speech_ratio=round(speech_seconds / max(samples.size / TARGET_RATE, 1e-9), 4),
        level_dbfs=round(level, 1),
        noise_floor_dbfs=round(floor, 1),
        snr_db=round(level - floor, 1) if speech_frames.size else 0.0,
        clipping_ratio=round(float(np.mean(peak >= 0.999)) if samples.size else 0.0, 6),
        bleed_seconds=round(float(bleed.sum() * FRAME_S), 2),
    )


HOLD_WINDOW_S = 1.0
HOLD_STABILITY = 0.9
HOLD_MIN_S = 3.0
HOLD_JOIN_GAP_S = 4.0


def find_holds(samples: np.ndarray, regions: list[Region]) -> list[Hold]:
    """Stretches of at least 3 s where the spectrum's peak stays put from frame to frame.

    Music holds notes and a hold tone is one frequency, so the strongest FFT bin repeats over
    consecutive 20 ms frames in more than 90% of the loud frames of every 1 s window; in speech
    the pitch and the formants glide, and a sustained vowel is stable for one window, not three.
    Any window of speech in between ends a hold; beeps separated only by silence are joined
    when the gaps are under 4 s.
    """
    marked: list[list[float]] = []
    open_span = False
    for region in regions:
        start = region.start
        while start < region.end - 0.2:
            end = min(start + HOLD_WINDOW_S, region.end)
            stability, _ = _peak_stability(samples[int(start * TARGET_RATE) : int(end * TARGET_RATE)])
            if stability < HOLD_STABILITY:
                open_span = False
            elif open_span and start - marked[-1][1] < HOLD_JOIN_GAP_S:
                marked[-1][1] = end
            else:
                marked.append([start, end])
                open_span = True
            start = end
    holds = []
    for begin, finish in marked:
        if finish - begin >= HOLD_MIN_S:
            holds.append(Hold(round(begin, 3), round(finish, 3), _kind(samples, begin, finish)))
    return holds


def _peak_stability(window: np.ndarray) -> tuple[float, np.ndarray]:
    size, hop = 512, int(FRAME_S * TARGET_RATE)
    if window.size < size * 3:
        return 0.0, np.zeros(0, dtype=int)
    frames = np.lib.stride_tricks.sliding_window_view(window, size)[::hop] * np.hanning(size)
    spectrum = np.abs(np.fft.rfft(frames, axis=1))
    energy = (spectrum**2).sum(axis=1)
    loud = energy > energy.max() / 100  # within 20 dB of the loudest frame: the sound, not the gaps
    peak = spectrum.argmax(axis=1)
    same = np.abs(np.diff(peak)) <= 1
    return (float(np.mean(same[loud[1:]])) if loud[1:].any() else 0.0), peak[loud]


def _kind(samples: np.ndarray, start: float, end: float) -> Literal["music", "tone"]:
    """A tone keeps one frequency throughout; music moves between notes."""
    _, peak = _peak_stability(samples[int(start * TARGET_RATE) : int(end * TARGET_RATE)])
    if peak.size == 0:
        return "music"
    dominant = np.bincount(peak).argmax()
    return "tone" if np.mean(np.abs(peak - dominant) <= 1) > 0.9 else "music"


def _without(regions: list[Region], holds: list[Hold], params: SpeechParams) -> list[Region]:
    """Speech regions with the hold stretches cut out (what is left must still be speech-sized)."""
    out: list[Region] = []
    for region in regions:
        pieces = [(region.start, region.end)]
        for hold in holds:
            pieces = [
                part
                for a, b in pieces
                for part in ((a, min(b, hold.start)), (max(a, hold.end), b))
                if part[1] - part[0] > 0
            ]
        out.extend(
            Region(round(a, 3), round(b, 3)) for a, b in pieces if b - a >= params.min_speech_s + params.pad_s
        )
    return out


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
