"""Celery tasks: thin wrappers that run a pipeline stage in the worker's long-lived services."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from typing import Any

import structlog
from celery import Task
from celery.signals import (
    task_postrun,
    task_prerun,
    task_received,
    worker_init,
    worker_process_init,
    worker_ready,
    worker_shutdown,
)
from structlog.contextvars import bind_contextvars, unbind_contextvars

from asr.gpu import GpuNotReady, NoCudaDevice
from asr.gpu import check as check_gpu
from runtime.logs import configure_logging
from runtime.services import Services
from runtime.settings import Settings, get_settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE
from services.pipeline import AnalysisOutcome, analyse_under_lease, transcribe_stage
from services.stage_lease import stage_lease
from store.db import DATABASE_DOWN
from store.tables import LeaseStage
from workers.celery import app
from workers.heartbeat import (
    nudge_worker_heartbeat,
    queue_names,
    start_worker_heartbeat,
    stop_worker_heartbeat,
)
from workers.reconcile import start_reconciler, stop_reconciler

_services: Services | None = None


def services() -> Services:
    """One per worker process: the Whisper model stays loaded between calls."""
    global _services
    if _services is None:
        _services = Services(get_settings())
    return _services


@worker_init.connect
def _check_gpu(**_: Any) -> None:
    """A CUDA worker that cannot decode stops before it takes a call, saying what to install
    (asr/gpu.py); with `auto` and no device at all it decodes on the CPU."""
    device = get_settings().asr_device
    if device == "cpu":
        return
    try:
        ready = check_gpu()
    except GpuNotReady as problem:
        if device == "auto" and isinstance(problem, NoCudaDevice):
            structlog.get_logger().info("asr_device_auto", device="cpu", reason="no CUDA device")
            return
        raise SystemExit(f"callqa: this GPU worker cannot start: {problem}") from None
    structlog.get_logger().info("asr_device_ready", devices=ready.devices, libraries=list(ready.libraries))


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    """A transcribing worker loads its Whisper model before its first call; an analysis-only
    worker (`-Q analysis`) never transcribes, so it does not spend the memory."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    _yield_the_cpu(settings)
    warm = services()
    if settings.default_language != "zh" and ASR_QUEUE in queue_names(app):
        warm.transcriber.model_for("en")


def _yield_the_cpu(settings: Settings) -> None:
    """A pool process gives the CPU to the API's on a shared host: calls wait in a queue, a person
    at a page or a client uploading does not. Niceness alone only shrinks the workers' share: a
    burst of uploads beside two transcribing workers at nice 10 got 128 uploads a second, p95
    248 ms; in the idle class, where any other process that wakes takes the core at once, 137 a
    second, p95 231 ms, and steadier (`benchmarks/scaleout.py`, README). With nothing else to
    run, the workers get every core as before. Threads started later (CTranslate2's) inherit
    both. The worker's main process, whose heartbeat renews the leases of the calls in hand,
    keeps its priority."""
    os.nice(settings.worker_nice)
    if not settings.worker_idle_class:
        return
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError) as refused:  # not Linux, or a sandbox that forbids it
        structlog.get_logger().warning("worker_idle_class_unavailable", reason=str(refused))


@worker_ready.connect
def _start_heartbeat(sender: Any, **_: Any) -> None:
    """`sender` is the worker's consumer: its node name and queues go into the heartbeat row."""
    start_worker_heartbeat(get_settings(), sender.hostname, queue_names(sender.app))
    start_reconciler(get_settings())


@task_received.connect
def _in_hand(**_: Any) -> None:
    nudge_worker_heartbeat()


@task_prerun.connect
def _log_the_call(task: Task, args: Sequence[Any], kwargs: dict[str, Any], **_: Any) -> None:
    """Every line logged while a stage's task runs names the call and the stage, whichever module
    writes it, Celery's own "succeeded" and "retry" lines included (they come before task_postrun),
    so a call's story is one query on the log."""
    if task.name not in STAGE_TASKS:
        return
    called = inspect.signature(task.run).bind_partial(*args, **kwargs).arguments
    stage = "rescore" if called.get("rescore") else STAGE_TASKS[task.name]
    bind_contextvars(call_id=called["call_id"], stage=stage)


@task_postrun.connect
def _forget_the_call(**_: Any) -> None:
    unbind_contextvars("call_id", "stage")


@worker_shutdown.connect
def _stop_heartbeat(**_: Any) -> None:
    stop_reconciler()
    stop_worker_heartbeat()


STAGE_TASKS = {"callqa.transcribe": "transcribe", "callqa.analyse": "analyse"}
"""The tasks that run a call's stage, and the stage each runs (a re-score logs as `rescore`)."""

RETRY_WHILE_DATABASE_DOWN: dict[str, Any] = {
    "autoretry_for": DATABASE_DOWN,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": None,
}
"""A database outage is waited out, not failed: retried after about 2, 4, 8 ... at most 60 s."""


@app.task(name="callqa.transcribe", bind=True, **RETRY_WHILE_DATABASE_DOWN)
def transcribe(self: Task, call_id: str) -> None:
    request = self.request
    with stage_lease(services(), call_id, LeaseStage.TRANSCRIBE, request.hostname, request.id) as held:
        ready = held and transcribe_stage(services(), call_id)
    if ready:
        analyse.apply_async((call_id,), queue=ANALYSIS_QUEUE)


@app.task(name="callqa.analyse", bind=True, **RETRY_WHILE_DATABASE_DOWN)
def analyse(self: Task, call_id: str, scorecard: str | None = None, rescore: bool = False) -> None:
    """The pipeline's analysis runs once per call; a re-score (`rescore`) of a call whose analysis
    is in hand elsewhere waits for it instead of being dropped."""
    request = self.request
    outcome = analyse_under_lease(services(), call_id, request.hostname, request.id, scorecard, rescore)
    if outcome == AnalysisOutcome.IN_HAND_ELSEWHERE and rescore:
        raise self.retry(countdown=services().settings.lease_ttl_s)
