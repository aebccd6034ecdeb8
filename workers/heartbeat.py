"""Every `celery worker` says it is alive: a row in the shared database, refreshed from a thread.

The main worker process beats, not its pool children: it stays responsive while a child keeps
every core busy decoding, and it knows every call its children have in hand. The row is
removed on a clean shutdown; a worker killed outright leaves it to go stale. Each beat also
renews the stage leases (store/leases.py) of the calls in hand, so a lease outlives its worker
by at most the lease's time to live.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import structlog
from celery.worker import state
from sqlalchemy import Engine

from runtime.settings import Settings
from store.db import make_engine, session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from store.leases import LeaseRepository

log = structlog.get_logger("callqa.heartbeat")


class Heartbeat:
    """Writes one worker's row now and then every interval, until `stop` removes it."""

    def __init__(
        self,
        repository: HeartbeatRepository,
        name: str,
        queues: Sequence[str],
        calls_in_hand: Callable[[], list[str]],
        leases: tuple[LeaseRepository, timedelta] | None = None,
    ) -> None:
        self.repository = repository
        self.leases = leases
        """Where to renew this worker's stage leases, and for how long each time."""
        self.name = name
        self.pid = os.getpid()
        self.queues = list(queues)
        self.calls_in_hand = calls_in_hand
        self._stopping = threading.Event()
        self._nudged = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callqa-heartbeat", daemon=True)

    def start(self) -> None:
        """The first beat is written before this returns, so a worker that says it is ready counts."""
        self._beat(prune=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._nudged.set()
        if self._thread.is_alive():
            self._thread.join(HEARTBEAT.interval_s)
        try:
            self.repository.remove(self.name, self.pid)
        except Exception as error:  # the row goes stale instead
            log.warning("heartbeat not removed", worker=self.name, error=repr(error))

    def nudge(self) -> None:
        """Beat now, not at the next interval: the worker just took a message, and the reconciler
        must see the call in its hands before it wonders where the call's message went."""
        self._nudged.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._nudged.wait(HEARTBEAT.interval_s)
            self._nudged.clear()
            if not self._stopping.is_set():
                self._beat()

    def _beat(self, prune: bool = False) -> None:
        """A failed beat is logged, not raised: the database may answer again at the next one."""
        try:
            if prune:
                self.repository.prune(HEARTBEAT.prune_after)
            calls = self.calls_in_hand()
            self.repository.beat(self.name, self.pid, self.queues, calls)
            if self.leases is not None:
                repository, ttl = self.leases
                repository.renew(self.name, calls, ttl)
        except Exception as error:
            log.warning("heartbeat not written", worker=self.name, error=repr(error))


def calls_in_hand() -> list[str]:
    """Ids of the calls this worker's tasks are about: started or received and waiting for a child."""
    requests = [*state.active_requests, *state.reserved_requests]
    return sorted({str(r.args[0]) for r in requests if r.args})


_running: tuple[Heartbeat, Engine] | None = None


def start_worker_heartbeat(settings: Settings, name: str, queues: Sequence[str]) -> None:
    """Called in the worker's main process once it consumes (Celery's `worker_ready`)."""
    global _running
    engine = make_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    leases = (LeaseRepository(sessions), timedelta(seconds=settings.lease_ttl_s))
    heartbeat = Heartbeat(HeartbeatRepository(sessions), name, queues, calls_in_hand, leases)
    heartbeat.start()
    _running = (heartbeat, engine)
    log.info("heartbeat started", worker=name, interval_s=HEARTBEAT.interval_s)


def nudge_worker_heartbeat() -> None:
    """Called in the worker's main process when it takes a message (Celery's `task_received`)."""
    if _running is not None:
        _running[0].nudge()


def stop_worker_heartbeat() -> None:
    """Called on a clean shutdown (Celery's `worker_shutdown`): the worker stops counting at once."""
    global _running
    if _running is None:
        return
    heartbeat, engine = _running
    _running = None
    try:
        heartbeat.stop()
    finally:
        engine.dispose()


def _after_fork_in_child() -> None:
    """A pool child forked after the heartbeat started must neither beat nor touch its connections."""
    global _running
    if _running is not None:
        _running[1].dispose(close=False)
        _running = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def queue_names(app: Any) -> list[str]:
    """The queues a Celery worker takes tasks from (`-Q`; the default queue without it), as its
    parent selected them before forking the pool's processes."""
    return sorted(app.amqp.queues.consume_from or app.amqp.queues)
