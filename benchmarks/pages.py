"""Benchmark: how fast the workspace's pages and the API answer with 10,000 calls stored.

    python benchmarks/pages.py [--calls 10000] [--database-url postgresql://...] [--requests 40]

Seeds a fresh store (SQLite in a temp folder by default) with scored calls, about a third of
them routed to review, every one with a real transcript and a real analysis of it (the
scorecard, detectors and routing run on a generated conversation; the sentence encoders are
warmed first), plus one 60-minute call. Then it times, in process and signed in as an
inspector, the pages people open every day and the API reads, and prints the median and the
95th percentile of each. The goal: every page under 300 ms at the 95th percentile, the 60-minute
call page included.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from api.http.app import create_app
from asr.transcript import Segment, Transcript, Word
from runtime.services import Services
from runtime.settings import Settings
from scoring.evaluate import analyse
from scoring.routing import route
from store.metadata import CallMetadata

LINES = [
    ("agent", "Good morning, Contoso Energy, this is Grace. This call is recorded for training."),
    ("customer", "Hi, I'd like to check why my last bill was so high."),
    ("agent", "Of course. Can I take your account number and your date of birth, please?"),
    ("customer", "It's nine three zero five five two, born the third of May."),
    ("agent", "Thank you. I can see an estimated reading; let me book a meter reading for you."),
    ("customer", "That would be great, thanks."),
    ("agent", "Is there anything else I can help with today? Thank you for calling, goodbye."),
]


def conversation(minutes: float) -> Transcript:
    """A stereo call of `minutes` whose lines repeat, 4 s each, with word timings."""
    segments: list[Segment] = []
    t = 0.5
    while t < minutes * 60 - 4:
        speaker, text = LINES[len(segments) % len(LINES)]
        words = text.split()
        step = 3.5 / len(words)
        segments.append(
            Segment(
                speaker=speaker,  # type: ignore[arg-type]
                channel=0 if speaker == "agent" else 1,
                start=round(t, 2),
                end=round(t + 3.5, 2),
                text=text,
                words=[
                    Word(
                        start=round(t + i * step, 2),
                        end=round(t + (i + 1) * step, 2),
                        text=w,
                        probability=0.9,
                    )
                    for i, w in enumerate(words)
                ],
            )
        )
        t += 4.0
    return Transcript(
        language="en", duration_s=minutes * 60, layout="agent_left", model="bench", asr_version="bench",
        segments=segments,
    )  # fmt: skip


def seed(services: Services, calls: int) -> tuple[str, str]:
    """`calls` scored calls and one 60-minute call; returns (a short call's id, the long call's id)."""
    card = services.scorecards.get("generic-en")
    short = conversation(0.5)
    analysis = analyse(short, card, services.sentiment_model)
    started = time.perf_counter()
    first = ""
    for n in range(calls):
        metadata = CallMetadata(agent_id=f"A{n % 400:03d}", team=f"team-{n % 12}", queue="energy-en")
        call = services.calls.ingest_chunks([uuid.uuid4().bytes * 16], "call.wav", metadata).call
        services.results.save_transcript(call.id, "bench", short)
        decision = route(call.id, analysis.score, 0.3 if n % 3 else 1.0)  # about a third reviewed
        services.results.save_analysis(call.id, card.key, analysis, decision)
        first = first or call.id
        if (n + 1) % 1000 == 0:
            print(f"  seeded {n + 1} calls ({time.perf_counter() - started:.0f} s)", flush=True)
    long = conversation(60)
    metadata = CallMetadata(agent_id="A000", team="team-0", queue="energy-en")
    call = services.calls.ingest_chunks([uuid.uuid4().bytes * 16], "hour.wav", metadata).call
    services.results.save_transcript(call.id, "bench", long)
    long_analysis = analyse(long, card, services.sentiment_model)
    services.results.save_analysis(call.id, card.key, long_analysis, route(call.id, long_analysis.score, 1.0))
    print(
        f"  the 60-minute call: {len(long.segments)} transcript lines, {len(long_analysis.findings)} findings"
    )
    return first, call.id


def timed(request: Callable[[], object], count: int) -> list[float]:
    request()  # warm: templates compiled, connections open
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        request()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="callqa-pages-"))
    settings = Settings(data_dir=folder, database_url=args.database_url, audit_rate=0.0)
    app = create_app(settings, start_workers=False)
    with TestClient(app) as client:
        services: Services = app.state.services
        print(f"seeding {args.calls} calls into {services.engine.url.get_backend_name()} ...", flush=True)
        short_id, long_id = seed(services, args.calls)
        _, api_token = services.tokens.create("inspector", "bench")
        services.users.add("bench", "benchmark password", "inspector")
        form = client.get("/ui/login").text
        value = form.split('name="sign_in_value" value="', 1)[1].split('"', 1)[0]
        client.post(
            "/ui/login", data={"name": "bench", "password": "benchmark password", "sign_in_value": value}
        )
        bearer = {"Authorization": f"Bearer {api_token}"}

        def get(path: str, headers: dict[str, str] | None = None) -> Callable[[], object]:
            def request() -> object:
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code)
                return response

            return request

        checks = {
            "review queue, page 1": get("/ui/queue"),
            "review queue, page 40": get("/ui/queue?page=40"),
            "review queue, filtered (team, verdict)": get("/ui/queue?team=team-3&verdict=fail"),
            "call page (30 s call)": get(f"/ui/calls/{short_id}"),
            "call page (60-minute call)": get(f"/ui/calls/{long_id}"),
            "API GET /calls?limit=100": get("/calls?limit=100", bearer),
            "API GET /calls/{id} (60-minute call)": get(f"/calls/{long_id}", bearer),
            "API GET /review-queue": get("/review-queue", bearer),
        }
        print(f"\n{'request':42} {'median ms':>10} {'p95 ms':>8}")
        for name, request in checks.items():
            seconds = sorted(timed(request, args.requests))
            p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
            print(f"{name:42} {1000 * statistics.median(seconds):10.1f} {1000 * p95:8.1f}", flush=True)


if __name__ == "__main__":
    main()
