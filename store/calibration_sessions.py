"""Calibration sessions in the database: the calls, the invited inspectors, their answers.

A session's creation, each inspector's submission and its closing are `call_events` rows on
every call of the session, written in the same transaction as the change. The events say who and
which session, never the answers: a call's history is readable by other inspectors, who must
not learn a colleague's answers while the session is open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.tables import (
    AnalysisRow,
    CalibrationAnswer,
    CalibrationParticipant,
    CalibrationSession,
    CalibrationSessionCall,
    CallEvent,
    utcnow,
)


class Locked(Exception):
    """The answers cannot change: the inspector has submitted them, or the session is closed."""


class NotOpen(Exception):
    """The session is closed already."""


@dataclass(frozen=True)
class NewSession:
    name: str
    created_by: str
    due_on: date | None
    calls: dict[str, int]
    """Call id -> the analysis picked (the call's current one), in the order the calls are shown."""
    inspectors: list[str]


@dataclass(frozen=True)
class NewAnswer:
    item_id: str
    status: str
    comment: str | None


@dataclass(frozen=True)
class SessionRecord:
    session: CalibrationSession
    calls: list[CalibrationSessionCall]
    """In the order they were picked."""
    participants: list[CalibrationParticipant]
    """By name."""

    def participant(self, inspector: str | None) -> CalibrationParticipant | None:
        return next((p for p in self.participants if p.inspector == inspector), None)


@dataclass(frozen=True)
class SessionFilter:
    inspector: str | None = None
    """Only sessions this inspector is invited to."""
    closed: bool | None = None
    limit: int = 100
    offset: int = 0


class CalibrationSessionRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, new: NewSession) -> SessionRecord:
        with self.sessions.begin() as session:
            row = CalibrationSession(name=new.name, created_by=new.created_by, due_on=new.due_on)
            session.add(row)
            session.flush()
            calls = [
                CalibrationSessionCall(
                    session_id=row.id, call_id=call_id, analysis_id=analysis_id, position=i
                )
                for i, (call_id, analysis_id) in enumerate(new.calls.items())
            ]
            participants = [
                CalibrationParticipant(session_id=row.id, inspector=name) for name in sorted(new.inspectors)
            ]
            session.add_all([*calls, *participants])
            after = {"session": row.id, "name": new.name, "inspectors": sorted(new.inspectors)}
            _events(session, row.id, list(new.calls), new.created_by, "calibration_session_opened", after)
        return SessionRecord(row, calls, participants)

    def scoring_blind(self, inspector: str, call_id: str) -> int | None:
        """The open session in which `inspector` still has to submit answers on `call_id` (its
        id), or None: until then the machine's result of that call is hidden from them."""
        with self.sessions() as session:
            return session.scalar(
                _blind(select(CalibrationSession.id), inspector)
                .where(CalibrationSessionCall.call_id == call_id)
                .limit(1)
            )

    def blind_calls(self, inspector: str) -> frozenset[str]:
        """Every call `inspector` still has to submit answers on in an open session."""
        with self.sessions() as session:
            return frozenset(session.scalars(_blind(select(CalibrationSessionCall.call_id), inspector)).all())

    def get(self, session_id: int) -> SessionRecord | None:
        with self.sessions() as session:
            row = session.get(CalibrationSession, session_id)
            return None if row is None else _records(session, [row])[0]

    def search(self, filters: SessionFilter) -> list[SessionRecord]:
        """Newest first."""
        query = select(CalibrationSession)
        if filters.inspector is not None:
            invited = select(CalibrationParticipant.session_id).where(
                CalibrationParticipant.inspector == filters.inspector
            )
            query = query.where(CalibrationSession.id.in_(invited))
        if filters.closed is not None:
            closed = CalibrationSession.closed_at.is_not(None)
            query = query.where(closed if filters.closed else ~closed)
        query = query.order_by(CalibrationSession.id.desc()).limit(filters.limit).offset(filters.offset)
        with self.sessions() as session:
            return _records(session, list(session.scalars(query).all()))

    def answers(self, session_id: int, inspector: str | None = None) -> list[CalibrationAnswer]:
        """Every answer of the session, or one inspector's only."""
        query = select(CalibrationAnswer).where(CalibrationAnswer.session_id == session_id)
        if inspector is not None:
            query = query.where(CalibrationAnswer.inspector == inspector)
        with self.sessions() as session:
            return list(session.scalars(query.order_by(CalibrationAnswer.id)).all())

    def analyses(self, session_id: int) -> list[AnalysisRow]:
        """The analyses the session's calls were picked on."""
        query = (
            select(AnalysisRow)
            .join(CalibrationSessionCall, CalibrationSessionCall.analysis_id == AnalysisRow.id)
            .where(CalibrationSessionCall.session_id == session_id)
            .order_by(CalibrationSessionCall.position)
        )
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def save_answers(self, session_id: int, call_id: str, inspector: str, answers: list[NewAnswer]) -> None:
        """Replace the inspector's answers on these items of the call (a draft until submitted)."""
        with self.sessions.begin() as session:
            _lock_draft(session, session_id, inspector)
            given = [answer.item_id for answer in answers]
            session.execute(
                delete(CalibrationAnswer).where(
                    CalibrationAnswer.session_id == session_id,
                    CalibrationAnswer.call_id == call_id,
                    CalibrationAnswer.inspector == inspector,
                    CalibrationAnswer.item_id.in_(given),
                )
            )
            session.add_all(
                CalibrationAnswer(
                    session_id=session_id,
                    call_id=call_id,
                    inspector=inspector,
                    item_id=answer.item_id,
                    status=answer.status,
                    comment=answer.comment,
                )
                for answer in answers
            )

    def submit(self, session_id: int, inspector: str, actor: str, items_by_call: dict[str, int]) -> None:
        """Fix the inspector's answers; one event per call says how many items they answered."""
        with self.sessions.begin() as session:
            _lock_draft(session, session_id, inspector)
            session.execute(
                update(CalibrationParticipant)
                .where(
                    CalibrationParticipant.session_id == session_id,
                    CalibrationParticipant.inspector == inspector,
                )
                .values(submitted_at=utcnow())
            )
            for call_id, items in items_by_call.items():
                after = {"session": session_id, "inspector": inspector, "items": items}
                _events(session, session_id, [call_id], actor, "calibration_answers_submitted", after)

    def close(self, session_id: int, actor: str) -> None:
        with self.sessions.begin() as session:
            changed = session.execute(
                update(CalibrationSession)
                .where(CalibrationSession.id == session_id, CalibrationSession.closed_at.is_(None))
                .values(closed_at=utcnow(), closed_by=actor)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise NotOpen(f"calibration session {session_id} is closed already")
            call_ids = session.scalars(
                select(CalibrationSessionCall.call_id)
                .where(CalibrationSessionCall.session_id == session_id)
                .order_by(CalibrationSessionCall.position)
            ).all()
            _events(
                session,
                session_id,
                list(call_ids),
                actor,
                "calibration_session_closed",
                {"session": session_id},
            )


def _lock_draft(session: Session, session_id: int, inspector: str) -> None:
    """Hold the participant's row for this transaction (a submission racing a save waits for it),
    and refuse when their answers are fixed already."""
    participant = session.scalars(
        select(CalibrationParticipant)
        .where(CalibrationParticipant.session_id == session_id, CalibrationParticipant.inspector == inspector)
        .with_for_update()
    ).first()
    closed = session.scalar(select(CalibrationSession.closed_at).where(CalibrationSession.id == session_id))
    if participant is None or participant.submitted_at is not None or closed is not None:
        raise Locked("the answers are submitted (or the session is closed) and cannot change")


def _records(session: Session, rows: list[CalibrationSession]) -> list[SessionRecord]:
    ids = [row.id for row in rows]
    calls: dict[int, list[CalibrationSessionCall]] = defaultdict(list)
    for call in session.scalars(
        select(CalibrationSessionCall)
        .where(CalibrationSessionCall.session_id.in_(ids))
        .order_by(CalibrationSessionCall.position)
    ):
        calls[call.session_id].append(call)
    participants: dict[int, list[CalibrationParticipant]] = defaultdict(list)
    for participant in session.scalars(
        select(CalibrationParticipant)
        .where(CalibrationParticipant.session_id.in_(ids))
        .order_by(CalibrationParticipant.inspector)
    ):
        participants[participant.session_id].append(participant)
    return [SessionRecord(row, calls[row.id], participants[row.id]) for row in rows]


def _events(
    session: Session, session_id: int, call_ids: list[str], actor: str, action: str, after: dict[str, object]
) -> None:
    session.add_all(
        CallEvent(call_id=call_id, actor=actor, action=action, before={}, after=after) for call_id in call_ids
    )


_Blind = TypeVar("_Blind", bound=Select[Any])


def _blind(query: _Blind, inspector: str) -> _Blind:
    """`query` over the calls of the open sessions where `inspector` has not submitted yet."""
    return (
        query.select_from(CalibrationSession)
        .join(CalibrationSessionCall, CalibrationSessionCall.session_id == CalibrationSession.id)
        .join(CalibrationParticipant, CalibrationParticipant.session_id == CalibrationSession.id)
        .where(
            CalibrationSession.closed_at.is_(None),
            CalibrationParticipant.inspector == inspector,
            CalibrationParticipant.submitted_at.is_(None),
        )
    )
