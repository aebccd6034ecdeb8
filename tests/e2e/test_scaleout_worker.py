"""Scale-out: a real `celery worker` on Redis (and on RabbitMQ) processes a call end to end."""

from __future__ import annotations

import time
from pathlib import Path

from runtime.services import Services
from runtime.settings import Settings
from services.intake import submit_file
from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.dispatch import Dispatcher
from workers.launcher import WorkerProcesses


def test_celery_worker_on_a_broker(
    tmp_path: Path, broker_url: str, database_url: str, short_call: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        broker_url=broker_url,
        default_language="en",
        audit_rate=0.0,
    )
    services = Services(settings)
    log = tmp_path / "worker.log"
    dispatcher = Dispatcher(settings)
    with WorkerProcesses(settings, log) as worker:
        call_id = submit_file(services, dispatcher, short_call, CallMetadata(agent_id="R1")).call.id
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            call = services.calls.get(call_id)
            if call is not None and call.status in (CallStatus.SCORED, CallStatus.FAILED):
                break
            assert worker.alive(), log.read_text()
            time.sleep(0.5)
    dispatcher.close()
    call = services.calls.get(call_id)
    assert call is not None and call.status == CallStatus.SCORED, (
        call and call.failure_reason,
        log.read_text(),
    )
    assert call.verdict in ("pass", "fail") and call.routing_queue in ("review", "auto_pass")
    assert broker_url.split(":")[0] in log.read_text().lower()
    services.close()
