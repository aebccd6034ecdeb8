"""The Celery application's factory: every process builds the app it needs from its own settings.

`workers/celery.py` builds the one a `celery -A workers worker` process runs; the API and the CLI
build theirs in `workers/dispatch.py` to send with. Nothing is built at import.

Tasks are acknowledged only after they finish, and requeued if the worker dies, so a call
is never dropped; the stages themselves are idempotent, so a redelivery is harmless, and each
runs under its stage lease (services/stage_lease.py), so a redelivery never runs beside the first.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from runtime.settings import Settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE
from workers.schedule import JOBS, beat_schedule
from workers.sqlite_broker import SCHEME as SQLITE_BROKER

VISIBILITY_TIMEOUT_S = 4 * 3600
"""Redis hands a taken, unacknowledged message out again after this. Late acks keep a call's
message unacknowledged for as long as its stage runs, and a 4-hour call (CALLQA_MAX_AUDIO_MINUTES)
takes well under this to transcribe, so a long call is not handed out while it runs; if one ever
is, its stage lease drops the second delivery. A worker killed mid-call does not wait for it:
its lease lapses within CALLQA_LEASE_TTL_S and the reconciler sends the call again."""


def create_celery(settings: Settings) -> Celery:
    broker = settings.resolved_broker_url
    transport_options: dict[str, Any] = {"visibility_timeout": VISIBILITY_TIMEOUT_S}
    if broker.startswith(SQLITE_BROKER):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        transport_options = {}
    app = Celery("callqa", broker=broker, include=["workers.tasks", "workers.scheduled_tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=ASR_QUEUE,
        task_routes={
            "callqa.transcribe": {"queue": ASR_QUEUE},
            "callqa.analyse": {"queue": ANALYSIS_QUEUE},
            **{job.name: {"queue": ANALYSIS_QUEUE} for job in JOBS},
        },
        beat_schedule=beat_schedule(settings),
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
    )
    return app
