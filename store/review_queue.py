"""The review queue as reviewers work it: filtered pages in routing's order, and who holds which call.

A claim is one row per call (`review_claims`) so that two inspectors cannot take the same call:
the second insert fails on the primary key. Claiming, assigning and releasing each also add a
`call_events` row in the same transaction, so the audit log has the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.calls import review_queue_query
from store.tables import Call, CallEvent, ReviewClaim, SampleSelection


class QueueView(StrEnum):
    """Which reviews a queue page lists: every one not completed (the work left), those begun and
    not completed, or the completed ones (done; they have left the work queue)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class QueueFilter:
    agent_id: str | None = None
    team: str | None = None
    queue: str | None = None
    verdict: str | None = None
    reason_prefix: str | None = None
    """Calls with a routing reason that starts so (e.g. "near the pass mark")."""
    sampling_rule: str | None = None
    """Calls this sampling rule selected (e.g. "weekly_minimum"); with `reason_prefix`, either."""
    started_from: datetime | None = None
    started_to: datetime | None = None
    holder: str | None = None
    unclaimed: bool = False
    view: QueueView = QueueView.OPEN
    limit: int = 25
    offset: int = 0
    hidden: frozenset[str] = frozenset()
    """Calls left out: those the reader scores blind in a calibration session (their results
    are not theirs to see until they submit)."""


@dataclass(frozen=True)
class QueueRow:
    call: Call
    claim: ReviewClaim | None
    selection: SampleSelection | None = None
    """Why the sampling rules selected the call, when they did."""


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int


class ClaimError(Exception):
    """The call is not in the review queue, or someone else holds it; the message says which."""


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ReviewQueue:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def page(self, filters: QueueFilter) -> QueuePage:
        query = (
            review_queue_query()
            .outerjoin(ReviewClaim, ReviewClaim.call_id == Call.id)
            .outerjoin(SampleSelection, SampleSelection.call_id == Call.id)
        )
        for column, value in (
            (Call.agent_id, filters.agent_id),
            (Call.team, filters.team),
            (Call.queue, filters.queue),
            (Call.verdict, filters.verdict),
            (ReviewClaim.holder, filters.holder),
        ):
            if value is not None:
                query = query.where(column == value)
        reasons: list[ColumnElement[bool]] = []
        if filters.reason_prefix is not None:
            # reasons are a JSON list of strings: a reason starting so follows a quote in its text
            pattern = '%"' + _like_literal(filters.reason_prefix) + "%"
            reasons.append(cast(Call.routing_reasons, String).like(pattern, escape="\\"))
        if filters.sampling_rule is not None:
            pattern = '%"' + _like_literal(filters.sampling_rule) + '"%'
            reasons.append(cast(SampleSelection.rules, String).like(pattern, escape="\\"))
        if reasons:
            query = query.where(or_(*reasons))
        if filters.started_from is not None:
            query = query.where(Call.started_at >= filters.started_from)
        if filters.started_to is not None:
            query = query.where(Call.started_at < filters.started_to)
        if filters.unclaimed:
            query = query.where(ReviewClaim.call_id.is_(None))
        if filters.view == QueueView.COMPLETED:
            query = query.where(Call.completed_at.is_not(None))
        else:
            query = query.where(Call.completed_at.is_(None))
        if filters.view == QueueView.IN_PROGRESS:
            query = query.where(Call.final_verdict.is_not(None))
        if filters.hidden:
            query = query.where(Call.id.not_in(filters.hidden))
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
            rows = session.execute(
                query.add_columns(ReviewClaim, SampleSelection).limit(filters.limit).offset(filters.offset)
            ).all()
        return QueuePage([QueueRow(call, claim, selection) for call, claim, selection in rows], int(total))

    def claim(self, call_id: str, holder: str, actor: str) -> None:
        """`holder` takes the call, unless someone else holds it already."""
        try:
            with self.sessions.begin() as session:
                self._in_queue(session, call_id)
                current = session.get(ReviewClaim, call_id)
                if current is None:
                    session.add(ReviewClaim(call_id=call_id, holder=holder))
                    _event(session, call_id, actor, "claim", None, holder)
                    return
        except IntegrityError:  # claimed by another request between the read and the insert
            with self.sessions() as session:
                current = session.get(ReviewClaim, call_id)
        if current is not None and current.holder != holder:
            raise ClaimError(f"call {call_id} is already claimed by {current.holder}")

    def assign(self, call_id: str, holder: str, actor: str) -> None:
        """A supervisor gives the call to `holder`, taking it from whoever held it."""
        with self.sessions.begin() as session:
            self._in_queue(session, call_id)
            current = session.get(ReviewClaim, call_id)
            before = current.holder if current is not None else None
            if current is None:
                session.add(ReviewClaim(call_id=call_id, holder=holder, assigned_by=actor))
            else:
                current.holder, current.assigned_by = holder, actor
            _event(session, call_id, actor, "assign", before, holder)

    def release(self, call_id: str, actor: str, only_holder: str | None = None) -> None:
        """Put the call back in the pool; with `only_holder`, only if that is who holds it."""
        with self.sessions.begin() as session:
            current = session.get(ReviewClaim, call_id)
            if current is None:
                return
            if only_holder is not None and current.holder != only_holder:
                raise ClaimError(f"call {call_id} is claimed by {current.holder}, not by you")
            session.delete(current)
            _event(session, call_id, actor, "release", current.holder, None)

    @staticmethod
    def _in_queue(session: Session, call_id: str) -> None:
        waiting = review_queue_query().where(Call.id == call_id, Call.completed_at.is_(None))
        if session.scalar(waiting.with_only_columns(Call.id)) is None:
            raise ClaimError(f"call {call_id} is not in the review queue (or its review is completed)")


def _event(
    session: Session, call_id: str, actor: str, action: str, before: str | None, after: str | None
) -> None:
    session.add(
        CallEvent(
            call_id=call_id, actor=actor, action=action, before={"holder": before}, after={"holder": after}
        )
    )
