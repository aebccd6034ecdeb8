"""The embedded deployment in one process tree: this process submits, child workers work.

Used by `callqa process`, `callqa serve` and `callqa eval`. On start it recovers what a
previous run left unfinished (with the serverless broker, whose workers are all ours), and
while it runs a supervisor replaces a worker process that dies and recovers its calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

import structlog
from kombu.exceptions import KombuError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from runtime.services import Services
from runtime.settings import Settings
from services.intake import requeue_unfinished
from store.db import fill_pool, session_factory
from store.heartbeats import HeartbeatRepository
from store.tables import CallStatus
from workers.dispatch import Dispatcher
from workers.launcher import WorkerProcesses
from workers.schedule import EmbeddedScheduler
from workers.sqlite_broker import SCHEME as SQLITE_BROKER
from workers.sqlite_broker import drop_delivered
from workers.supervisor import Supervisor

log = structlog.get_logger("callqa.embedded")


class WorkersDied(RuntimeError):
    """The worker processes keep dying while calls are waiting; their log says why."""


class Embedded:
    def __init__(self, settings: Settings, start_workers: bool = True) -> None:
        self.settings = settings
        self.services = Services(settings)
        self.dispatcher = Dispatcher(settings)
        self.log_file = settings.data_dir / "worker.log"
        self.workers = WorkerProcesses(settings, self.log_file) if start_workers else None
        self.supervisor = (
            Supervisor(self.workers, self._recover_from_death, Path(self.log_file).resolve())
            if self.workers is not None
            else None
        )
        serverless = settings.resolved_broker_url.startswith(SQLITE_BROKER)
        self.scheduler = EmbeddedScheduler(self.services) if start_workers and serverless else None
        """Periodic jobs (workers/schedule.py); scaled out, Celery beat sends them instead."""

    def __enter__(self) -> Embedded:
        self._recover_queue()
        if self.workers is not None and self.supervisor is not None:
            self.workers.start()
            self.supervisor.start()
        if self.scheduler is not None:
            self.scheduler.start()
        return self

    def warm(self) -> None:
        """Before an API answers: its database pool filled and its broker connection open, so a
        burst of uploads right after a start is not slowed by opening them one request at a time
        (measured: the first eighth of a 600-upload burst had a p95 of 579 ms, the rest 180-200)."""
        opened = fill_pool(self.services.engine)
        try:
            self.dispatcher.connect()
        except (OSError, KombuError) as error:
            log.warning("broker not reachable at start; uploads will wait for it", error=str(error))
        log.info("api warmed", database_connections=opened)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.supervisor is not None:
            self.supervisor.stop()
        if self.workers is not None:
            self.workers.stop()
        self.dispatcher.close()
        self.services.close()

    def _recover_queue(self) -> None:
        """Serverless broker only: drop the taken messages, queue the calls they held again.

        kombu's SQL transport keeps a message a worker has taken invisible, forever if that
        worker died. Dropping them is safe only while none of its consumers runs; they are all
        children of this process, and none runs here: at start, or after a death, once the dead
        worker's leftovers are killed and before its replacement starts. Messages still waiting
        stay (a re-score queued before the death is not lost), and their calls are not queued
        twice; the stages are idempotent, so a call that was half done costs at most the stage it
        was in. Only an upload stored but not yet queued at that very moment can be queued twice:
        its second copy finds the call scored, or at worst scores it once more (one current
        analysis).
        """
        if self.settings.resolved_broker_url.startswith(SQLITE_BROKER):
            self.services.leases.release_all()  # no worker runs now: whatever they held is free
            waiting = drop_delivered(self.settings.resolved_broker_url)
            requeued = requeue_unfinished(self.services, self.dispatcher, waiting)
            if requeued:
                log.info("unfinished calls queued again", calls=requeued)

    def _recover_from_death(self, dead_pid: int) -> None:
        """The dead worker stops counting as live at once; its calls go back in the queue."""
        if self.workers is not None:
            HeartbeatRepository(session_factory(self.services.engine)).remove(self.workers.name, dead_pid)
        self._recover_queue()

    def wait_with_progress(self, call_ids: Iterable[str], label: str, console: Console) -> None:
        """`wait`, with a progress bar (calls finished of calls submitted) on `console`."""
        ids = list(dict.fromkeys(call_ids))
        columns = (TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("calls", total=len(ids))
            self.wait(ids, lambda done: progress.update(task, completed=done))

    def wait(
        self,
        call_ids: Iterable[str],
        on_progress: Callable[[int], None] | None = None,
        timeout_s: float | None = None,
    ) -> None:
        """Until every call is scored or failed; `on_progress` gets the number finished."""
        ids = list(dict.fromkeys(call_ids))
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            counts = self.services.calls.counts_by_status(ids)
            finished = counts.get(CallStatus.SCORED, 0) + counts.get(CallStatus.FAILED, 0)
            if on_progress is not None:
                on_progress(finished)
            if finished >= len(ids):
                return
            failing = self.supervisor.status().failing if self.supervisor is not None else None
            if failing is not None:
                raise WorkersDied(f"{failing}; fix that, then run the command again")
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{len(ids) - finished} call(s) still unfinished")
            time.sleep(0.25)
