"""Calibration session endpoints: supervisors open sessions and read reports; the invited
inspectors answer blind and submit.

Blind means the API never hands an inspector a colleague's answers nor the machine's result for
a session's call while the session is open (services/calibration_sessions.py decides what each
reader sees); closing reveals them to the participants. An inspector who is not invited gets 404,
as for a session that does not exist. A request that is sound but comes at the wrong time
(answers already submitted, a report before two submissions) is 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import error_responses
from api.common.params import SAID, RowId
from api.common.refusals import session_status
from api.http.routes import MAX_OFFSET, known_query_only
from review.calibration_sessions import CalibrationReport, SessionRefused, SessionState
from runtime.services import Services
from scoring.results import ItemResult, ItemStatus
from services import calibration_sessions as sessions
from services.access import MANAGERS, RATERS, Principal
from services.calibration_sessions import SessionCall
from store.calibration_sessions import NewAnswer, SessionFilter, SessionRecord
from store.metadata import Clean
from store.tables import CalibrationAnswer, CalibrationParticipant

router = APIRouter(
    responses=error_responses(400, 401, 403, 404, 422), dependencies=[Depends(known_query_only)]
)


class ParticipantView(BaseModel):
    inspector: str
    submitted_at: datetime | None = Field(description="null until the inspector submits")

    @classmethod
    def of(cls, row: CalibrationParticipant) -> ParticipantView:
        return cls.model_validate(row, from_attributes=True)


class SessionItemView(BaseModel):
    """An item to answer: what it is, never what the machine said."""

    item_id: str
    label: str
    section: str
    critical: bool

    @classmethod
    def of(cls, item: ItemResult) -> SessionItemView:
        return cls(item_id=item.item_id, label=item.label, section=item.section, critical=item.critical)


class SessionCallView(BaseModel):
    call_id: str
    scorecard: str = Field(description="id@version of the card the call is answered on")
    items: list[SessionItemView]

    @classmethod
    def of(cls, call: SessionCall) -> SessionCallView:
        return cls(
            call_id=call.call_id,
            scorecard=call.analysis.scorecard_key,
            items=[SessionItemView.of(item) for item in call.items],
        )


class AnswerView(BaseModel):
    call_id: str
    inspector: str
    item_id: str
    status: ItemStatus
    comment: str | None
    at: datetime

    @classmethod
    def of(cls, row: CalibrationAnswer) -> AnswerView:
        return cls.model_validate(row, from_attributes=True)


class SessionSummary(BaseModel):
    id: int
    name: str
    state: SessionState
    created_by: str
    created_at: datetime
    due_on: IsoDay | None
    closed_by: str | None
    closed_at: datetime | None
    call_count: int
    participants: list[ParticipantView] = Field(description="the invited inspectors: the session's progress")

    @classmethod
    def of(cls, record: SessionRecord) -> SessionSummary:
        row = record.session
        return cls(
            id=row.id,
            name=row.name,
            state=sessions.state(record),
            created_by=row.created_by,
            created_at=row.created_at,
            due_on=row.due_on,
            closed_by=row.closed_by,
            closed_at=row.closed_at,
            call_count=len(record.calls),
            participants=[ParticipantView.of(p) for p in record.participants],
        )


class SessionView(SessionSummary):
    calls: list[SessionCallView]
    answers: list[AnswerView] = Field(
        description="what the reader may see: an inspector their own while the session is open, "
        "every submitted answer once it is closed; supervisors and admins every submitted answer"
    )


class SessionInput(BaseModel):
    name: str = Field(max_length=200, pattern=SAID)
    due_on: IsoDay | None = Field(default=None, description="the day the answers are due")
    call_ids: list[Annotated[str, Clean, Field(max_length=32)]] = Field(
        min_length=1,
        max_length=200,
        json_schema_extra={"uniqueItems": True},
        description="scored calls, each answered on its current analysis; in the order shown",
    )
    inspectors: list[Annotated[str, Clean, Field(max_length=64)]] = Field(
        min_length=2,
        max_length=100,
        json_schema_extra={"uniqueItems": True},
        description="active inspectors: user names, or `token N` for an inspector API token",
    )


class AnswerInput(BaseModel):
    item_id: Annotated[str, Clean] = Field(max_length=100)
    status: Literal[ItemStatus.PASS, ItemStatus.FAIL, ItemStatus.NA] = Field(description="pass, fail or na")
    comment: Annotated[str | None, Clean] = Field(default=None, max_length=2000)


class AnswersInput(BaseModel):
    answers: list[AnswerInput] = Field(
        min_length=1, max_length=500, description="items of the call; each replaces an earlier answer"
    )


def _view(services: Services, record: SessionRecord, who: Principal) -> SessionView:
    viewer = sessions.viewer_of(who)
    return SessionView(
        **SessionSummary.of(record).model_dump(),
        calls=[SessionCallView.of(call) for call in sessions.session_calls(services, record)],
        answers=[AnswerView.of(row) for row in sessions.visible_answers(services, record, viewer)],
    )


def _refused(error: SessionRefused) -> HTTPException:
    return HTTPException(session_status(error), str(error))


def _session(services: Services, session_id: int, who: Principal) -> SessionRecord:
    try:
        return sessions.session_for(services, session_id, sessions.viewer_of(who))
    except SessionRefused as error:
        raise _refused(error) from error


@router.post(
    "/calibration-sessions",
    response_model=SessionView,
    status_code=status.HTTP_201_CREATED,
)
def create_session(
    request: Request,
    session: Annotated[SessionInput, Body()],
    who: Principal = Depends(require(*MANAGERS)),
) -> SessionView:
    """Open a calibration session: the picked inspectors each score every picked call blind.
    Each call's opening is in its history."""
    services = services_of(request)
    try:
        record = sessions.create(
            services, session.name.strip(), session.due_on, session.call_ids, session.inspectors, who.actor
        )
    except SessionRefused as error:
        raise _refused(error) from error
    return _view(services, record, who)


@router.get("/calibration-sessions", response_model=list[SessionSummary])
def list_sessions(
    request: Request,
    state: SessionState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    who: Principal = Depends(require(*MANAGERS, *RATERS)),
) -> list[SessionSummary]:
    """Newest first. Inspectors get the sessions they are invited to."""
    inspector = None if who.role in MANAGERS else who.holder
    closed = None if state is None else state == SessionState.CLOSED
    filters = SessionFilter(inspector=inspector, closed=closed, limit=limit, offset=offset)
    return [SessionSummary.of(r) for r in sessions.repository(services_of(request)).search(filters)]


@router.get("/calibration-sessions/{session_id}", response_model=SessionView)
def get_session(
    request: Request, session_id: RowId, who: Principal = Depends(require(*MANAGERS, *RATERS))
) -> SessionView:
    """The session, its calls and items to answer, who has submitted, and the answers the reader
    may see (blind: an inspector sees only their own until the session is closed)."""
    services = services_of(request)
    return _view(services, _session(services, session_id, who), who)


@router.put(
    "/calibration-sessions/{session_id}/calls/{call_id}/answers",
    response_model=SessionView,
    responses=error_responses(409),
)
def answer_call(
    request: Request,
    session_id: RowId,
    call_id: str,
    given: Annotated[AnswersInput, Body()],
    who: Principal = Depends(require(*RATERS)),
) -> SessionView:
    """An invited inspector's answers on items of one call; they may change them until they
    submit. Nothing of the call's own review changes."""
    services = services_of(request)
    record = _session(services, session_id, who)
    answers = [NewAnswer(a.item_id, a.status, (a.comment or "").strip() or None) for a in given.answers]
    try:
        sessions.save_answers(services, record, call_id, who.holder, answers)
    except SessionRefused as error:
        raise _refused(error) from error
    return _view(services, record, who)


@router.post(
    "/calibration-sessions/{session_id}/submit", response_model=SessionView, responses=error_responses(409)
)
def submit_session(
    request: Request, session_id: RowId, who: Principal = Depends(require(*RATERS))
) -> SessionView:
    """Hand in the answers (every item of every call must be answered); they are fixed from then
    on, and each call's history records the submission (not the answers)."""
    services = services_of(request)
    record = _session(services, session_id, who)
    try:
        sessions.submit(services, record, who.holder, who.actor)
    except SessionRefused as error:
        raise _refused(error) from error
    return _view(services, _session(services, session_id, who), who)


@router.post(
    "/calibration-sessions/{session_id}/close", response_model=SessionView, responses=error_responses(409)
)
def close_session(
    request: Request, session_id: RowId, who: Principal = Depends(require(*MANAGERS))
) -> SessionView:
    """End the session: no more answers; the participants see everyone's answers and the report."""
    services = services_of(request)
    record = _session(services, session_id, who)
    try:
        sessions.close(services, record, who.actor)
    except SessionRefused as error:
        raise _refused(error) from error
    return _view(services, _session(services, session_id, who), who)


@router.get(
    "/calibration-sessions/{session_id}/report",
    response_model=CalibrationReport,
    responses=error_responses(409),
)
def session_report(
    request: Request, session_id: RowId, who: Principal = Depends(require(*MANAGERS, *RATERS))
) -> CalibrationReport:
    """Per item: Cohen's kappa (two inspectors) or Fleiss' (more), with 95% intervals, and raw
    agreement, without and with the machine as one more rater; the consensus per call and item
    and each inspector's (and the machine's) deviation from it. Supervisors and admins read it
    once two inspectors have submitted; participants once the session is closed."""
    services = services_of(request)
    record = _session(services, session_id, who)
    try:
        return sessions.session_report(services, record, sessions.viewer_of(who))
    except SessionRefused as error:
        raise _refused(error) from error
