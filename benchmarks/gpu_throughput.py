"""Benchmark: real-time factor of callqa's ASR on a GPU, sequential and batched, against bare
faster-whisper's `BatchedInferencePipeline`, same model, same files, one run.

    python benchmarks/gpu_throughput.py ../shared/eval/dev [--device cuda] [--compute-type float16]
        [--batch-sizes 4 8 16] [--language en] [--model-english DIR] [--repeat 1]
    python benchmarks/gpu_throughput.py ../shared/eval/dev --processes 1 2 4 8 --batch-sizes 16

Systems, one loaded model per language shared by all of them (so only the decoding differs):
  callqa seq     callqa's transcriber, one clip after another (CALLQA_ASR_BATCH_SIZE=0)
  callqa bN      the same with batched decoding of its up-to-30 s speech clips (CALLQA_ASR_BATCH_SIZE=N)
  fw bN          bare faster-whisper `BatchedInferencePipeline.transcribe(batch_size=N)` per channel,
                 with its own Silero VAD and word timestamps (what a team would write by hand)
RTF = decoding wall time / audio duration (lower is faster); "x realtime" is its inverse. Each
system is warmed on the first call before timing.

With `--processes`, N worker processes share the device instead, as N ASR workers on one GPU host
would: each loads the model, warms it, then takes calls from one queue (the corpus `--copies`
times over), decoding each file and transcribing it with the first `--batch-sizes` value (0:
sequential). It prints the audio hours per hour the device gives with 1, 2, ... processes: a small
model leaves the GPU waiting on each process's CPU work, so one process does not fill it.

Runs on the CPU too (`--device cpu --compute-type int8`), slowly, to check the script; its figures
mean something on a GPU only.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import multiprocessing.synchronize
import time
from collections.abc import Callable
from pathlib import Path

from asr import gpu
from asr.decode import DecodedAudio, decode
from asr.transcriber import AsrOptions, Transcriber
from eval.corpus import CorpusCall, load_corpus

System = Callable[[CorpusCall, DecodedAudio], None]

_worker: tuple[Transcriber, dict[str, CorpusCall]] | None = None
"""This process's loaded transcriber and the calls it may be given (`--processes` mode)."""


def callqa_system(transcriber: Transcriber, options: AsrOptions) -> System:
    def run(call: CorpusCall, audio: DecodedAudio) -> None:
        transcriber.options = options  # same loaded model; only the decoding options change
        transcriber.transcribe(audio, "left", call.language)

    return run


def bare_system(transcriber: Transcriber, batch_size: int) -> System:
    from faster_whisper import BatchedInferencePipeline

    def run(call: CorpusCall, audio: DecodedAudio) -> None:
        resolved, model = transcriber.model_for(call.language)
        pipeline = BatchedInferencePipeline(model)
        for channel in audio.samples:
            segments, _ = pipeline.transcribe(
                channel,
                batch_size=batch_size,
                beam_size=1,
                word_timestamps=True,
                language=None if resolved.english_only else call.language,
            )
            list(segments)  # decoding happens while the generator is consumed

    return run


def _start_worker(
    options: AsrOptions, calls: list[CorpusCall], ready: multiprocessing.synchronize.Barrier
) -> None:
    global _worker
    transcriber = Transcriber(options)
    first = calls[0]
    transcriber.transcribe(decode(first.audio), "left", first.language)  # loads and warms the model
    _worker = (transcriber, {c.id: c for c in calls})
    ready.wait()  # timing starts when every process is warm


def _transcribe(call_id: str) -> None:
    assert _worker is not None
    transcriber, calls = _worker
    call = calls[call_id]
    transcriber.transcribe(decode(call.audio), "left", call.language)


def processes_sharing_the_device(
    options: AsrOptions, calls: list[CorpusCall], seconds: float, counts: list[int], copies: int
) -> None:
    work = [c.id for c in calls] * copies
    context = multiprocessing.get_context("spawn")  # CUDA cannot be used in a forked child
    print(f"{len(work)} calls queued ({copies * seconds / 3600:.2f} audio hours), batch {options.batch_size}")
    print(f"{'processes':>9} {'wall s':>8} {'audio h/h':>10} {'calls/h':>9} {'vs 1':>6}")
    first = None
    for count in counts:
        ready = context.Barrier(count + 1)
        with context.Pool(count, initializer=_start_worker, initargs=(options, calls, ready)) as pool:
            ready.wait()
            started = time.perf_counter()
            for _ in pool.imap_unordered(_transcribe, work):
                pass
            wall = time.perf_counter() - started
        first = first or wall
        rate = copies * seconds / wall
        print(f"{count:>9} {wall:8.1f} {rate:10.1f} {len(work) * 3600 / wall:9.0f} {first / wall:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--compute-type", default="float16")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--language", default=None, help="only calls of this language (default: all)")
    parser.add_argument("--calls", type=int, default=None, help="only the first N calls")
    parser.add_argument(
        "--model-english", default="tiny.en", help="built-in name or a CTranslate2 Whisper directory"
    )
    parser.add_argument("--repeat", type=int, default=1, help="time each system N times, keep the fastest")
    parser.add_argument("--processes", type=int, nargs="+", help="worker processes sharing the device")
    parser.add_argument("--copies", type=int, default=4, help="--processes: times the calls are queued")
    args = parser.parse_args()

    if args.device == "cuda":
        ready = gpu.check()  # stops with what to install rather than crashing in the first call
        print(f"GPU ready: {ready.devices} device(s), {', '.join(ready.libraries)}")
    corpus = load_corpus(args.corpus)
    calls = [c for c in corpus.calls if args.language in (None, c.language)][: args.calls]
    audio = {c.id: decode(c.audio) for c in calls}
    seconds = sum(a.duration_s for a in audio.values())
    base = AsrOptions(device=args.device, compute_type=args.compute_type, model_english=args.model_english)
    if args.processes:
        options = dataclasses.replace(base, batch_size=args.batch_sizes[0])
        processes_sharing_the_device(options, calls, seconds, args.processes, args.copies)
        return
    transcriber = Transcriber(base)
    systems: dict[str, System] = {"callqa seq": callqa_system(transcriber, base)}
    for size in args.batch_sizes:
        systems[f"callqa b{size}"] = callqa_system(transcriber, dataclasses.replace(base, batch_size=size))
    for size in args.batch_sizes:
        systems[f"fw b{size}"] = bare_system(transcriber, size)

    for language in sorted({c.language for c in calls}):
        first = next(c for c in calls if c.language == language)
        for system in systems.values():
            system(first, audio[first.id])  # loads the model, warms kernels and allocators

    print(f"{len(calls)} calls, {seconds / 60:.1f} audio minutes, device {args.device}, {args.compute_type}")
    print(f"{'system':<14} {'wall s':>8} {'RTF':>8} {'x realtime':>11}")
    baseline = None
    for name, system in systems.items():
        walls = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for call in calls:
                system(call, audio[call.id])
            walls.append(time.perf_counter() - started)
        wall = min(walls)
        baseline = baseline or wall
        speed = f"{seconds / wall:10.1f}x  ({baseline / wall:.2f}x seq)"
        print(f"{name:<14} {wall:8.1f} {wall / seconds:8.4f} {speed}")


if __name__ == "__main__":
    main()
