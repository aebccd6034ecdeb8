"""Stage leases and the reconciler on the real databases and a real broker queue (the serverless one).

A lease is held by one worker at a time; it lapses when its holder stops renewing it; the
reconciler sends again exactly the calls nobody works on: a lapsed worker lease at once, and,
of the calls without one, only as many (oldest first) as the broker's queue is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from runtime.services import Services
from runtime.settings import Settings
from services.dispatch import ASR_QUEUE
from services.pipeline import analysis_due
from services.stage_lease import stage_lease
from store.db import session_factory
from store.heartbeats import HeartbeatRepository
from store.metadata import CallMetadata
from store.tables import Call, CallStatus, LeaseStage, utcnow
from workers.dispatch import Dispatcher
from workers.reconcile import ReconcilePolicy, reconcile

TTL = timedelta(minutes=1)
LAPSED = timedelta(seconds=-1)
"""A lease taken already lapsed: what a dead worker's lease is once its time to live has passed."""


@pytest.fixture
def dispatcher(settings: Settings) -> Iterator[Dispatcher]:
    sender = Dispatcher(settings)
    yield sender
    sender.close()


def new_call(services: Services, n: int, status: CallStatus = CallStatus.RECEIVED, age_s: float = 0) -> str:
    call = services.calls.ingest_chunks([b"RIFF" + bytes([n]) * 64], f"c{n}.wav", CallMetadata()).call
    with services.calls.sessions.begin() as session:
        session.execute(
            update(Call)
            .where(Call.id == call.id)
            .values(status=status, updated_at=utcnow() - timedelta(seconds=age_s))
        )
    return call.id


def test_a_lease_has_one_holder_until_it_lapses(services: Services) -> None:
    leases = services.leases
    call = new_call(services, 1)
    assert leases.take(call, LeaseStage.TRANSCRIBE, "asr1@a", "task-1", TTL)
    assert not leases.take(call, LeaseStage.TRANSCRIBE, "asr2@b", "task-2", TTL)  # a second delivery
    assert not leases.take(call, LeaseStage.TRANSCRIBE, "asr1@a", "task-3", TTL)  # another task, same node
    assert leases.take(call, LeaseStage.TRANSCRIBE, "asr1@a", "task-1", TTL)  # a Celery retry of the task
    assert leases.take(call, LeaseStage.ANALYSE, "analysis@c", "task-4", TTL)  # stages are leased apart

    assert leases.renew("asr1@a", [call], LAPSED) == 1  # its worker stopped renewing: it lapsed
    assert leases.renew("asr2@b", [call], TTL) == 0  # only the holder renews
    assert leases.take(call, LeaseStage.TRANSCRIBE, "asr2@b", "task-2", TTL)
    leases.release(call, LeaseStage.TRANSCRIBE, "asr1@a")  # the old holder cannot release it any more
    assert sorted((lease.stage, lease.holder) for lease in leases.held(call)) == [
        ("analyse", "analysis@c"),
        ("transcribe", "asr2@b"),
    ]
    leases.release_holder("asr2@b")
    assert [lease.holder for lease in leases.held(call)] == ["analysis@c"]


def test_the_reconcilers_mark_is_won_once_and_taken_over_by_a_worker(services: Services) -> None:
    leases = services.leases
    call = new_call(services, 2)
    assert leases.mark_queued(call, LeaseStage.TRANSCRIBE, TTL)
    assert not leases.mark_queued(call, LeaseStage.TRANSCRIBE, TTL)  # a second reconciler
    assert leases.queued_marks(LeaseStage.TRANSCRIBE) == 1
    assert leases.take(call, LeaseStage.TRANSCRIBE, "asr1@a", "task-1", TTL)  # its message arrived
    assert leases.queued_marks(LeaseStage.TRANSCRIBE) == 0
    assert not leases.mark_queued(call, LeaseStage.TRANSCRIBE, TTL)  # held by a live worker


def test_a_second_delivery_is_dropped_while_the_stage_runs(services: Services) -> None:
    call = new_call(services, 3)
    with stage_lease(services, call, LeaseStage.TRANSCRIBE, "asr1@a", "task-1") as first:
        with stage_lease(services, call, LeaseStage.TRANSCRIBE, "asr2@b", "task-1") as second:
            assert first and not second
        assert [lease.holder for lease in services.leases.held(call)] == ["asr1@a"]  # not released by it
    assert services.leases.held(call) == []


def test_the_reconciler_sends_again_only_what_nobody_works_on(
    services: Services, dispatcher: Dispatcher
) -> None:
    leases = services.leases
    lost = new_call(services, 10, age_s=600)  # its message went with a restarted Redis
    waiting = new_call(services, 11, age_s=500)  # its message still waits in the queue
    dispatcher.process(waiting)
    fresh = new_call(services, 12)  # just uploaded: within the grace period
    dead = new_call(services, 13, CallStatus.TRANSCRIBING, age_s=30)
    leases.take(dead, LeaseStage.TRANSCRIBE, "asr1@a", "task-1", LAPSED)  # its worker was killed
    working = new_call(services, 14, CallStatus.TRANSCRIBING, age_s=900)
    leases.take(working, LeaseStage.TRANSCRIBE, "asr2@b", "task-2", TTL)
    in_hand = new_call(services, 15, age_s=400)  # a live worker has reserved its message
    heartbeats = HeartbeatRepository(session_factory(services.engine))
    heartbeats.beat("asr2@b", 1, [ASR_QUEUE], [working, in_hand])
    analysing = new_call(services, 16, CallStatus.ANALYZING, age_s=300)  # transcribed; analysis message lost
    done = new_call(services, 17, CallStatus.SCORED)  # scored another way; the mark's message was lost
    leases.mark_queued(done, LeaseStage.TRANSCRIBE, LAPSED)
    policy = ReconcilePolicy(interval_s=1, grace=timedelta(seconds=60))

    resent = reconcile(leases, heartbeats, dispatcher, policy)

    assert {(r.call_id, r.stage, r.orphaned) for r in resent} == {
        (dead, LeaseStage.TRANSCRIBE, True),
        (lost, LeaseStage.TRANSCRIBE, False),
        (analysing, LeaseStage.ANALYSE, False),
    }
    assert fresh not in {r.call_id for r in resent}
    assert leases.held(done) == []  # a lapsed lease of a finished call is pruned
    assert dispatcher.waiting(ASR_QUEUE) == 3  # `waiting` once, `dead` and `lost` once each
    assert reconcile(leases, heartbeats, dispatcher, policy) == []  # sent once, not at every pass


def test_a_pipeline_analysis_runs_once(services: Services) -> None:
    """A duplicate analysis message (redelivered, or sent again) finds the call scored: not due."""
    call = new_call(services, 20, CallStatus.ANALYZING)
    assert analysis_due(services, call)
    services.calls.save_analysis(call, "generic-en@1", {}, {}, {"score_total": 90.0})
    assert not analysis_due(services, call)
