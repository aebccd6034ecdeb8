"""Inspectors' item decisions and the reviewed score they give a call.

A decision, its audit event and the call's final score are written in one transaction, so the
audit log never misses a change and the final score never disagrees with the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from store.tables import Call, CallEvent, ItemReview, utcnow


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


class ReviewRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(self, decision: Decision, final_score: float | None, final_verdict: str) -> ItemReview:
        """Add the decision, its audit event, and the call's score after review."""
        row = ItemReview(
            call_id=decision.call_id,
            analysis_id=decision.analysis_id,
            item_id=decision.item_id,
            machine_status=decision.machine_status,
            status=decision.status,
            comment=decision.comment,
            reviewer=decision.reviewer,
        )
        with self.sessions.begin() as session:
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

    def current(self, call_id: str, analysis_id: int) -> dict[str, ItemReview]:
        """The newest decision per item on this analysis."""
        with self.sessions() as session:
            rows = session.scalars(
                select(ItemReview)
                .where(ItemReview.call_id == call_id, ItemReview.analysis_id == analysis_id)
                .order_by(ItemReview.id)
            ).all()
        return {row.item_id: row for row in rows}
