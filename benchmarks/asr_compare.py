"""Benchmark: callqa's ASR against bare faster-whisper, in one run, on the same files.

    python benchmarks/asr_compare.py ../shared/eval/dev [--language en] [--real ../shared/data/real]

Systems compared, same model (tiny.en for English, base for Mandarin), int8 on CPU, beam 1:
  callqa        energy speech regions per channel, packed decoding in window-sized jobs, two
                decodes side by side, guards, its own role decision
  callqa+voc    the same with a queue vocabulary (--vocabulary "Contoso Energy") as initial prompt
  callqa+abN    the same with a beam of N on the agent's channel (--agent-beam N)
  fw+vad        bare faster-whisper with its defaults for VAD (`vad_filter=True`, Silero)
  fw            bare faster-whisper without VAD
Bare systems get the oracle channel mapping (the ground truth's layout); callqa decides itself.
WER follows SCHEMA 6.1 (Whisper normaliser; CER for Mandarin): per speaker on stereo calls,
speaker-agnostic on mono calls (diarization is scored by `callqa eval`). Also WER on the real
recordings with references (8 kHz read English, Mandarin paragraph) when --real is given.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from asr.decode import AudioInfo, DecodedAudio, decode
from asr.transcriber import AsrOptions, Transcriber
from eval.corpus import load_corpus
from eval.normalise import tokens

System = Callable[[np.ndarray, int | None, str], list[tuple[str, float, str]]]


def bare_system(transcriber: Transcriber, vad: bool) -> System:
    """(speaker, start, text) for each channel; bare fw has no idea of speakers: oracle mapping.
    faster-whisper's defaults but for beam 1, word timestamps and no conditioning, as callqa."""
    bare_kwargs = {"beam_size": 1, "word_timestamps": True, "condition_on_previous_text": False}

    def run(samples: np.ndarray, agent_channel: int | None, language: str) -> list[tuple[str, float, str]]:
        resolved, model = transcriber.model_for(language)
        out = []
        for index, channel in enumerate(samples):
            speaker = (
                "unknown" if agent_channel is None else ("agent" if index == agent_channel else "customer")
            )
            segments, _ = model.transcribe(
                channel,
                language=None if resolved.english_only else language,
                vad_filter=vad,
                **bare_kwargs,
            )
            out.extend((speaker, s.start, s.text) for s in segments)
        return out

    return run


def callqa_system(transcriber: Transcriber, vocabulary: tuple[str, ...]) -> System:
    def run(samples: np.ndarray, agent_channel: int | None, language: str) -> list[tuple[str, float, str]]:
        info = AudioInfo("array", "float", 16000, samples.shape[0], samples.shape[1] / 16000)
        transcript = transcriber.transcribe(DecodedAudio(info, samples), "left", language, vocabulary)
        return [(s.speaker, s.start, s.text) for s in transcript.segments]

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--language", default="en", help="corpus calls of this language (default en)")
    parser.add_argument("--real", type=Path, help="../shared/data/real, for the real recordings")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--vocabulary", nargs="*", help="also run callqa with this queue vocabulary")
    parser.add_argument("--agent-beam", type=int, help="also run callqa with this beam on the agent channel")
    args = parser.parse_args()

    transcriber = Transcriber(AsrOptions())
    systems: dict[str, System] = {
        "callqa": callqa_system(transcriber, ()),
        **(
            {
                "callqa+voc": callqa_system(
                    Transcriber(AsrOptions(prompt_vocabulary=True)), tuple(args.vocabulary)
                )
            }
            if args.vocabulary
            else {}
        ),
        **(
            {
                f"callqa+ab{args.agent_beam}": callqa_system(
                    Transcriber(AsrOptions(agent_beam_size=args.agent_beam)), ()
                )
            }
            if args.agent_beam
            else {}
        ),
        "fw+vad": bare_system(transcriber, vad=True),
        "fw": bare_system(transcriber, vad=False),
    }
    corpus = load_corpus(args.corpus)
    calls = [c for c in corpus.calls if c.language == args.language]
    audio = {c.id: decode(c.audio).samples for c in calls}
    for language in {c.language for c in calls} | ({"en", "zh"} if args.real else set()):
        warm = np.zeros((1, 16000 * 2), dtype=np.float32)
        warm[0, 8000:16000] = 0.1 * np.sin(np.arange(8000) / 5)
        for system in systems.values():
            system(warm, None, language)

    results: dict[str, Any] = {}
    for name, system in systems.items():
        edits: dict[str, int] = defaultdict(int)
        words: dict[str, int] = defaultdict(int)
        seconds = wall = 0.0
        for call in calls:
            truth = corpus.truth(call.id)
            agent_channel = (
                None if truth["layout"] == "mono" else (0 if truth["layout"] == "agent_left" else 1)
            )
            started = time.perf_counter()
            hypothesis = sorted(system(audio[call.id], agent_channel, call.language), key=lambda h: h[1])
            wall += time.perf_counter() - started
            seconds += audio[call.id].shape[1] / 16000
            if agent_channel is None:
                _add(
                    edits,
                    words,
                    "mono",
                    " ".join(u["text"] for u in truth["utterances"]),
                    " ".join(h[2] for h in hypothesis),
                    call.language,
                )
            else:
                for speaker in ("agent", "customer"):
                    _add(
                        edits,
                        words,
                        speaker,
                        truth["reference_text"][speaker],
                        " ".join(h[2] for h in hypothesis if h[0] == speaker),
                        call.language,
                    )
        results[name] = {
            "wer": {k: round(edits[k] / words[k], 4) for k in sorted(words)},
            "realtime_factor": round(seconds / wall, 1),
        }
        if args.real:
            results[name]["real"] = real_recordings(system, args.real)
    print(f"{len(calls)} {args.language} calls, model tiny.en/base, int8, beam 1, 2 threads")
    header = f"{'system':10} {'agent':>7} {'customer':>9} {'mono':>7} {'x realtime':>11}"
    if args.real:
        header += f" {'OSR 8k en':>10} {'zh CER':>7}"
    print(header)
    for name, figures in results.items():
        wer = figures["wer"]
        line = (
            f"{name:10} {wer.get('agent', 0):7.3f} {wer.get('customer', 0):9.3f} {wer.get('mono', 0):7.3f} "
            f"{figures['realtime_factor']:11.1f}"
        )
        if args.real:
            line += f" {figures['real']['osr_en']:10.3f} {figures['real']['azure_zh']:7.3f}"
        print(line)
    best = {k: min(results[n]["wer"][k] for n in ("fw+vad", "fw")) for k in results["callqa"]["wer"]}
    for name in (n for n in results if n.startswith("callqa")):
        ratios = ", ".join(f"{key} {results[name]['wer'][key] / value:.2f}" for key, value in best.items())
        speed = results[name]["realtime_factor"] / results["fw+vad"]["realtime_factor"]
        print(
            f"{name}: WER / best bare: {ratios} (target <= 0.90); speed / fw+vad: {speed:.2f} (target >= 1.0)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def real_recordings(system: System, root: Path) -> dict[str, float]:
    """WER on OSR Harvard sentences (8 kHz English) and CER on the Azure Mandarin paragraph."""
    osr = root / "osr_harvard_8k"
    references = json.loads((osr / "reference_transcripts.json").read_text())
    reference = " ".join(r["transcription"] for r in references)
    samples = decode(osr / "OSR_us_000_0034_8k.wav").samples
    en = _rate(reference, " ".join(h[2] for h in system(samples, None, "en")), "en")
    azure = root / "azure_speech_sdk_samples"
    zh_samples = decode(azure / "zhcn_continuous_mode_sample.wav").samples
    zh_ref = (azure / "zhcn_continuous_mode_sample.txt").read_text(encoding="utf-8")
    zh = _rate(zh_ref, " ".join(h[2] for h in system(zh_samples, None, "zh")), "zh")
    return {"osr_en": round(en, 4), "azure_zh": round(zh, 4)}


def _add(edits: dict[str, int], words: dict[str, int], key: str, ref: str, hyp: str, language: str) -> None:
    ref_tokens = tokens(ref, language)
    edits[key] += Levenshtein.distance(ref_tokens, tokens(hyp, language))
    words[key] += len(ref_tokens)


def _rate(ref: str, hyp: str, language: str) -> float:
    ref_tokens = tokens(ref, language)
    return Levenshtein.distance(ref_tokens, tokens(hyp, language)) / max(len(ref_tokens), 1)


if __name__ == "__main__":
    main()
