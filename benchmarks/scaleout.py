"""Benchmark and fault drill: the scale-out deployment as real, separate processes on this machine.

    python -m benchmarks.scaleout                                  # everything, full sizes
    python -m benchmarks.scaleout --calls 8 --burst 60 --clients 6 --only throughput,burst,faults

The topology (tests/support/topology.py, shared with the fault tests): a PostgreSQL database of
its own on the server at CALLQA_TEST_POSTGRES (dropped afterwards), a Redis server of its own
without persistence, two `callqa serve --no-workers` API processes, single-threaded ASR workers
(`celery ... -Q asr`, CALLQA_ASR_CPU_THREADS=1) and one analysis worker (`-Q analysis`), one
shared audio folder.
Calls are uploaded over HTTP by concurrent clients, alternating between the two API processes.

Parts (`--only`):
  throughput  the same N calls (slices of the samples, each made distinct) with one and with
              two ASR workers, each on a fresh database: calls/hour, audio hours/hour, scaling;
              then its peer, the same recordings through bare faster-whisper in one and in two
              single-threaded processes (benchmarks/bare_scaling.py): the machine's own ceiling.
              With --language zh, Mandarin calls cut from the dev corpus, on the multilingual
              model as Mandarin calls are: the Mandarin capacity
  burst       M short distinct uploads from C concurrent clients: every answer 202, latency
              p50/p95/max, the CPU each role spent per upload, the API processes' RSS before
              and after; then the queue drains and every call is scored exactly once (one
              transcript, one analysis). With --burst-asr-workers 0, the uploads alone;
              with --no-drain, the uploads beside transcribing workers, without the drain
  faults      on one topology with six calls each: an ASR worker SIGKILLed mid-call (replaced at
              once, as systemd would); Redis restarted mid-run; PostgreSQL unreachable for
              --outage-s seconds (the API's answers meanwhile); the audio volume full (507); a
              stored recording changed on disk (the call fails with that reason)
  long        one call longer than an hour (Redis's visibility timeout and late acks)
Every figure printed names this machine's CPU count and load; the README quotes them.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import soundfile as sf
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from asr.decode import decode
from benchmarks.bare_scaling import bare_scaling
from benchmarks.cpu_split import snapshot, used_between
from runtime.services import Services
from runtime.settings import Settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE
from store.db import session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from store.metadata import CallMetadata
from store.tables import AnalysisRow, Call, CallStatus, StageLease, TranscriptRow
from tests.support.topology import (
    RedisServer,
    TcpProxy,
    api_server,
    celery_worker,
    free_port,
    kill,
    stop,
    wait_for,
)
from workers.celery_app import create_celery
from workers.dispatch import Dispatcher

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PG_ADMIN_URL = os.environ.get("CALLQA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
RATE = 16000
HOST = socket.gethostname()


# -- recordings -------------------------------------------------------------------------------------
def speech(language: str, corpus: Path) -> np.ndarray:
    """The material every recording is cut from, end to end, decoded to 16 kHz stereo (agent
    left) as a worker would: the English sample calls of `samples/`, or the Mandarin stereo calls
    of the dev corpus."""
    calls = [SAMPLES / "d13.flac", SAMPLES / "d11.flac"] if language == "en" else mandarin(corpus)
    return np.concatenate([decode(path).samples.T for path in calls])


def mandarin(corpus: Path) -> list[Path]:
    """The dev corpus's Mandarin stereo calls."""
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        raise SystemExit(
            f"{manifest}: not found; --language zh cuts its calls from the dev corpus (--corpus)"
        )
    entries = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    calls = [e for e in entries if e["language"] == "zh" and e["channels"] == 2]
    if not calls:
        raise SystemExit(f"{manifest}: no Mandarin stereo call to cut recordings from")
    return [corpus / e["file"] for e in calls]


def recording(material: np.ndarray, n: int, seconds: float) -> bytes:
    """The n-th distinct recording: a slice of `material` at an offset of its own, one sample
    nudged by n, so its sha256 (and so its call) is its own."""
    length = int(seconds * RATE)
    start = (n * 7919 * RATE // 1000) % max(1, len(material) - length)
    clip = material[start : start + length].copy()
    clip[0, 0] += np.float32((n + 1) * 1e-4)
    buffer = io.BytesIO()
    sf.write(buffer, clip, RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def long_recording(material: np.ndarray, minutes: float) -> bytes:
    """A call of `minutes`: speech at the start and the end, a long hold in between (8 kHz mono)."""
    mono = material[:, 0]
    talk = mono[: 40 * RATE : 2]
    hold = np.zeros(int(minutes * 60 * 8000) - 2 * len(talk), dtype=np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.concatenate([talk, hold, talk]), 8000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


# -- the topology -----------------------------------------------------------------------------------
@dataclass
class Topology:
    settings: Settings
    workdir: Path
    redis: RedisServer
    token: str
    apis: list[subprocess.Popen[bytes]] = field(default_factory=list)
    api_ports: list[int] = field(default_factory=list)
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        return Services(self.settings)

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def start_worker(self, name: str, queue: str) -> None:
        self.workers[name] = celery_worker(self.settings, [queue], f"{name}@{HOST}", self.log(name))

    def start_api(self, settings: Settings | None = None) -> int:
        port = free_port()
        self.apis.append(api_server(settings or self.settings, port, self.log(f"api-{port}")))
        self.api_ports.append(port)
        return port

    def client(self) -> httpx.Client:
        """An httpx client of the first API process, for the drills' single requests (the
        burst's clients are lighter: `upload_all`)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=f"http://127.0.0.1:{self.api_ports[0]}", headers=headers, timeout=60)

    def wait_workers_live(self, timeout_s: float = 300) -> None:
        services = self.services
        heartbeats = HeartbeatRepository(session_factory(services.engine))
        wanted = {f"{name}@{HOST}" for name in self.workers}
        try:
            wait_for(
                f"workers {sorted(wanted)} live",
                lambda: wanted <= {w.name for w in heartbeats.live(HEARTBEAT.stale_after)},
                timeout_s,
                0.5,
            )
        finally:
            services.close()

    def roles(self) -> dict[int, str]:
        """Each process group's role, for the CPU split (benchmarks/cpu_split.py)."""
        roles = {api.pid: "api" for api in self.apis}
        for name, worker in self.workers.items():
            roles[worker.pid] = "analysis worker" if name == "analysis" else "asr workers"
        if self.redis.pid is not None:
            roles[self.redis.pid] = "redis"
        return roles

    def rss_mb(self) -> list[float]:
        return [_rss_mb(api.pid) for api in self.apis]

    def close(self) -> None:
        for process in [*self.workers.values(), *self.apis]:
            stop(process)
        self.redis.stop()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def database() -> Iterator[str]:
    """A PostgreSQL database of its own on the shared server, dropped afterwards."""
    name = f"callqa_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def topology(
    workdir: Path, asr_workers: int, database_url: str, **settings_update: Any
) -> Iterator[Topology]:
    workdir.mkdir(parents=True, exist_ok=True)
    redis = RedisServer(workdir / "redis.log")
    redis.start()
    settings = Settings(
        data_dir=workdir / "data",
        database_url=database_url,
        broker_url=redis.url,
        default_language="en",
        audit_rate=0.0,
        asr_cpu_threads=1,
        asr_decode_workers=1,
        log_level="INFO",
        **settings_update,
    )
    services = Services(settings)
    _, token = services.tokens.create("admin", "scale-out benchmark")
    services.close()
    top = Topology(settings, workdir, redis, token)
    try:
        top.start_api()
        top.start_api()
        for n in range(asr_workers):
            top.start_worker(f"asr{n + 1}", ASR_QUEUE)
        top.start_worker("analysis", ANALYSIS_QUEUE)
        top.wait_workers_live()
        yield top
    finally:
        top.close()


# -- measuring --------------------------------------------------------------------------------------
@dataclass
class Upload:
    status: int
    seconds: float
    call_id: str | None


@dataclass(frozen=True)
class Form:
    """An upload's multipart body as httpx encodes it, and its content type."""

    body: bytes
    content_type: str


def forms(recordings: list[bytes], language: str = "en") -> list[Form]:
    encoded = []
    for n, audio in enumerate(recordings):
        files = {"file": (f"call{n}.wav", audio, "audio/wav")}
        request = httpx.Request("POST", "http://api/calls", files=files, data={"language": language})
        encoded.append(Form(request.read(), request.headers["content-type"]))
    return encoded


def upload_all(top: Topology, uploads: list[Form], clients: int) -> list[Upload]:
    """`uploads` sent by `clients` threads, alternating between the API processes, each on a
    kept-alive connection of its own.

    The clients share the two cores with the server they measure, so they are kept light: the
    forms are encoded before (`forms`), and each request is one `http.client` call (the standard
    library's client). Through a shared httpx client an upload cost the clients 2.8 ms of CPU,
    a fifth of the API's, and twenty threads waiting for one interpreter lock added their wait
    to the latencies they measured."""
    local = threading.local()
    opened: list[http.client.HTTPConnection] = []
    authorization = f"Bearer {top.token}"

    def one(n: int) -> Upload:
        if not hasattr(local, "connection"):
            port = top.api_ports[n % len(top.api_ports)]
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            opened.append(local.connection)
        form = uploads[n]
        headers = {"Authorization": authorization, "Content-Type": form.content_type}
        started = time.perf_counter()
        local.connection.request("POST", "/calls", body=form.body, headers=headers)
        response = local.connection.getresponse()
        answer = response.read()
        took = time.perf_counter() - started
        is_json = (response.getheader("content-type") or "").startswith("application/json")
        return Upload(response.status, took, json.loads(answer).get("id") if is_json else None)

    try:
        with ThreadPoolExecutor(clients) as executor:
            return list(executor.map(one, range(len(uploads))))
    finally:
        for connection in opened:
            connection.close()


def wait_finished(top: Topology, call_ids: list[str], timeout_s: float) -> float:
    """Seconds until every call is scored or failed."""
    services = top.services
    started = time.monotonic()
    try:
        wait_for(
            f"{len(call_ids)} calls finished",
            lambda: _finished(services, call_ids) == len(call_ids),
            timeout_s,
            0.5,
        )
    finally:
        services.close()
    return time.monotonic() - started


def _finished(services: Services, call_ids: list[str]) -> int:
    counts = services.calls.counts_by_status(call_ids)
    return counts.get(CallStatus.SCORED, 0) + counts.get(CallStatus.FAILED, 0)


@dataclass(frozen=True)
class Tally:
    """What the calls got: each should have one transcript, one analysis and no lease left."""

    calls: int
    scored: int
    failed: int
    transcripts_per_call: list[int]
    analyses_per_call: list[int]
    leases_left: int
    attempts_max: int

    @property
    def exactly_once(self) -> bool:
        return (
            self.scored == self.calls
            and set(self.transcripts_per_call) == {1}
            and set(self.analyses_per_call) == {1}
        )


def tally(top: Topology, call_ids: list[str]) -> Tally:
    services = top.services
    try:
        with session_factory(services.engine)() as session:

            def per_call(table: Any) -> list[int]:
                rows = dict(
                    session.execute(
                        select(table.call_id, func.count())
                        .where(table.call_id.in_(call_ids))
                        .group_by(table.call_id)
                    ).all()
                )
                return [int(rows.get(c, 0)) for c in call_ids]

            statuses = services.calls.counts_by_status(call_ids)
            leases = session.scalar(
                select(func.count()).select_from(StageLease).where(StageLease.call_id.in_(call_ids))
            )
            attempts = session.scalar(select(func.max(Call.attempts)).where(Call.id.in_(call_ids)))
            return Tally(
                calls=len(call_ids),
                scored=statuses.get(CallStatus.SCORED, 0),
                failed=statuses.get(CallStatus.FAILED, 0),
                transcripts_per_call=per_call(TranscriptRow),
                analyses_per_call=per_call(AnalysisRow),
                leases_left=int(leases or 0),
                attempts_max=int(attempts or 0),
            )
    finally:
        services.close()


def audio_seconds(top: Topology, call_ids: list[str]) -> float:
    services = top.services
    try:
        with session_factory(services.engine)() as session:
            return float(session.scalar(select(func.sum(Call.duration_s)).where(Call.id.in_(call_ids))) or 0)
    finally:
        services.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the parts --------------------------------------------------------------------------------------
def throughput(args: argparse.Namespace, material: np.ndarray, workdir: Path) -> dict[str, Any]:
    recordings = [recording(material, n, args.seconds) for n in range(args.calls)]
    warmups = [recording(material, 10_000 + n, 5) for n in range(2)]
    encoded, warm_forms = forms(recordings, args.language), forms(warmups, args.language)
    runs: dict[str, Any] = {}
    for workers in (1, 2):
        with database() as url, topology(workdir / f"throughput-{workers}", workers, url) as top:
            warm = [u.call_id for u in upload_all(top, warm_forms[:workers], workers) if u.call_id]
            wait_finished(top, warm, 600)
            cpu_before = snapshot(top.roles())
            started = time.monotonic()
            uploads = upload_all(top, encoded, 4)
            ids = [u.call_id for u in uploads if u.call_id]
            wait_finished(top, ids, 6 * 3600)
            wall = time.monotonic() - started
            cpu = used_between(cpu_before, snapshot(top.roles()))
            audio = audio_seconds(top, ids)
            counted = tally(top, ids)
            analysis_s = rescore_all(top, ids)
        runs[str(workers)] = {
            "asr_workers": workers,
            "calls": len(ids),
            "audio_hours": round(audio / 3600, 3),
            "wall_s": round(wall, 1),
            "calls_per_hour": round(len(ids) / wall * 3600, 1),
            "audio_hours_per_hour": round(audio / wall, 2),
            "exactly_once": counted.exactly_once,
            "analysis_only_audio_hours_per_hour": round(audio / analysis_s, 1),
            "cpu_s_per_call": {role: round(used / len(ids), 3) for role, used in cpu.items()},
            "cores_busy": round(sum(cpu.values()) / wall, 2),
        }
        print(f"  {workers} ASR worker(s): {runs[str(workers)]}", flush=True)
    runs["scaling"] = round(runs["2"]["calls_per_hour"] / runs["1"]["calls_per_hour"], 2)
    runs["bare_faster_whisper"] = bare_scaling(recordings, args.language)
    print(f"  bare faster-whisper, 1 and 2 processes: {runs['bare_faster_whisper']}", flush=True)
    runs["scaling_of_ceiling"] = round(runs["scaling"] / runs["bare_faster_whisper"]["scaling"], 2)
    runs["sizing"] = sizing(
        runs["1"]["audio_hours_per_hour"], runs["1"]["analysis_only_audio_hours_per_hour"]
    )
    return runs


def rescore_all(top: Topology, call_ids: list[str]) -> float:
    """Seconds the analysis worker takes to score every call once more: its own capacity, measured
    apart from ASR (run after the exactly-once count, since a re-score adds an analysis)."""
    services = top.services
    dispatcher = Dispatcher(top.settings)
    try:
        before = {c: (services.calls.analysis(c) or AnalysisRow()).id for c in call_ids}
        started = time.monotonic()
        for call_id in call_ids:
            dispatcher.rescore(call_id, None)
        wait_for(
            "every call re-scored",
            lambda: all((services.calls.analysis(c) or AnalysisRow()).id != before[c] for c in call_ids),
            3600,
            0.2,
        )
        return time.monotonic() - started
    finally:
        dispatcher.close()
        services.close()


TALK_HOURS_PER_AGENT_DAY = 6


def sizing(asr_rate: float, analysis_rate: float) -> list[dict[str, Any]]:
    """Workers (one CPU core each) to score a day's calls within that day (24 h), from the rates
    measured: audio hours per hour of one single-threaded ASR worker and of one analysis worker."""
    rows = []
    for agents in (100, 1000, 10_000):
        audio_hours = agents * TALK_HOURS_PER_AGENT_DAY
        rows.append(
            {
                "agents": agents,
                "audio_hours_per_day": audio_hours,
                "asr_workers": math.ceil(audio_hours / (24 * asr_rate)),
                "analysis_workers": math.ceil(audio_hours / (24 * analysis_rate)),
            }
        )
    return rows


def burst(args: argparse.Namespace, material: np.ndarray, workdir: Path) -> dict[str, Any]:
    encoded = forms([recording(material, 20_000 + n, args.burst_seconds) for n in range(args.burst)])
    with database() as url, topology(workdir / "burst", args.burst_asr_workers, url) as top:
        rss_before = top.rss_mb()
        cpu_before = snapshot(top.roles())
        started = time.monotonic()
        uploads = upload_all(top, encoded, args.clients)
        upload_wall = time.monotonic() - started
        cpu = used_between(cpu_before, snapshot(top.roles()))
        rss_after = top.rss_mb()
        ids = [u.call_id for u in uploads if u.call_id]
        drain = args.burst_asr_workers > 0 and not args.no_drain
        drained = wait_finished(top, ids, 12 * 3600) if drain else None
        counted = tally(top, ids) if drain else None
    latencies = [u.seconds * 1000 for u in uploads]
    return {
        "asr_workers": args.burst_asr_workers,
        "uploads": len(uploads),
        "clients": args.clients,
        "recording_s": args.burst_seconds,
        "status_codes": sorted({u.status for u in uploads}),
        "all_202": all(u.status == 202 for u in uploads),
        "upload_wall_s": round(upload_wall, 1),
        "uploads_per_s": round(len(uploads) / upload_wall, 1),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "max": round(max(latencies), 1),
        },
        "cpu_ms_per_upload": {role: round(used / len(uploads) * 1000, 2) for role, used in cpu.items()},
        "cores_busy": round(sum(cpu.values()) / upload_wall, 2),
        "api_rss_mb_before": [round(r) for r in rss_before],
        "api_rss_mb_after": [round(r) for r in rss_after],
        "drain_s": None if drained is None else round(drained + upload_wall, 1),
        "exactly_once": None if counted is None else counted.exactly_once,
        "max_attempts": None if counted is None else counted.attempts_max,
    }


def faults(args: argparse.Namespace, material: np.ndarray, workdir: Path) -> dict[str, Any]:
    recordings = iter(recording(material, 30_000 + n, args.seconds) for n in range(10_000))
    results: dict[str, Any] = {}
    recover = {"lease_ttl_s": 15, "reconcile_interval_s": 2, "reconcile_grace_s": 15}
    with database() as url:
        proxy = TcpProxy(make_url(url).port or 5432)
        proxy.open()
        through = make_url(url).set(port=proxy.port).render_as_string(hide_password=False)
        try:
            with topology(workdir / "faults", 2, through, **recover) as top:
                results["sigkill_asr_worker"] = _sigkill(top, recordings)
                results["redis_restart"] = _redis_restart(top, recordings)
                results["postgresql_outage"] = _outage(top, recordings, proxy, args.outage_s)
                results["volume_full"] = _volume_full(top, recordings, workdir)
                results["sha256_mismatch"] = _changed_on_disk(top, next(recordings))
        finally:
            proxy.close()
    return results


def _six(top: Topology, recordings: Iterator[bytes]) -> list[str]:
    uploads = upload_all(top, forms([next(recordings) for _ in range(6)]), 3)
    assert all(u.status == 202 for u in uploads), [u.status for u in uploads]
    return [u.call_id for u in uploads if u.call_id]


def _transcribing(top: Topology, ids: list[str]) -> str:
    services = top.services
    try:
        return str(
            wait_for(
                "a call transcribing",
                lambda: next(
                    (c for c in ids if (services.calls.get(c) or Call()).status == "transcribing"), None
                ),
                600,
                0.05,
            )
        )
    finally:
        services.close()


def _holder(top: Topology, call_id: str) -> str:
    services = top.services
    try:
        leases = services.leases.held(call_id)
        return next(lease.holder for lease in leases if lease.holder)  # type: ignore[misc]
    finally:
        services.close()


def _sigkill(top: Topology, recordings: Iterator[bytes]) -> dict[str, Any]:
    ids = _six(top, recordings)
    victim = _transcribing(top, ids)
    name = _holder(top, victim).split("@")[0]
    kill(top.workers[name])
    killed = time.monotonic()
    top.start_worker(name, ASR_QUEUE)  # the replacement, at once, as systemd would
    took = wait_finished(top, ids, 3600)
    return _report(
        top, ids, took, killed_worker=name, recovered_after_kill_s=round(time.monotonic() - killed, 1)
    )


def _redis_restart(top: Topology, recordings: Iterator[bytes]) -> dict[str, Any]:
    ids = _six(top, recordings)
    _transcribing(top, ids)
    top.redis.restart()
    took = wait_finished(top, ids, 3600)
    return _report(top, ids, took)


def _outage(top: Topology, recordings: Iterator[bytes], proxy: TcpProxy, seconds: float) -> dict[str, Any]:
    ids = _six(top, recordings)
    _transcribing(top, ids)
    proxy.close()
    answers: list[tuple[int, str]] = []
    with top.client() as client:
        ended = time.monotonic() + seconds
        while time.monotonic() < ended:
            with suppress(httpx.HTTPError):
                response = client.get(f"/calls/{ids[0]}")
                answers.append((response.status_code, response.json().get("detail", "")))
            time.sleep(1)
    proxy.open()
    took = wait_finished(top, ids, 3600)
    return _report(
        top,
        ids,
        took,
        outage_s=seconds,
        api_answers_meanwhile=sorted({f"{code}: {detail}" for code, detail in answers}),
        tasks_retried=_retried(top),
    )


def _retried(top: Topology) -> int:
    """Tasks received more than once with the same id: Celery's retries (with backoff)."""
    logs = "".join(top.log(n).read_text(errors="replace") for n in top.workers)
    received = re.findall(r"Task callqa\.\w+\[([0-9a-f-]+)\] received", logs)
    return sum(1 for task in set(received) if received.count(task) > 1)


def _volume_full(top: Topology, recordings: Iterator[bytes], workdir: Path) -> dict[str, Any]:
    """A third API process whose audio volume is a 1 MB tmpfs (root), or whose reserve exceeds the disk."""
    volume = workdir / "tiny-volume"
    volume.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(volume)]).returncode == 0
    settings = top.settings.model_copy(
        update={"audio_dir": volume, "audio_reserve_mb": 0} if mounted else {"audio_reserve_mb": 10**12}
    )
    port = top.start_api(settings)
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {top.token}"}
        ) as c:
            big = b"".join(next(recordings) for _ in range(3)) if mounted else next(recordings)
            response = c.post("/calls", files={"file": ("big.wav", big, "audio/wav")})
        left = [p.name for p in volume.rglob("*") if p.is_file()]
        return {
            "how": "1 MB tmpfs" if mounted else "reserve larger than the disk's free space",
            "status": response.status_code,
            "detail": response.json().get("detail"),
            "files_left": left,
        }
    finally:
        stop(top.apis.pop())
        top.api_ports.pop()
        if mounted:
            subprocess.run(["umount", "-l", str(volume)])


def _changed_on_disk(top: Topology, content: bytes) -> dict[str, Any]:
    """A call stored, its file damaged before a worker reads it, then queued."""
    services = top.services
    try:
        call = services.calls.ingest_chunks([content], "damaged.wav", CallMetadata(language="en")).call
        path = services.calls.audio_path(call)
        damaged = bytearray(path.read_bytes())
        damaged[len(damaged) // 2] ^= 0xFF
        path.write_bytes(bytes(damaged))
        dispatcher = Dispatcher(top.settings)
        dispatcher.process(call.id)
        dispatcher.close()
        wait_finished(top, [call.id], 600)
        final = services.calls.get(call.id)
        return {"status": final and final.status, "failure_reason": final and final.failure_reason}
    finally:
        services.close()


def _report(top: Topology, ids: list[str], took: float, **extra: Any) -> dict[str, Any]:
    counted = tally(top, ids)
    return {
        "calls": len(ids),
        "scored": counted.scored,
        "transcripts_per_call": counted.transcripts_per_call,
        "analyses_per_call": counted.analyses_per_call,
        "exactly_once": counted.exactly_once,
        "leases_left": counted.leases_left,
        "all_finished_s": round(took, 1),
        **extra,
    }


def long_call(args: argparse.Namespace, material: np.ndarray, workdir: Path) -> dict[str, Any]:
    content = long_recording(material, args.long_minutes)
    with database() as url, topology(workdir / "long", 1, url) as top:
        with top.client() as client:
            response = client.post("/calls", files={"file": ("long.wav", content, "audio/wav")}, timeout=600)
        call_id = response.json()["id"]
        took = wait_finished(top, [call_id], 6 * 3600)
        counted = tally(top, [call_id])
        celery = create_celery(top.settings)
        options = celery.conf.broker_transport_options
        acks_late = celery.conf.task_acks_late
        celery.close()
    return {
        "audio_minutes": args.long_minutes,
        "upload_status": response.status_code,
        "processing_s": round(took, 1),
        "exactly_once": counted.exactly_once,
        "attempts": counted.attempts_max,
        "visibility_timeout_s": options.get("visibility_timeout"),
        "task_acks_late": acks_late,
    }


PARTS: dict[str, Callable[[argparse.Namespace, np.ndarray, Path], dict[str, Any]]] = {
    "throughput": throughput,
    "burst": burst,
    "faults": faults,
    "long": long_call,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--calls", type=int, default=100, help="calls in each throughput run")
    parser.add_argument("--seconds", type=float, default=30, help="length of each throughput call")
    parser.add_argument("--burst", type=int, default=1000, help="uploads in the burst")
    parser.add_argument("--burst-seconds", type=float, default=5, help="length of each burst recording")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients in the burst")
    parser.add_argument(
        "--burst-asr-workers",
        type=int,
        default=2,
        help="ASR workers transcribing on the same cores during the burst; 0: the uploads alone "
        "(nothing is transcribed, so the drain is not waited for)",
    )
    parser.add_argument(
        "--no-drain",
        action="store_true",
        help="stop once the uploads are answered, the workers still transcribing: the upload side "
        "of two settings compared in a minute each instead of a drain of twenty",
    )
    parser.add_argument(
        "--language",
        choices=("en", "zh"),
        default="en",
        help="throughput only: zh transcribes Mandarin calls cut from the dev corpus (with the "
        "multilingual model, as Mandarin calls are) for the Mandarin capacity figure",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=ROOT.parent / "shared" / "eval" / "dev",
        help="the dev corpus --language zh reads its Mandarin calls from",
    )
    parser.add_argument("--outage-s", type=float, default=30, help="how long PostgreSQL is unreachable")
    parser.add_argument("--long-minutes", type=float, default=65, help="length of the long call")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs) afterwards")
    args = parser.parse_args()
    if args.language != "en" and args.only != "throughput":
        parser.error("--language zh measures the throughput part alone: add --only throughput")
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    material = speech(args.language, args.corpus)
    workdir = Path(tempfile.mkdtemp(prefix="callqa-scaleout-"))
    report: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg(), "host": HOST}
    print(f"work folder {workdir}; {os.cpu_count()} CPUs, load {os.getloadavg()}", flush=True)
    try:
        for part in args.only.split(","):
            print(f"{part}...", flush=True)
            report[part] = PARTS[part](args, material, workdir)
            print(json.dumps(report[part], indent=2), flush=True)
    finally:
        report["load_after"] = os.getloadavg()
        if args.out is not None:
            args.out.write_text(json.dumps(report, indent=2))
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
