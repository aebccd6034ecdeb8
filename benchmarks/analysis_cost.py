"""Benchmark: the analysis stage (detectors, scorecard, routing) against the ASR stage, per call.

    python benchmarks/analysis_cost.py ../shared/eval/dev [--scorecard generic-en]

Both stages run in-process on the same calls, models warmed first (the Whisper models, and the
sentence encoders and sentiment head: loaded once per worker process, not per call). Prints seconds per stage,
the analysis cost as a share of the ASR cost per call, and overall. The goal is under 10%.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from asr.decode import decode
from asr.transcriber import AsrOptions, Transcriber
from asr.transcript import Segment
from eval.corpus import load_corpus
from eval.labels import SCORECARD_DIR
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.routing import route


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--scorecard", help="card id (default: the corpus cards dev-en / dev-zh)")
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    catalog = ScorecardCatalog.load(SCORECARD_DIR)
    transcriber = Transcriber(AsrOptions())
    for language in sorted({c.language for c in corpus.calls}):
        first = next(c for c in corpus.calls if c.language == language)
        warm = transcriber.transcribe(decode(first.audio), "left", first.language)
        # The card's phrases are embedded once per worker; the call's own sentences are not
        # warmed (analysing the first call here would leave its sentences in the cache).
        analyse(
            warm.model_copy(update={"segments": _warm_segments()}),
            catalog.get(args.scorecard or f"dev-{language}"),
        )
    asr_total = analysis_total = 0.0
    print(f"{'call':5} {'asr s':>7} {'analysis s':>11} {'share':>7}")
    for call in corpus.calls:
        started = time.perf_counter()
        transcript = transcriber.transcribe(decode(call.audio), "left", call.language)
        asr_s = time.perf_counter() - started
        card = catalog.get(args.scorecard or f"dev-{call.language}")
        started = time.perf_counter()
        result = analyse(transcript, card)
        route(call.id, result.score, 0.05, result.sentiment, result.escalation)
        analysis_s = time.perf_counter() - started
        asr_total += asr_s
        analysis_total += analysis_s
        print(f"{call.id:5} {asr_s:7.2f} {analysis_s:11.4f} {analysis_s / asr_s:7.2%}")
    print(f"all   {asr_total:7.2f} {analysis_total:11.4f} {analysis_total / asr_total:7.2%} (goal < 10%)")


def _warm_segments() -> list[Segment]:
    return [
        Segment(speaker=speaker, channel=None, start=i, end=i + 1.0, text="Text that warms the encoders up.")
        for i, speaker in enumerate(("agent", "customer"))
    ]


if __name__ == "__main__":
    main()
