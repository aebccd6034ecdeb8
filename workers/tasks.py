"""Celery tasks: thin wrappers that run a pipeline stage in the worker's long-lived services."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init, worker_ready, worker_shutdown

from runtime.services import Services
from runtime.settings import get_settings
from workers.celery import ANALYSIS_QUEUE, app
from workers.heartbeat import queue_names, start_worker_heartbeat, stop_worker_heartbeat
from workers.logs import configure_logging
from workers.pipeline import analyse_stage, transcribe_stage

_services: Services | None = None


def services() -> Services:
    """One per worker process: the Whisper model stays loaded between calls."""
    global _services
    if _services is None:
        _services = Services(get_settings())
    return _services


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    warm = services()
    if settings.default_language != "zh":
        warm.transcriber.model_for("en")


@worker_ready.connect
def _start_heartbeat(sender: Any, **_: Any) -> None:
    """`sender` is the worker's consumer: its node name and queues go into the heartbeat row."""
    start_worker_heartbeat(get_settings(), sender.hostname, queue_names(sender))


@worker_shutdown.connect
def _stop_heartbeat(**_: Any) -> None:
    stop_worker_heartbeat()


@app.task(name="callqa.transcribe")
def transcribe(call_id: str) -> None:
    if transcribe_stage(services(), call_id):
        analyse.apply_async((call_id,), queue=ANALYSIS_QUEUE)


@app.task(name="callqa.analyse")
def analyse(call_id: str, scorecard: str | None = None) -> None:
    analyse_stage(services(), call_id, scorecard)
