"""The embedded deployment in one process tree: this process submits, child workers work.

Used by `callqa process`, `callqa serve` and `callqa eval`. On start it recovers what a
previous run left unfinished (with the serverless broker, whose workers are all ours).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from store.tables import CallStatus
from workers.dispatch import Dispatcher
from workers.intake import requeue_unfinished
from workers.launcher import WorkerProcesses
from workers.services import Services
from workers.settings import Settings
from workers.sqlite_broker import SCHEME as SQLITE_BROKER
from workers.sqlite_broker import clear_queues


class WorkersDied(RuntimeError):
    """The worker processes exited while calls were still waiting; their log says why."""


class Embedded:
    def __init__(self, settings: Settings, start_workers: bool = True) -> None:
        self.settings = settings
        self.services = Services(settings)
        self.dispatcher = Dispatcher(settings)
        self.log_file = settings.data_dir / "worker.log"
        self.workers = WorkerProcesses(settings, self.log_file) if start_workers else None

    def __enter__(self) -> Embedded:
        if self.settings.resolved_broker_url.startswith(SQLITE_BROKER):
            clear_queues(self.settings.resolved_broker_url)
            requeue_unfinished(self.services, self.dispatcher)
        if self.workers is not None:
            self.workers.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.workers is not None:
            self.workers.stop()
        self.dispatcher.close()
        self.services.close()

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
            if self.workers is not None and not self.workers.alive():
                raise WorkersDied(f"the worker processes stopped; see {Path(self.log_file).resolve()}")
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{len(ids) - finished} call(s) still unfinished")
            time.sleep(0.25)
