"""The machine's own ceiling for two single-threaded transcribers: the peer of the scale-out
throughput figure.

Two ASR worker processes cannot scale past what two bare faster-whisper processes do on the same
machine: two vCPUs of a VM can share a physical core, caches and memory bandwidth. So the same
recordings are transcribed by bare faster-whisper (the model and decoding settings the ASR
workers use, one CPU thread, its own VAD), first in one process, then split between two running
at once; the ratio of the wall times is what this machine allows. callqa's scaling is then read
against it, in the same run.
"""

from __future__ import annotations

import io
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import soundfile as sf

from asr.model_files import resolve_model
from asr.transcriber import AsrOptions

_model: Any = None
_language = "en"


def _load(path: str, language: str) -> None:
    global _model, _language
    from faster_whisper import WhisperModel

    options = AsrOptions()
    _model = WhisperModel(path, device="cpu", compute_type=options.compute_type, cpu_threads=1, num_workers=1)
    _language = language


def _transcribe(recording: bytes) -> int:
    """Every channel of one recording, as a worker transcribes each party; returns the words heard."""
    samples, _ = sf.read(io.BytesIO(recording), dtype="float32", always_2d=True)
    words = 0
    for channel in samples.T:
        segments, _ = _model.transcribe(
            channel, vad_filter=True, language=_language, **AsrOptions().transcribe_kwargs()
        )
        words += sum(len(segment.words or []) for segment in segments)
    return words


def _timed(recordings: list[bytes], processes: int, model_path: str, language: str) -> tuple[float, int]:
    with ProcessPoolExecutor(
        processes, get_context("spawn"), initializer=_load, initargs=(model_path, language)
    ) as pool:
        # one warm-up per process, long enough that each process takes one: loading is not timed
        list(pool.map(_transcribe, recordings[:processes]))
        started = time.monotonic()
        words = sum(pool.map(_transcribe, recordings))
        return time.monotonic() - started, words


def bare_scaling(recordings: list[bytes], language: str = "en") -> dict[str, Any]:
    """Wall seconds for the recordings in one and in two bare processes, and their ratio; with the
    model a worker takes for `language` (the English one, or the multilingual one)."""
    options = AsrOptions()
    path = str(resolve_model(options.model_name(language), options.cache_dir).path)
    one, words = _timed(recordings, 1, path, language)
    two, words_two = _timed(recordings, 2, path, language)
    return {
        "recordings": len(recordings),
        "one_process_s": round(one, 1),
        "two_processes_s": round(two, 1),
        "scaling": round(one / two, 2),
        "same_words": words == words_two,
    }
