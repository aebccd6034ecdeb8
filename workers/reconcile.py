"""The reconciler: calls that nobody works on are sent to the queue again, from the database.

It runs in every `celery worker`'s main process (a thread beside the heartbeat), so a scaled-out
deployment needs nothing more than its workers, and in the embedded deployment it backs up the
supervisor. Several reconcilers may run at once: each call they send again is first claimed in
its lease row (`mark_queued`), which only one of them wins.

Two kinds of call are sent again:
- a worker's lease ran out: the worker died mid-stage (its message would come back only after
  the broker's visibility timeout, hours later), so the call is sent at once;
- a call with no lease, unchanged for longer than the grace period: its message may have been
  lost (Redis restarted without persistence) or may still wait its turn behind a backlog. The
  broker's queue says which: when it holds fewer messages than such calls, the missing ones are
  the oldest (a queue hands out the oldest first), and only those are sent. A backlog therefore
  never grows with copies, and the duplicates that slip through are dropped by the stage lease
  or find the call done.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import timedelta

import structlog

from runtime.settings import Settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE
from store.db import make_engine, session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from store.leases import LeaseRepository, Overdue
from store.tables import LeaseStage
from workers.dispatch import Dispatcher

log = structlog.get_logger("callqa.reconcile")

QUEUE_OF = {LeaseStage.TRANSCRIBE: ASR_QUEUE, LeaseStage.ANALYSE: ANALYSIS_QUEUE}


@dataclass(frozen=True)
class ReconcilePolicy:
    """How often to look, and how long a call without a lease may wait before it counts as lost.

    The grace period covers the moment between an upload and its worker taking the lease; it is
    also how long a call sent again may wait before it can be sent once more. `batch` bounds one
    pass, so a database with a huge backlog is read in slices, oldest first.
    """

    interval_s: float
    grace: timedelta
    batch: int = 1000

    @classmethod
    def of(cls, settings: Settings) -> ReconcilePolicy:
        return cls(
            interval_s=settings.reconcile_interval_s, grace=timedelta(seconds=settings.reconcile_grace_s)
        )


@dataclass(frozen=True)
class Resent:
    call_id: str
    stage: LeaseStage
    orphaned: bool


def reconcile(
    leases: LeaseRepository, heartbeats: HeartbeatRepository, dispatcher: Dispatcher, policy: ReconcilePolicy
) -> list[Resent]:
    """One pass: send again what nobody works on; returns what was sent."""
    leases.prune_finished()
    in_hand = {call for worker in heartbeats.live(HEARTBEAT.stale_after) for call in worker.calls}
    overdue = [o for o in leases.overdue(policy.grace, policy.batch) if o.call_id not in in_hand]
    resent: list[Resent] = []
    for stage in LeaseStage:
        of_stage = [o for o in overdue if o.stage == stage]
        lost = [o for o in of_stage if o.orphaned] + _missing(
            [o for o in of_stage if not o.orphaned], leases, dispatcher, stage
        )
        for call in lost:
            if leases.mark_queued(call.call_id, stage, policy.grace):
                dispatcher.send(QUEUE_OF[stage], call.call_id)
                resent.append(Resent(call.call_id, stage, call.orphaned))
    return resent


def _missing(
    waiting: list[Overdue], leases: LeaseRepository, dispatcher: Dispatcher, stage: LeaseStage
) -> list[Overdue]:
    """The oldest of `waiting` beyond what the broker's queue still holds for them."""
    if not waiting:
        return []
    queued = dispatcher.waiting(QUEUE_OF[stage]) - leases.queued_marks(stage)
    return waiting[: max(0, len(waiting) - max(0, queued))]


class Reconciler:
    """A daemon thread in a worker's main process running `reconcile` every interval."""

    def __init__(self, settings: Settings) -> None:
        self.policy = ReconcilePolicy.of(settings)
        self.engine = make_engine(settings.resolved_database_url)
        self.leases = LeaseRepository(session_factory(self.engine))
        self.heartbeats = HeartbeatRepository(session_factory(self.engine))
        self.dispatcher = Dispatcher(settings)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callqa-reconciler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(self.policy.interval_s)
        self.dispatcher.close()
        self.engine.dispose()

    def _run(self) -> None:
        while not self._stopping.wait(self.policy.interval_s):
            self.run_once()

    def run_once(self) -> None:
        """A failed pass (database or broker down) is logged; the next one tries again."""
        try:
            resent = reconcile(self.leases, self.heartbeats, self.dispatcher, self.policy)
        except Exception as error:
            log.warning("reconcile pass failed", error=repr(error))
            return
        if resent:
            log.warning(
                "calls nobody worked on sent again",
                orphaned=[r.call_id for r in resent if r.orphaned],
                lost=[r.call_id for r in resent if not r.orphaned],
            )


_running: Reconciler | None = None


def start_reconciler(settings: Settings) -> None:
    """Called in the worker's main process once it consumes (Celery's `worker_ready`)."""
    global _running
    _running = Reconciler(settings)
    _running.start()
    log.info("reconciler started", interval_s=_running.policy.interval_s)


def stop_reconciler() -> None:
    global _running
    if _running is not None:
        running, _running = _running, None
        running.stop()


def _after_fork_in_child() -> None:
    """A pool child forked after the reconciler started must not touch its connections."""
    global _running
    if _running is not None:
        _running.engine.dispose(close=False)
        _running = None


os.register_at_fork(after_in_child=_after_fork_in_child)
