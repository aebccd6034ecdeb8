"""Benchmark: callqa's whole pipeline against bare faster-whisper, in one run, on the same files.

    python benchmarks/pipeline_overhead.py ../shared/eval/dev [--calls d01,d02]

Three runs, each warmed on the same short clips (one per language and channel count) before
the clock starts:
  bare faster-whisper  the same model, decoding settings and language, with its own VAD
                       (`vad_filter=True`), on each channel of each file (split_stereo);
  callqa ASR           callqa's transcriber called directly (speech regions, roles, diarization
                       of mono calls), no store, no queue;
  callqa pipeline      the embedded deployment: store, serverless queue, worker process,
                       decoding, ASR, scoring, routing.
Prints audio-seconds per wall-second for each and the pipeline's overhead over both. The
target is under 15%; over callqa's own ASR it is the cost of everything around the ASR, over
bare faster-whisper it also includes what callqa's ASR does beyond it (diarization, roles).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import soundfile as sf
from faster_whisper import WhisperModel, decode_audio

from asr.decode import decode
from asr.transcriber import Transcriber
from eval.corpus import CorpusCall, load_corpus
from runtime.settings import Settings
from services.intake import submit_file
from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.embedded import Embedded


def bare(calls: list[CorpusCall], settings: Settings, warmup: list[tuple[Path, str]]) -> float:
    """Models loaded and warmed on the same clips as the pipeline's worker before the clock starts."""
    options = settings.asr_options()
    from asr.model_files import resolve_model

    models = {}
    for language in {c.language for c in calls}:
        path = resolve_model(options.model_name(language), options.cache_dir).path
        models[language] = WhisperModel(
            str(path),
            device=options.device,
            compute_type=options.compute_type,
            cpu_threads=options.cpu_threads,
        )
    for clip, language in warmup:
        list(
            models[language].transcribe(
                decode_audio(str(clip)),
                language=None if language == "en" else language,
                vad_filter=True,
                **options.transcribe_kwargs(),
            )[0]
        )
    started = time.perf_counter()
    for call in calls:
        channels = decode_audio(str(call.audio), split_stereo=call.channels == 2)
        for samples in channels if isinstance(channels, tuple) else (channels,):
            language = None if call.language == "en" else call.language
            segments, _ = models[call.language].transcribe(
                samples, language=language, vad_filter=True, **options.transcribe_kwargs()
            )
            list(segments)
    return time.perf_counter() - started


def direct(calls: list[CorpusCall], settings: Settings, warmup: list[tuple[Path, str]]) -> float:
    transcriber = Transcriber(settings.asr_options())
    for clip, language in warmup:
        transcriber.transcribe(decode(clip), "left", language)
    started = time.perf_counter()
    for call in calls:
        transcriber.transcribe(decode(call.audio), "left", call.language)
    return time.perf_counter() - started


def pipeline(calls: list[CorpusCall], settings: Settings, warmup: list[tuple[Path, str]]) -> float:
    with tempfile.TemporaryDirectory(prefix="callqa-bench-") as tmp:
        run_settings = settings.model_copy(
            update={
                "data_dir": Path(tmp),
                "database_url": None,
                "broker_url": None,
                "audio_dir": None,
            }
        )
        with Embedded(run_settings) as embedded:
            warm_ids = [
                submit_file(embedded.services, embedded.dispatcher, path, CallMetadata(language=lang)).call.id
                for path, lang in warmup
            ]
            embedded.wait(warm_ids)
            started = time.perf_counter()
            ids = [
                submit_file(
                    embedded.services,
                    embedded.dispatcher,
                    call.audio,
                    CallMetadata(language=call.language, external_id=call.id),
                ).call.id
                for call in calls
            ]
            embedded.wait(ids)
            elapsed = time.perf_counter() - started
            failed = [
                c.filename
                for c in map(embedded.services.calls.get, ids)
                if c and c.status != CallStatus.SCORED
            ]
            if failed:
                raise SystemExit(f"pipeline failed on: {', '.join(failed)}")
            return elapsed


def warmup_clips(calls: list[CorpusCall], folder: Path) -> list[tuple[Path, str]]:
    """The first 12 s of one call per (language, channel count): every model gets loaded."""
    clips = []
    for language, channels in sorted({(c.language, c.channels) for c in calls}):
        source = next(c for c in calls if c.language == language and c.channels == channels)
        data, rate = sf.read(source.audio, dtype="float32", always_2d=True)
        clip = folder / f"warmup-{language}-{channels}.wav"
        sf.write(clip, data[: 12 * rate], rate)
        clips.append((clip, language))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--calls", help="comma-separated call ids (default: all)")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    calls = [c for c in corpus.calls if not args.calls or c.id in args.calls.split(",")]
    settings = Settings()
    audio_s = sum(sf.info(c.audio).duration for c in calls)
    with tempfile.TemporaryDirectory() as tmp:
        clips = warmup_clips(calls, Path(tmp))
        bare_s = bare(calls, settings, clips)
        direct_s = direct(calls, settings, clips)
        pipe_s = pipeline(calls, settings, clips)
    print(
        f"calls: {len(calls)}, audio: {audio_s:.1f} s, "
        f"models {settings.asr_model_en}/{settings.asr_model_multilingual}, "
        f"beam {settings.asr_beam_size}, {settings.asr_compute_type} on {settings.asr_device}, "
        f"{settings.asr_cpu_threads} threads"
    )
    for name, seconds in (
        ("bare faster-whisper", bare_s),
        ("callqa ASR", direct_s),
        ("callqa pipeline", pipe_s),
    ):
        print(f"{name:20}: {seconds:7.1f} s wall, {audio_s / seconds:6.1f} audio-s per wall-s")
    print(f"pipeline overhead over callqa ASR         : {100 * (pipe_s / direct_s - 1):+.1f}% (target < 15%)")
    print(f"pipeline overhead over bare faster-whisper: {100 * (pipe_s / bare_s - 1):+.1f}% (target < 15%)")


if __name__ == "__main__":
    main()
