"""Inspectors' item decisions and the reviewed score they give a call.

A decision, its audit event and the call's final score are written in one transaction, so the
audit log never misses a change and the final score never disagrees with the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.tables import AnalysisRow, Call, CallEvent, ItemReview, utcnow


@dataclass(frozen=True)
class Decision:
    call_id: str
    analysis_id: int
    item_id: str
    machine_status: str
    before: str
    status: str
    comment: str | None
    reviewer: str


@dataclass(frozen=True)
class ReviewedItem:
    scorecard_key: str
    item_id: str
    machine_status: str
    status: str
    reviewer: str


class ReviewRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(self, decision: Decision, final_score: float | None, final_verdict: str) -> ItemReview:
        """Add the decision, its audit event, and the call's score after review."""
        with self.sessions.begin() as session:
            return add_decision(session, decision, final_score, final_verdict)

    def current(self, call_id: str, analysis_id: int) -> dict[str, ItemReview]:
        """The newest decision per item on this analysis."""
        with self.sessions() as session:
            rows = session.scalars(
                select(ItemReview)
                .where(ItemReview.call_id == call_id, ItemReview.analysis_id == analysis_id)
                .order_by(ItemReview.id)
            ).all()
        return {row.item_id: row for row in rows}

    def reviewed_items(
        self, scorecard_id: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> list[ReviewedItem]:
        """The newest decision per item of every current analysis, with the machine's status: the
        labelled data agreement is measured on (`scorecard_id`: one card's versions only)."""
        newest = (
            select(func.max(ItemReview.id))
            .join(AnalysisRow, AnalysisRow.id == ItemReview.analysis_id)
            .where(AnalysisRow.current.is_(True))
            .group_by(ItemReview.analysis_id, ItemReview.item_id)
        )
        if scorecard_id is not None:
            newest = newest.where(AnalysisRow.scorecard_key.startswith(f"{scorecard_id}@", autoescape=True))
        if since is not None:
            newest = newest.where(ItemReview.at >= since)
        if until is not None:
            newest = newest.where(ItemReview.at < until)
        query = (
            select(
                AnalysisRow.scorecard_key,
                ItemReview.item_id,
                ItemReview.machine_status,
                ItemReview.status,
                ItemReview.reviewer,
            )
            .join(AnalysisRow, AnalysisRow.id == ItemReview.analysis_id)
            .where(ItemReview.id.in_(newest))
            .order_by(ItemReview.id)
        )
        with self.sessions() as session:
            return [ReviewedItem(*row) for row in session.execute(query).all()]


def add_decision(
    session: Session, decision: Decision, final_score: float | None, final_verdict: str
) -> ItemReview:
    """Write the decision, its `item_reviewed` event and the call's final score in `session`,
    so a caller with more to record (an accepted dispute) keeps it all in one transaction."""
    row = ItemReview(
        call_id=decision.call_id,
        analysis_id=decision.analysis_id,
        item_id=decision.item_id,
        machine_status=decision.machine_status,
        status=decision.status,
        comment=decision.comment,
        reviewer=decision.reviewer,
    )
    session.add(row)
    session.add(
        CallEvent(
            call_id=decision.call_id,
            actor=decision.reviewer,
            action="item_reviewed",
            item_id=decision.item_id,
            before={"status": decision.before},
            after={"status": decision.status},
            comment=decision.comment,
        )
    )
    session.execute(
        update(Call)
        .where(Call.id == decision.call_id)
        .values(final_score=final_score, final_verdict=final_verdict, reviewed_at=utcnow())
    )
    return row
