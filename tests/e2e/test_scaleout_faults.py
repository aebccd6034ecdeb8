"""The scaled-out deployment under faults, on real processes: `celery worker -Q asr|analysis`
on PostgreSQL and a Redis server of the test's own, the real tiny Whisper model.

Issue 13 met these: a call left `transcribing` by a SIGKILLed worker waited for Redis's 4-hour
visibility timeout, and calls whose messages a restarted Redis lost stayed `received` for good.
Now the database says what is in hand (stage leases) and every worker's reconciler sends again
what nobody works on. Each test counts what each call got: one transcript, one analysis.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE
from services.intake import submit_file
from store.db import session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from store.metadata import CallMetadata
from store.tables import AnalysisRow, CallStatus, StageLease, TranscriptRow
from tests.support.api import token
from tests.support.backends import need_service
from tests.support.topology import RedisServer, TcpProxy, celery_worker, kill, stop, wait_for
from workers.dispatch import Dispatcher

FAST_RECOVERY = {"lease_ttl_s": 15, "reconcile_interval_s": 1, "reconcile_grace_s": 10}
"""The shortest lease the settings allow, a reconciler that looks every second, and a grace period
just longer than two heartbeats (a worker tells which calls it has in hand with its heartbeat)."""


@dataclass
class Cluster:
    settings: Settings
    services: Services
    dispatcher: Dispatcher
    redis: RedisServer
    logs: Path

    def worker(self, name: str, *queues: str) -> subprocess.Popen[bytes]:
        return celery_worker(
            self.settings, queues, f"{name}@{socket.gethostname()}", self.logs / f"{name}.log"
        )

    def live(self, *names: str) -> None:
        """Until every named worker has sent its heartbeat: it consumes, as in a deployment."""
        heartbeats = HeartbeatRepository(session_factory(self.services.engine))
        wanted = {f"{name}@{socket.gethostname()}" for name in names}
        wait_for(
            f"workers {sorted(wanted)} live; logs in {self.logs}",
            lambda: wanted <= {w.name for w in heartbeats.live(HEARTBEAT.stale_after)},
            180,
            0.5,
        )

    def submit(self, *paths: Path) -> list[str]:
        metadata = CallMetadata(language="en")
        return [submit_file(self.services, self.dispatcher, path, metadata).call.id for path in paths]

    def status(self, call_id: str) -> str:
        call = self.services.calls.get(call_id)
        return call.status if call is not None else "missing"

    def all_scored(self, call_ids: list[str], timeout_s: float = 240) -> None:
        wait_for(
            f"calls scored; worker logs in {self.logs}",
            lambda: all(self.status(c) == CallStatus.SCORED for c in call_ids),
            timeout_s,
            0.5,
        )

    def done_once(self, call_id: str) -> tuple[int, int, int]:
        """Transcripts, analyses and stage leases left of one call: (1, 1, 0) when done once."""
        with session_factory(self.services.engine)() as session:
            counts = [
                session.scalar(select(func.count()).select_from(table).where(table.call_id == call_id))
                for table in (TranscriptRow, AnalysisRow, StageLease)
            ]
        return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0))

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in sorted(self.logs.glob("*.log")))


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    need_service("Redis (its server binary)", "127.0.0.1", 6379)
    logs = tmp_path / "logs"
    logs.mkdir()
    redis = RedisServer(logs / "redis.log")
    redis.start()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        broker_url=redis.url,
        default_language="en",
        audit_rate=0.0,
        **FAST_RECOVERY,
    )
    services = Services(settings)
    dispatcher = Dispatcher(settings)
    try:
        yield Cluster(settings, services, dispatcher, redis, logs)
    finally:
        dispatcher.close()
        services.close()
        redis.stop()


@pytest.fixture(scope="module")
def distinct_calls(tmp_path_factory: pytest.TempPathFactory, short_call: Path) -> list[Path]:
    """Three different recordings (one sample changed each), so none is a duplicate upload."""
    data, rate = sf.read(short_call, dtype="float32", always_2d=True)
    folder = tmp_path_factory.mktemp("distinct")
    paths = []
    for n in range(3):
        changed = data.copy()
        changed[n, 0] = np.float32(0.001 * (n + 1))
        paths.append(folder / f"call{n}.wav")
        sf.write(paths[-1], changed, rate, subtype="PCM_16")
    return paths


def test_a_sigkilled_asr_worker_s_call_is_redone_once_without_waiting_for_redis(
    cluster: Cluster, short_call: Path
) -> None:
    analysis = cluster.worker("analysis", ANALYSIS_QUEUE)
    asr = cluster.worker("asr1", ASR_QUEUE)
    try:
        cluster.live("analysis", "asr1")
        (call_id,) = cluster.submit(short_call)
        wait_for(
            "the call is transcribing", lambda: cluster.status(call_id) == CallStatus.TRANSCRIBING, 120, 0.05
        )
        killed_at = time.monotonic()
        kill(asr)  # the worker and its pool child, mid-call
        asr = cluster.worker("asr1", ASR_QUEUE)  # its replacement, at once, as systemd would
        cluster.all_scored([call_id], timeout_s=180)
        took_s = time.monotonic() - killed_at
    finally:
        stop(asr)
        stop(analysis)
    assert cluster.done_once(call_id) == (1, 1, 0)
    resent = [line for line in cluster.log_text().splitlines() if "calls nobody worked on sent again" in line]
    assert any(f"orphaned=['{call_id}']" in line for line in resent), resent  # its lease lapsed
    assert took_s < 150, "recovered by the lease lapsing, not by Redis's 4-hour visibility timeout"


def test_calls_whose_messages_a_restarted_redis_lost_are_sent_again(
    cluster: Cluster, distinct_calls: list[Path]
) -> None:
    worker = cluster.worker("both", ASR_QUEUE, ANALYSIS_QUEUE)
    try:
        cluster.live("both")
        calls = cluster.submit(*distinct_calls)
        wait_for(
            "the first call is transcribing",
            lambda: cluster.status(calls[0]) == CallStatus.TRANSCRIBING,
            120,
            0.05,
        )
        cluster.redis.restart()  # without persistence: the two waiting messages are gone
        cluster.all_scored(calls)
    finally:
        stop(worker)
    assert [cluster.done_once(c) for c in calls] == [(1, 1, 0)] * 3
    assert "calls nobody worked on sent again" in cluster.log_text()


def test_workers_and_the_api_ride_out_a_postgresql_outage(
    cluster: Cluster, postgres_url: str, short_call: Path, tmp_path: Path
) -> None:
    """PostgreSQL behind a proxy the test closes for 8 s while a call is being transcribed."""
    proxy = TcpProxy(make_url(postgres_url).port or 5432)
    proxy.open()
    through = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    cluster.settings = cluster.settings.model_copy(update={"database_url": through})
    worker = cluster.worker("both", ASR_QUEUE, ANALYSIS_QUEUE)
    try:
        with TestClient(create_app(cluster.settings)) as api:
            headers = token(api, "admin")
            cluster.live("both")
            (call_id,) = cluster.submit(short_call)
            wait_for(
                "the call is transcribing",
                lambda: cluster.status(call_id) == CallStatus.TRANSCRIBING,
                120,
                0.05,
            )
            proxy.close()
            down = api.get(f"/calls/{call_id}", headers=headers)
            assert down.status_code == 503 and "database is not answering" in down.json()["detail"]
            time.sleep(8)
            proxy.open()
            cluster.all_scored([call_id])
            assert api.get(f"/calls/{call_id}", headers=headers).json()["status"] == "scored"
    finally:
        stop(worker)
        proxy.close()
    assert cluster.done_once(call_id) == (1, 1, 0)
    received = re.findall(r"Task callqa.transcribe\[([0-9a-f-]+)\] received", cluster.log_text())
    assert max(received.count(task) for task in received) >= 2, "retried (the same task, again)"
