"""Keeping the embedded deployment's worker process alive: notice a death, say so, replace it.

Without this, a worker killed by the OOM killer or `kill -9` left its call `transcribing` and
every later call `received`, silently, until someone restarted `callqa serve`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from workers.launcher import WorkerProcesses

log = structlog.get_logger("callqa.supervisor")


@dataclass(frozen=True)
class RestartPolicy:
    """When a dead worker is replaced, and when its replacements count as failing.

    The first death of a worker that ran for a while is repaired at once: its calls are redone
    now. A worker that dies again soon after it started is most likely failing at start (bad
    settings, a model file that does not match its hash, the database gone), and restarting it
    in a tight loop would only fill the log: each further replacement waits twice as long
    (1 s, 2 s, 4 s, ... at most a minute). After `failing_after` such deaths in a row the
    workers count as failing: /health says so and `callqa process` stops with the reason;
    `callqa serve` keeps trying once a minute, so a passing outage heals by itself.
    """

    poll_s: float = 1.0
    stable_after_s: float = 60.0
    first_backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    failing_after: int = 5

    def delay_s(self, deaths_in_a_row: int) -> float:
        if deaths_in_a_row <= 1:
            return 0.0
        return min(self.first_backoff_s * 2 ** (deaths_in_a_row - 2), self.max_backoff_s)


RESTART_POLICY = RestartPolicy()


@dataclass(frozen=True)
class SupervisionStatus:
    restarts: int
    """Replacement workers started since this process started."""
    failing: str | None
    """Why the workers count as failing (repeated deaths soon after start), or None."""


class Supervisor:
    """A daemon thread that polls the worker process and replaces it when it has died.

    `recover` runs after the dead worker's leftovers are killed and before its replacement
    starts, so no process of the old worker still works on a call while the calls are handed
    out again, and the replacement never sees the queue half rebuilt.
    """

    def __init__(
        self,
        workers: WorkerProcesses,
        recover: Callable[[int], None],
        log_file: Path | None = None,
    ) -> None:
        self.workers = workers
        self.recover = recover
        self.log_file = log_file
        self._restarts = 0
        self._deaths_in_a_row = 0
        self._failing: str | None = None
        self._started_at = time.monotonic()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callqa-supervisor", daemon=True)

    def start(self) -> None:
        """Watch workers that were just started."""
        self._started_at = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; waits for a replacement being started, so none is left behind."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def status(self) -> SupervisionStatus:
        return SupervisionStatus(restarts=self._restarts, failing=self._failing)

    def _run(self) -> None:
        while not self._stopping.wait(RESTART_POLICY.poll_s):
            try:
                self._check()
            except Exception:  # this thread must outlive any one bad check, or supervision ends unseen
                log.exception("worker supervision check failed", worker=self.workers.name)

    def _check(self) -> None:
        if not self.workers.alive():
            self._replace()
        elif self._deaths_in_a_row and self._uptime_s() >= RESTART_POLICY.stable_after_s:
            self._deaths_in_a_row, self._failing = 0, None
            log.info("worker process running steadily again", worker=self.workers.name)

    def _uptime_s(self) -> float:
        return time.monotonic() - self._started_at

    def _replace(self) -> None:
        dead_pid = self.workers.pid or 0
        how = self.workers.exit_description()
        self.workers.kill_leftovers()
        ran_s = self._uptime_s()
        self._count_death(f"{how} after {ran_s:.0f} s", quick=ran_s < RESTART_POLICY.stable_after_s)
        log.error(
            "worker process died; starting a replacement",
            worker=self.workers.name,
            pid=dead_pid,
            how=how,
            ran_s=round(ran_s, 1),
            deaths_in_a_row=self._deaths_in_a_row,
            log_file=str(self.log_file) if self.log_file else None,
        )
        while not self._stopping.wait(RESTART_POLICY.delay_s(self._deaths_in_a_row)):
            try:
                self.recover(dead_pid)
                self.workers.start()
            except Exception as error:
                self._count_death(f"could not restart it: {type(error).__name__}", quick=True)
                log.exception("worker replacement failed; trying again", worker=self.workers.name)
                continue
            self._restarts += 1
            self._started_at = time.monotonic()
            log.warning("replacement worker started", worker=self.workers.name, pid=self.workers.pid)
            return

    def _count_death(self, what: str, quick: bool) -> None:
        self._deaths_in_a_row = self._deaths_in_a_row + 1 if quick else 1
        if self._deaths_in_a_row >= RESTART_POLICY.failing_after:
            see = f"; see {self.log_file}" if self.log_file else ""
            self._failing = (
                f"the worker process died {self._deaths_in_a_row} times in a row soon after starting "
                f"(last: {what}){see}"
            )
            log.error("worker processes failing", worker=self.workers.name, reason=self._failing)
