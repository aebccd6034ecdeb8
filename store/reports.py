"""Stored reports, and the one read every report and alert rule starts from: the scored calls of
a period with their current analysis.

The calls are read in one query with their analysis rows (a day of a busy centre is tens of
thousands of calls: one round trip each would take minutes on PostgreSQL over a network).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, null, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import AnalysisRow, Call, CallEvent, CallStatus, ItemReview, StoredReport, utcnow

RECOVERY_HANDLED = "recovery_handled"
"""The `call_events` action recording that a recovery-queue customer was called back."""


@dataclass(frozen=True)
class ScoredCall:
    call: Call
    analysis: dict[str, Any] | None
    routing: dict[str, Any] | None
    """Both None when read without results (the call row's columns suffice)."""
    scored_at: datetime
    recovery_handled: bool
    decisions: dict[str, str] = field(default_factory=dict)
    """Inspectors' newest status per item of the current analysis (read with the results only)."""


class ReportRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def scored_calls(self, since: datetime, until: datetime, with_results: bool = True) -> list[ScoredCall]:
        """Scored calls that took place in [since, until) (the upload time where the recorder
        gave no start time), with their current analysis unless `with_results` is False: reading
        and parsing the analysis JSON is most of the cost, and a rule over two weeks of calls
        needs only the call's searchable columns."""
        when = func.coalesce(Call.started_at, Call.created_at)
        handled = exists().where(CallEvent.call_id == Call.id, CallEvent.action == RECOVERY_HANDLED)
        results = (AnalysisRow.data, AnalysisRow.routing) if with_results else (null(), null())
        query = (
            select(Call, *results, AnalysisRow.created_at, handled)
            .join(AnalysisRow, (AnalysisRow.call_id == Call.id) & AnalysisRow.current.is_(True))
            .where(Call.status == CallStatus.SCORED, when >= since, when < until)
            .order_by(when, Call.id)
        )
        with self.sessions() as session:
            rows = [ScoredCall(*row) for row in session.execute(query).all()]
            if with_results:
                decided = self._decisions(session, when >= since, when < until)
                rows = [replace(row, decisions=decided.get(row.call.id, {})) for row in rows]
            return rows

    @staticmethod
    def _decisions(session: Session, *window: ColumnElement[bool]) -> dict[str, dict[str, str]]:
        """By call, the newest human status per item of its current analysis, for the calls of the
        window: one query however many calls, since only the reviewed few have rows."""
        query = (
            select(ItemReview.call_id, ItemReview.item_id, ItemReview.status)
            .join(AnalysisRow, (AnalysisRow.id == ItemReview.analysis_id) & AnalysisRow.current.is_(True))
            .join(Call, Call.id == ItemReview.call_id)
            .where(Call.status == CallStatus.SCORED, *window)
            .order_by(ItemReview.id)
        )
        decided: dict[str, dict[str, str]] = {}
        for call_id, item_id, status in session.execute(query).all():
            decided.setdefault(call_id, {})[item_id] = status  # later rows are newer: they win
        return decided

    def changed_since(self, since: datetime, until: datetime, generated_at: datetime) -> int:
        """Scored calls that took place in [since, until) whose current analysis or review is newer
        than `generated_at`: calls uploaded late, re-scored or reviewed after a report of that
        period was made, which it therefore misses or counts as they were."""
        when = func.coalesce(Call.started_at, Call.created_at)
        query = (
            select(func.count())
            .select_from(Call)
            .join(AnalysisRow, (AnalysisRow.call_id == Call.id) & AnalysisRow.current.is_(True))
            .where(Call.status == CallStatus.SCORED, when >= since, when < until)
            .where((AnalysisRow.created_at > generated_at) | (Call.reviewed_at > generated_at))
        )
        with self.sessions() as session:
            return session.scalar(query) or 0

    def save(self, date_from: date, date_to: date, data: dict[str, Any]) -> StoredReport:
        """The report of this period, replacing one generated before."""
        with self.sessions.begin() as session:
            row = session.scalars(
                select(StoredReport).where(
                    StoredReport.date_from == date_from, StoredReport.date_to == date_to
                )
            ).first()
            if row is None:
                row = StoredReport(date_from=date_from, date_to=date_to, data=data)
                session.add(row)
            else:
                row.data, row.generated_at = data, utcnow()
            return row

    def get(self, date_from: date, date_to: date) -> StoredReport | None:
        with self.sessions() as session:
            return session.scalars(
                select(StoredReport).where(
                    StoredReport.date_from == date_from, StoredReport.date_to == date_to
                )
            ).first()

    def daily(self, limit: int, offset: int = 0) -> list[StoredReport]:
        """The stored one-day reports, the newest day first."""
        query = (
            select(StoredReport)
            .where(StoredReport.date_from == StoredReport.date_to)
            .order_by(StoredReport.date_from.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def recovery_handled(self, call_ids: list[str]) -> set[str]:
        """Which of these calls' customers were marked called back."""
        query = select(CallEvent.call_id).where(
            CallEvent.call_id.in_(call_ids), CallEvent.action == RECOVERY_HANDLED
        )
        with self.sessions() as session:
            return set(session.scalars(query).all())

    def mark_recovery_handled(self, call_id: str, actor: str, comment: str | None) -> bool:
        """Record the call back; False if it was recorded before (the first one stands)."""
        with self.sessions.begin() as session:
            done = session.scalar(
                select(CallEvent.id).where(CallEvent.call_id == call_id, CallEvent.action == RECOVERY_HANDLED)
            )
            if done is not None:
                return False
            session.add(
                CallEvent(
                    call_id=call_id,
                    actor=actor,
                    action=RECOVERY_HANDLED,
                    before={"recovery_handled": False},
                    after={"recovery_handled": True},
                    comment=comment,
                )
            )
            return True
