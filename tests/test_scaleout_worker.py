"""Scale-out: a real `celery worker` on Redis (and on RabbitMQ) processes a call end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from store.metadata import CallMetadata
from store.tables import CallStatus
from workers.dispatch import Dispatcher
from workers.intake import submit_file
from workers.services import Services
from workers.settings import Settings


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
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
    env.update(settings.as_env())
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "-Q",
                "asr,analysis",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            dispatcher = Dispatcher(settings)
            call_id = submit_file(services, dispatcher, short_call, CallMetadata(agent_id="R1")).call.id
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                call = services.calls.get(call_id)
                if call is not None and call.status in (CallStatus.SCORED, CallStatus.FAILED):
                    break
                assert worker.poll() is None, log.read_text()
                time.sleep(0.5)
            dispatcher.close()
        finally:
            worker.terminate()
            worker.wait(60)
    call = services.calls.get(call_id)
    assert call is not None and call.status == CallStatus.SCORED, (
        call and call.failure_reason,
        log.read_text(),
    )
    assert call.verdict in ("pass", "fail") and call.routing_queue in ("review", "auto_pass")
    assert broker_url.split(":")[0] in log.read_text().lower()
    services.close()
