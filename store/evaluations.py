"""A call's evaluation as a whole: completed by an inspector, reopened by a supervisor,
acknowledged by its agent; each a conditional update of the call with its event in the history,
in one transaction, so two people acting at once cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.tables import AnalysisRow, Call, CallEvent, ReviewClaim, utcnow


class EvaluationRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def complete(
        self, call_id: str, analysis_id: int, actor: str, final_score: float | None, verdict: str
    ) -> datetime | None:
        """Mark the review of analysis `analysis_id` complete; None when it was completed already
        or the call was scored again meanwhile (its analysis is no longer current)."""
        now = utcnow()
        current = AnalysisRow.id == analysis_id, AnalysisRow.current.is_(True), AnalysisRow.call_id == call_id
        with self.sessions.begin() as session:
            if session.scalar(select(AnalysisRow.id).where(*current)) is None:
                return None
            done = session.execute(
                update(Call)
                .where(Call.id == call_id, Call.completed_at.is_(None))
                .values(completed_at=now, completed_by=actor)
            )
            if getattr(done, "rowcount", 0) != 1:
                return None
            session.execute(
                delete(ReviewClaim).where(ReviewClaim.call_id == call_id)
            )  # done: nobody holds it
            after = {"final_score": final_score, "final_verdict": verdict}
            session.add(
                CallEvent(call_id=call_id, actor=actor, action="review_completed", before={}, after=after)
            )
        return now

    def reopen(self, call_id: str, actor: str, reason: str) -> bool:
        """Back to a draft (the agent's acknowledgement goes with it); False if not completed."""
        with self.sessions.begin() as session:
            call = session.get(Call, call_id, with_for_update=True)
            if call is None or call.completed_at is None:
                return False
            before = {"completed_by": call.completed_by, "completed_at": call.completed_at.isoformat()}
            call.completed_at = call.completed_by = call.acknowledged_at = None
            session.add(
                CallEvent(
                    call_id=call_id,
                    actor=actor,
                    action="review_reopened",
                    before=before,
                    after={},
                    comment=reason,
                )
            )
        return True

    def acknowledge(self, call_id: str, actor: str) -> datetime | None:
        """The agent has read the completed evaluation; None if not completed or acknowledged already."""
        now = utcnow()
        with self.sessions.begin() as session:
            done = session.execute(
                update(Call)
                .where(Call.id == call_id, Call.completed_at.is_not(None), Call.acknowledged_at.is_(None))
                .values(acknowledged_at=now)
            )
            if getattr(done, "rowcount", 0) != 1:
                return None
            session.add(
                CallEvent(call_id=call_id, actor=actor, action="evaluation_acknowledged", before={}, after={})
            )
        return now
