"""Stage leases: the database's record of which worker works on which stage of a call, until when.

Every lease is taken and judged by the database's clock (as heartbeats are), so workers on hosts
whose clocks disagree still agree on whose lease has run out. A take is one conditional UPDATE,
or an INSERT that the primary key lets only one taker win, so two workers never both hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from store.heartbeats import database_now
from store.tables import UNFINISHED_STATUSES, Call, CallStatus, LeaseStage, StageLease


@dataclass(frozen=True)
class Overdue:
    """An unfinished call nobody works on: its lease ran out, or it never had one and waited long."""

    call_id: str
    stage: LeaseStage
    orphaned: bool
    """True: a worker's lease ran out (it died, or lost the database for longer than the lease).
    False: no worker ever took it, or a message the reconciler sent again is still not taken."""


def stage_of(status: str) -> LeaseStage:
    """The stage an unfinished call waits for, by its status."""
    return LeaseStage.ANALYSE if status == CallStatus.ANALYZING else LeaseStage.TRANSCRIBE


class LeaseRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def take(self, call_id: str, stage: LeaseStage, holder: str, task_id: str, ttl: timedelta) -> bool:
        """True when `holder` now holds the lease: it was free, ran out, was only the reconciler's
        mark, or is this holder's own for this same task (a Celery retry keeps its task id)."""
        mine = and_(StageLease.holder == holder, StageLease.task_id == task_id)
        return self._claim(call_id, stage, holder, task_id, ttl, or_(StageLease.holder.is_(None), mine))

    def mark_queued(self, call_id: str, stage: LeaseStage, patience: timedelta) -> bool:
        """The reconciler's claim before it sends a call again: only one reconciler wins it, and the
        call is not sent again before `patience` has passed, while its message waits its turn."""
        return self._claim(call_id, stage, None, None, patience, None)

    def _claim(
        self,
        call_id: str,
        stage: LeaseStage,
        holder: str | None,
        task_id: str | None,
        ttl: timedelta,
        also_when: ColumnElement[bool] | None,
    ) -> bool:
        with self.sessions.begin() as session:
            now = database_now(session)
            free = (
                StageLease.expires_at < now
                if also_when is None
                else or_(StageLease.expires_at < now, also_when)
            )
            values = {"holder": holder, "task_id": task_id, "taken_at": now, "expires_at": now + ttl}
            updated = session.execute(
                update(StageLease)
                .where(StageLease.call_id == call_id, StageLease.stage == stage, free)
                .values(values)
            )
            if getattr(updated, "rowcount", 0):
                return True
        try:
            with self.sessions.begin() as session:
                now = database_now(session)
                session.add(
                    StageLease(
                        call_id=call_id,
                        stage=stage,
                        holder=holder,
                        task_id=task_id,
                        taken_at=now,
                        expires_at=now + ttl,
                    )
                )
        except IntegrityError:  # someone holds it (or the call is gone)
            return False
        return True

    def renew(self, holder: str, call_ids: Sequence[str], ttl: timedelta) -> int:
        """Push back the expiry of the leases `holder` has on the calls it has in hand now."""
        if not call_ids:
            return 0
        with self.sessions.begin() as session:
            now = database_now(session)
            renewed = session.execute(
                update(StageLease)
                .where(StageLease.holder == holder, StageLease.call_id.in_(list(call_ids)))
                .values(expires_at=now + ttl)
            )
            return int(getattr(renewed, "rowcount", 0))

    def release(self, call_id: str, stage: LeaseStage, holder: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                delete(StageLease).where(
                    StageLease.call_id == call_id, StageLease.stage == stage, StageLease.holder == holder
                )
            )

    def release_holder(self, holder: str) -> None:
        """Every lease of a worker known to be dead, so its calls can be taken at once."""
        with self.sessions.begin() as session:
            session.execute(delete(StageLease).where(StageLease.holder == holder))

    def release_all(self) -> None:
        """Only where every worker is known to be stopped (the embedded deployment at start)."""
        with self.sessions.begin() as session:
            session.execute(delete(StageLease))

    def held(self, call_id: str) -> list[StageLease]:
        with self.sessions() as session:
            return list(session.scalars(select(StageLease).where(StageLease.call_id == call_id)).all())

    def overdue(self, grace: timedelta, limit: int) -> list[Overdue]:
        """Unfinished calls whose stage's lease ran out, or that have none and were last touched
        more than `grace` ago; oldest first (a broker's queue hands out the oldest first too)."""
        stage = case(
            (Call.status == CallStatus.ANALYZING, LeaseStage.ANALYSE.value), else_=LeaseStage.TRANSCRIBE.value
        )
        with self.sessions() as session:
            now = database_now(session)
            rows = session.execute(
                select(Call.id, Call.status, StageLease.holder)
                .outerjoin(StageLease, and_(StageLease.call_id == Call.id, StageLease.stage == stage))
                .where(
                    Call.status.in_(UNFINISHED_STATUSES),
                    or_(
                        and_(StageLease.holder.is_not(None), StageLease.expires_at < now),
                        and_(StageLease.call_id.is_(None), Call.updated_at < now - grace),
                        and_(StageLease.holder.is_(None), StageLease.expires_at < now),
                    ),
                )
                .order_by(Call.created_at, Call.id)
                .limit(limit)
            ).all()
        return [Overdue(call_id, stage_of(status), holder is not None) for call_id, status, holder in rows]

    def prune_finished(self) -> int:
        """Lapsed leases of calls already scored or failed: a mark whose message was lost after the
        call was done another way. Harmless, but the table should only hold work in hand."""
        with self.sessions.begin() as session:
            now = database_now(session)
            finished = select(Call.id).where(Call.status.in_((CallStatus.SCORED, CallStatus.FAILED)))
            pruned = session.execute(
                delete(StageLease).where(StageLease.expires_at < now, StageLease.call_id.in_(finished))
            )
            return int(getattr(pruned, "rowcount", 0))

    def queued_marks(self, stage: LeaseStage) -> int:
        """Calls the reconciler sent again whose messages are still waiting to be taken."""
        with self.sessions() as session:
            now: datetime = database_now(session)
            count = session.scalar(
                select(func.count())
                .select_from(StageLease)
                .where(StageLease.stage == stage, StageLease.holder.is_(None), StageLease.expires_at >= now)
            )
        return int(count or 0)
