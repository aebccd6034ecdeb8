"""Agents' disputes and supervisors' decisions on them, each with its audit event.

Every change (opened, accepted, rejected) and its `call_events` row are written in one
transaction; an accepted dispute also writes the supervisor's item decision and the call's final
score in that same transaction (store/reviews.py: `add_decision`), so the dispute, the audit log
and the score never disagree. A decision only ever changes an open dispute: two supervisors
deciding the same one at once end with one decision, and the other is told it is decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.reviews import Decision, add_decision
from store.tables import CallEvent, Dispute, utcnow

OPEN = "open"


class AlreadyDisputed(Exception):
    """The item of this analysis has a dispute already (open or decided)."""


class NotOpen(Exception):
    """The dispute was decided already (or does not exist)."""


@dataclass(frozen=True)
class NewDispute:
    call_id: str
    analysis_id: int
    item_id: str
    agent_id: str
    opened_by: str
    reason: str
    status: str
    """The item's status when disputed (the audit event's `before`)."""


@dataclass(frozen=True)
class DisputeFilter:
    state: str | None = None
    agent_id: str | None = None
    call_id: str | None = None
    limit: int = 100
    offset: int = 0


class DisputeRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def open(self, new: NewDispute) -> Dispute:
        row = Dispute(
            call_id=new.call_id,
            analysis_id=new.analysis_id,
            item_id=new.item_id,
            agent_id=new.agent_id,
            opened_by=new.opened_by,
            reason=new.reason,
            state=OPEN,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
                session.flush()
                _event(session, row, new.opened_by, "dispute_opened", new.reason, {"status": new.status}, {})
        except IntegrityError as error:  # disputed by another request between the check and now
            raise AlreadyDisputed(f"item {new.item_id!r} is already disputed") from error
        return row

    def accept(
        self, dispute_id: int, decision: Decision, final_score: float | None, final_verdict: str
    ) -> Dispute:
        """Close the dispute as accepted and record the supervisor's item decision with it."""
        with self.sessions.begin() as session:
            row = self._decide(
                session, dispute_id, "accepted", decision.reviewer, decision.comment, decision.status
            )
            add_decision(session, decision, final_score, final_verdict)
            before = {"status": decision.before}
            _event(
                session,
                row,
                decision.reviewer,
                "dispute_accepted",
                decision.comment,
                before,
                {"status": decision.status},
            )
        return row

    def reject(self, dispute_id: int, decided_by: str, comment: str) -> Dispute:
        with self.sessions.begin() as session:
            row = self._decide(session, dispute_id, "rejected", decided_by, comment, None)
            _event(session, row, decided_by, "dispute_rejected", comment, {}, {})
        return row

    def get(self, dispute_id: int) -> Dispute | None:
        with self.sessions() as session:
            return session.get(Dispute, dispute_id)

    def search(self, filters: DisputeFilter) -> list[Dispute]:
        """Oldest first: the dispute waiting longest is decided first."""
        query = select(Dispute)
        for column, wanted in (
            (Dispute.state, filters.state),
            (Dispute.agent_id, filters.agent_id),
            (Dispute.call_id, filters.call_id),
        ):
            if wanted is not None:
                query = query.where(column == wanted)
        query = query.order_by(Dispute.opened_at, Dispute.id).limit(filters.limit).offset(filters.offset)
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def for_analysis(self, analysis_id: int) -> dict[str, Dispute]:
        """The disputes of one scoring, by item (there is at most one per item)."""
        with self.sessions() as session:
            rows = session.scalars(select(Dispute).where(Dispute.analysis_id == analysis_id)).all()
        return {row.item_id: row for row in rows}

    @staticmethod
    def _decide(
        session: Session,
        dispute_id: int,
        state: str,
        decided_by: str,
        comment: str | None,
        status: str | None,
    ) -> Dispute:
        changed = session.execute(
            update(Dispute)
            .where(Dispute.id == dispute_id, Dispute.state == OPEN)
            .values(
                state=state,
                decided_by=decided_by,
                decided_at=utcnow(),
                decision_comment=comment,
                decided_status=status,
            )
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise NotOpen(f"dispute {dispute_id} is not open")
        row = session.get(Dispute, dispute_id, populate_existing=True)
        assert row is not None
        return row


def _event(
    session: Session,
    row: Dispute,
    actor: str,
    action: str,
    comment: str | None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """The dispute's audit event: `before`/`after` name its state (and the item's status)."""
    session.add(
        CallEvent(
            call_id=row.call_id,
            actor=actor,
            action=action,
            item_id=row.item_id,
            before={"dispute": None if action == "dispute_opened" else OPEN, **before},
            after={"dispute": row.state, **after},
            comment=comment,
        )
    )
