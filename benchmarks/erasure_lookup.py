"""Benchmark: finding the calls to erase for a phone number, by the index and by reading transcripts.

    python benchmarks/erasure_lookup.py [--calls 20000] [--database-url postgresql://...]

A phone number is looked for in what was said, so before the search index kept the numbers of
each call (`search_numbers`), an erasure request read and scanned every stored transcript. This
stores `--calls` generated conversations (benchmarks/search.py's, a tenth of them with a callback
number read out, as digits or as words), indexes them as scoring does, then times
`calls_to_erase` by number through the index, and again with the index's numbers marked missing
(as for calls indexed before it kept them), which reads every transcript. Both must find the
same calls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from asr.transcript import Segment, Transcript
from benchmarks.search import conversation
from runtime.services import Services
from runtime.settings import Settings
from scoring.pii import numbers_said, redact_transcript
from services.lifecycle import calls_to_erase
from services.search_index import searchable_turns
from store.lifecycle import Selector
from store.search import CallFacts, IndexedCall
from store.tables import Call, CallStatus, SearchNumber, TranscriptRow

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def with_callback(said: Transcript, number: str, spoken: bool) -> Transcript:
    """`said` with the customer giving `number` (ten US digits) to be called back on."""
    read = " ".join(WORDS[int(d)] for d in number) if spoken else f"{number[:3]}-{number[3:6]}-{number[6:]}"
    end = said.segments[-1].end
    line = Segment(speaker="customer", channel=1, start=end + 1, end=end + 5, text=f"Call me back on {read}.")
    return said.model_copy(update={"segments": [*said.segments, line]})


def seed(services: Services, count: int, rng: random.Random) -> list[str]:
    """`count` scored calls with transcripts, indexed; returns the callback numbers given."""
    numbers: list[str] = []
    for start in range(0, count, 2_000):
        calls, transcripts, indexed = [], [], []
        for _ in range(min(2_000, count - start)):
            call_id = uuid.uuid4().hex
            said = conversation(rng, chinese=False)
            if rng.random() < 0.1:
                numbers.append(f"415555{rng.randrange(10_000):04d}")
                said = with_callback(said, numbers[-1], spoken=rng.random() < 0.5)
            redaction = redact_transcript(said)
            calls.append(
                Call(
                    id=call_id, sha256=uuid.uuid4().hex * 2, audio_key="-", filename="call.wav", size_bytes=1,
                    language="en", status=CallStatus.SCORED,
                )
            )  # fmt: skip
            transcripts.append(
                TranscriptRow(call_id=call_id, asr_version="b", data=said.model_dump(mode="json"))
            )
            facts = CallFacts(False, 0.0, 0.0, (), frozenset(numbers_said(said, redaction)))
            indexed.append(IndexedCall(call_id, tuple(searchable_turns(said, redaction, None)), facts))
        with services.calls.sessions.begin() as session:
            session.add_all(calls)
            session.flush()
            session.add_all(transcripts)
        services.search.replace_calls(indexed)
    return numbers


def timed(services: Services, number: str) -> tuple[float, list[str]]:
    started = time.perf_counter()
    found = calls_to_erase(services, Selector.PHONE, number)
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--lookups", type=int, default=20, help="numbers looked up through the index")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    arguments = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        services = Services(Settings(data_dir=Path(folder), database_url=arguments.database_url, queues={}))
        numbers = seed(services, arguments.calls, rng)
        backend = services.engine.dialect.name
        print(f"{backend}: {arguments.calls} calls stored and indexed, {len(numbers)} with a callback number")
        asked = rng.sample(numbers, min(arguments.lookups, len(numbers)))
        lookups = [timed(services, f"+1{number}") for number in asked]
        seconds = [s for s, _ in lookups]
        median = statistics.median(seconds)
        print(
            f"through the index: {len(lookups)} numbers, median {median * 1000:.1f} ms, "
            f"max {max(seconds) * 1000:.1f} ms"
        )
        with services.search.sessions.begin() as session:  # as for calls indexed before 0021
            session.query(SearchNumber).delete()
            session.query(TranscriptRow).update({TranscriptRow.numbers_indexed: False})
        scan_s, scanned = timed(services, f"+1{asked[0]}")
        print(f"reading every transcript: {scan_s:.1f} s ({scan_s / arguments.calls * 1000:.2f} ms a call)")
        print(
            f"the lookup is {scan_s / median:.0f}x faster; the same calls found: {scanned == lookups[0][1]}"
        )
        services.close()


if __name__ == "__main__":
    main()
