"""Who speaks when in a mono recording: speaker embeddings, clustered into two voices.

Resemblyzer's voice encoder embeds overlapping 1.6 s windows of the speech regions; the
windows are clustered into two speakers (agglomerative, cosine distance); each word of the
transcript then takes the speaker of the window nearest to it. Which voice is the agent is
decided afterwards from what each says (`asr.roles`). A recording with one voice (one-way
audio) stays one speaker. Overlapping speech just lands in one cluster: nothing breaks on it,
but where the voice changes with no pause at all, both were talking (`overlaps`).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from asr.decode import TARGET_RATE
from asr.speech import FRAME_S, Region, frame_db, speech_threshold
from models.files import verify

VOICE_ENCODER_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
WINDOWS_PER_SECOND = 2.0
SAME_VOICE_SIMILARITY = 0.86
MIN_REGION_S = 0.5


@dataclass(frozen=True)
class SpeakerTurns:
    """Window centres (s) and their speaker index (0 or 1); `speakers` is 1 when only one voice."""

    centres: np.ndarray
    labels: np.ndarray
    speakers: int
    regions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # window -> region index

    def speaker_at(self, t: float) -> int:
        if self.centres.size == 0:
            return 0
        return int(self.labels[int(np.argmin(np.abs(self.centres - t)))])


@lru_cache(maxsize=1)
def _encoder() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resemblyzer imports pkg_resources and old scipy paths
        import resemblyzer
        from resemblyzer import VoiceEncoder

    logging.getLogger("resemblyzer").setLevel(logging.WARNING)
    weights = Path(resemblyzer.__file__).parent / "pretrained.pt"
    verify(weights.parent, {weights.name: VOICE_ENCODER_SHA256}, "reinstall resemblyzer==0.1.4")
    return VoiceEncoder("cpu", verbose=False, weights_fpath=weights)


def diarize(samples: np.ndarray, regions: list[Region]) -> SpeakerTurns:
    centres: list[float] = []
    owners: list[int] = []
    embeddings: list[np.ndarray] = []
    encoder = _encoder()
    for index, region in enumerate(regions):
        if region.duration < MIN_REGION_S:
            continue
        wav = samples[int(region.start * TARGET_RATE) : int(region.end * TARGET_RATE)]
        _, partials, splits = encoder.embed_utterance(wav, return_partials=True, rate=WINDOWS_PER_SECOND)
        for embedding, window in zip(partials, splits, strict=True):
            middle = (window.start + min(window.stop, wav.size)) / 2 / TARGET_RATE
            centres.append(region.start + middle)
            owners.append(index)
            embeddings.append(embedding)
    one_voice = SpeakerTurns(np.array(centres), np.zeros(len(centres), dtype=int), 1, np.array(owners))
    if len(embeddings) < 4:
        return one_voice
    matrix = np.stack(embeddings)
    labels = _two_clusters(matrix)
    if _same_voice(matrix, labels):
        return one_voice
    return SpeakerTurns(np.array(centres), _smooth(labels), 2, np.array(owners))


OVERLAP_MAX_PAUSE_S = 0.1
OVERLAP_SEARCH_S = 1.0
OVERLAP_HALF_S = 0.5


def overlaps(samples: np.ndarray, turns: SpeakerTurns, floor_dbfs: float) -> list[tuple[float, float]]:
    """Where the voice changes inside one stretch of speech and the energy never pauses for
    0.1 s around the change: the second voice started before the first stopped. Turn-taking
    leaves a gap (the dev calls' shortest is 0.4 s), an interruption does not. A mix has no
    per-speaker energy to bound the overlap, so it is the second around the change (the change
    is known to the half-second spacing of the voice windows)."""
    if turns.speakers < 2:
        return []
    quiet = frame_db(samples) < speech_threshold(floor_dbfs)
    out: list[tuple[float, float]] = []
    for i in range(turns.labels.size - 1):
        if turns.labels[i] == turns.labels[i + 1] or turns.regions[i] != turns.regions[i + 1]:
            continue
        change = float(turns.centres[i] + turns.centres[i + 1]) / 2
        lo = max(int((change - OVERLAP_SEARCH_S) / FRAME_S), 0)
        around = quiet[lo : int((change + OVERLAP_SEARCH_S) / FRAME_S)]
        if _longest_run(around) * FRAME_S < OVERLAP_MAX_PAUSE_S:
            out.append((round(max(change - OVERLAP_HALF_S, 0.0), 3), round(change + OVERLAP_HALF_S, 3)))
    return out


def _longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _two_clusters(matrix: np.ndarray) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    clustering = AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average")
    labels: np.ndarray = clustering.fit_predict(matrix)
    return labels


def _same_voice(matrix: np.ndarray, labels: np.ndarray) -> bool:
    """Two clusters whose centroids are nearly the same voice (or a tiny second cluster) are one."""
    counts = np.bincount(labels, minlength=2)
    if counts.min() < max(2, 0.05 * counts.sum()):
        return True
    a, b = (matrix[labels == k].mean(axis=0) for k in (0, 1))
    similarity = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return similarity > SAME_VOICE_SIMILARITY


def _smooth(labels: np.ndarray, width: int = 3) -> np.ndarray:
    """Majority over neighbouring windows: a single flipped window is noise, not a turn."""
    if labels.size < width:
        return labels
    padded = np.pad(labels, width // 2, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return (windows.mean(axis=1) > 0.5).astype(int)
