"""A worker process that dies is noticed, logged, replaced, and its call still ends scored once.

Real processes throughout: `callqa serve` with its worker, the real tiny Whisper model, a
SIGKILL like the OOM killer's. Issue 10: before, the call stayed `transcribing` for good,
/health said 200 and nothing was logged.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from services.intake import submit_file
from store.db import session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from store.metadata import CallMetadata
from store.tables import AnalysisRow, WorkerHeartbeat
from workers.embedded import Embedded, WorkersDied

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def eventually(what: str, check: Callable[[], Any], timeout_s: float, every_s: float = 0.2) -> Any:
    """`check()`'s first truthy value, polled until `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"not within {timeout_s:.0f} s: {what}")


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes], Path]]:
    """`callqa serve` with its worker on a fresh data dir: (client with an admin token, process, log)."""
    data = tmp_path / "data"
    services = Services(Settings(data_dir=data))
    _, token = services.tokens.create("admin", "supervision test")
    services.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
    env.update(CALLQA_DATA_DIR=str(data))
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    try:
        yield client, process, log
    finally:
        client.close()
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_killed_worker_is_replaced_and_its_call_is_scored_once(
    serve: tuple[httpx.Client, subprocess.Popen[bytes], Path], tmp_path: Path, short_call: Path
) -> None:
    client, process, log = serve
    worker_name = f"callqa-embedded-{process.pid}@{socket.gethostname()}"

    def health() -> dict[str, Any] | None:
        try:
            response = client.get("/health")
        except httpx.TransportError:
            return None  # not listening yet
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 else None

    ready = eventually("the worker is live (GET /health is 200)", health, timeout_s=120)
    assert ready["workers"]["names"] == [worker_name] and ready["workers"]["embedded"]["restarts"] == 0

    services = Services(Settings(data_dir=tmp_path / "data"))
    heartbeats = HeartbeatRepository(session_factory(services.engine))
    (first,) = heartbeats.live(HEARTBEAT.stale_after)  # the heartbeat a real worker process wrote
    assert (first.name, first.queues) == (worker_name, ["analysis", "asr"])
    assert first.started_at <= first.last_seen_at

    upload = client.post(
        "/calls", files={"file": ("short.wav", short_call.read_bytes(), "audio/wav")}, data={"language": "en"}
    )
    assert upload.status_code == 202, upload.text
    call_id = upload.json()["id"]
    eventually(
        "the call is transcribing",
        lambda: client.get(f"/calls/{call_id}").json()["status"] == "transcribing",
        60,
        0.05,
    )
    pool = children(first.pid)
    assert pool, "the prefork pool child that transcribes"
    os.kill(first.pid, signal.SIGKILL)

    def replacement_holds_the_call() -> WorkerHeartbeat | None:
        return next(
            (
                w
                for w in heartbeats.live(HEARTBEAT.stale_after)
                if w.pid != first.pid and w.calls == [call_id]
            ),
            None,
        )

    replacement = eventually("a replacement worker has the call in hand", replacement_holds_the_call, 90, 0.5)
    assert replacement.name == worker_name
    assert not any(running(pid) for pid in pool), "the dead worker's pool child was stopped"
    eventually(
        "the call is scored", lambda: client.get(f"/calls/{call_id}").json()["status"] == "scored", 150, 0.5
    )

    with session_factory(services.engine)() as session:
        analyses = session.scalars(select(AnalysisRow).where(AnalysisRow.call_id == call_id)).all()
    assert [a.current for a in analyses] == [True]  # scored exactly once
    after = client.get("/health")
    assert after.status_code == 200 and after.json()["workers"]["embedded"] == {
        "restarts": 1,
        "failing": None,
    }
    assert after.json()["queue"]["waiting"] == 0

    process.send_signal(signal.SIGTERM)
    assert process.wait(60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once shut down
    assert not running(replacement.pid)
    assert heartbeats.live(timedelta(days=1)) == []  # the replacement removed its row on its way out
    services.close()
    text = log.read_text()
    died = next(line for line in text.splitlines() if "worker process died" in line)
    assert "killed by SIGKILL" in died and f"pid={first.pid}" in died
    assert "replacement worker started" in text and "Application shutdown complete" in text


def test_a_worker_that_keeps_dying_at_start_is_reported_and_waiting_gives_up(
    sqlite_settings: Settings, short_call: Path
) -> None:
    broken = sqlite_settings.model_copy(update={"log_level": "NOT-A-LEVEL"})  # celery exits at once, code 2
    with TestClient(create_app(broken, start_workers=True)) as client:
        embedded: Embedded = client.app.state.embedded  # type: ignore[attr-defined]
        call = submit_file(
            embedded.services, embedded.dispatcher, short_call, CallMetadata(language="en")
        ).call
        started = time.monotonic()
        with pytest.raises(
            WorkersDied, match=r"died 5 times in a row soon after starting \(last: exited with code 2"
        ):
            embedded.wait([call.id], timeout_s=120)
        assert time.monotonic() - started > 1 + 2 + 4, "restarts back off instead of spinning"
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["workers"]["embedded"]["restarts"] == 4
    assert any(
        r.startswith("embedded workers failing: the worker process died 5 times") for r in body["reasons"]
    )
    assert "worker.log" in body["workers"]["embedded"]["failing"]
    assert body["queue"]["received"] == 1  # the call waits, nothing is lost
