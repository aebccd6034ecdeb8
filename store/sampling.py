"""The sampling rules' selections: written a queue's day at a time, read for the week's counts,
the review queue and the pass-rate estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import AnalysisRow, Call, CallStatus, RosterAgent, SampleSelection


@dataclass(frozen=True)
class ScoredCall:
    """A scored call with its current analysis's routing decision (as stored)."""

    call: Call
    routing: dict[str, Any]


@dataclass(frozen=True)
class SelectionRow:
    call_id: str
    agent_id: str | None
    rules: list[str]
    reasons: list[str]
    inclusion_probability: float
    over_capacity: bool


@dataclass(frozen=True)
class OutcomeRow:
    """What a pass-rate estimate needs of one scored call."""

    agent_id: str | None
    team: str | None
    """The call's team, else the agent's team on the roster."""
    verdict: str | None
    final_verdict: str | None
    reviewed: bool
    inclusion_probability: float | None


def started() -> Any:
    """When a call happened: its start, else when it was received."""
    return func.coalesce(Call.started_at, Call.created_at)


class Selections:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def scored_between(self, start: datetime, end: datetime) -> list[ScoredCall]:
        """Scored calls that happened in [start, end), with their routing."""
        query = (
            select(Call, AnalysisRow.routing)
            .join(AnalysisRow, (AnalysisRow.call_id == Call.id) & AnalysisRow.current.is_(True))
            .where(Call.status == CallStatus.SCORED, started() >= start, started() < end)
            .order_by(Call.id)
        )
        with self.sessions() as session:
            return [ScoredCall(call, routing) for call, routing in session.execute(query).all()]

    def selected_before(self, queue: str, first: date, day: date) -> dict[str, int]:
        """Each agent's selections in `queue` from `first` up to the day before `day`."""
        query = (
            select(SampleSelection.agent_id, func.count())
            .where(
                SampleSelection.queue == queue,
                SampleSelection.day >= first,
                SampleSelection.day < day,
                SampleSelection.agent_id.is_not(None),
            )
            .group_by(SampleSelection.agent_id)
        )
        with self.sessions() as session:
            return {str(agent): int(count) for agent, count in session.execute(query).all()}

    def replace_day(
        self, queue: str, day: date, call_ids: Sequence[str], rows: Sequence[SelectionRow]
    ) -> None:
        """The day's selections for the queue become `rows`, in one transaction; `call_ids` are
        the day's calls, whose earlier selections (on another day, if their start was corrected)
        are dropped too."""
        with self.sessions.begin() as session:
            session.execute(
                delete(SampleSelection).where(SampleSelection.queue == queue, SampleSelection.day == day)
            )
            if call_ids:
                session.execute(delete(SampleSelection).where(SampleSelection.call_id.in_(list(call_ids))))
            session.add_all(
                SampleSelection(
                    call_id=row.call_id,
                    queue=queue,
                    day=day,
                    agent_id=row.agent_id,
                    rules=row.rules,
                    reasons=row.reasons,
                    inclusion_probability=row.inclusion_probability,
                    over_capacity=row.over_capacity,
                )
                for row in rows
            )

    def any_on(self, day: date) -> bool:
        """Whether the day has been sampled (in any queue)."""
        with self.sessions() as session:
            return (
                session.scalar(select(SampleSelection.call_id).where(SampleSelection.day == day).limit(1))
                is not None
            )

    def of_call(self, call_id: str) -> SampleSelection | None:
        with self.sessions() as session:
            return session.get(SampleSelection, call_id)

    def outcomes(self, start: datetime | None, end: datetime | None) -> list[OutcomeRow]:
        """Every scored call that happened in [start, end), with its selection if any."""
        query = (
            select(
                Call.agent_id,
                func.coalesce(Call.team, RosterAgent.team),
                Call.verdict,
                Call.final_verdict,
                Call.reviewed_at,
                SampleSelection.inclusion_probability,
            )
            .outerjoin(RosterAgent, RosterAgent.agent_id == Call.agent_id)
            .outerjoin(SampleSelection, SampleSelection.call_id == Call.id)
            .where(Call.status == CallStatus.SCORED)
        )
        if start is not None:
            query = query.where(started() >= start)
        if end is not None:
            query = query.where(started() < end)
        with self.sessions() as session:
            return [
                OutcomeRow(agent, team, verdict, final, reviewed_at is not None, probability)
                for agent, team, verdict, final, reviewed_at, probability in session.execute(query).all()
            ]
