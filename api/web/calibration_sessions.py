"""Calibration sessions in the workspace (`/ui/calibration`): a supervisor opens one by picking
calls and inspectors, each inspector scores the calls blind on the session's own scoring page,
and the supervisor follows the progress and reads the report.

The scoring page is not the call page: it plays the call and shows the transcript (the call
page's player and `call.js`), but none of the machine's results, and it records answers in the
session, never review decisions, so the call's real review state does not change. The rules,
blindness included, are services/calibration_sessions.py's, refused with the API's status codes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.days import form_day
from api.common.params import RowId
from api.common.refusals import session_status
from api.web.pages import PageRefused, render
from api.web.session import form_for, page_for
from review.calibration_sessions import MIN_INSPECTORS, SessionRefused, SessionState
from review.final_score import HUMAN_STATUSES
from runtime.services import Services
from scoring.results import ItemStatus, Verdict
from scoring.routing import RoutingQueue
from services import calibration_sessions as sessions
from services.access import MANAGERS, RATERS
from services.calibration_sessions import SessionCall
from services.days import day_start
from store.calibration_sessions import NewAnswer, SessionFilter, SessionRecord
from store.calls import CallFilter
from store.metadata import Clean
from store.tables import CallStatus
from store.tokens import Role

router = APIRouter(include_in_schema=False)

PICKER_SIZE = 100
"""Calls offered on the creation page at once: a session has a handful; filters narrow the rest."""

Text = Annotated[str, Query(max_length=100)]
MAX_COMMENT = 2000
STATUS_LABELS = {ItemStatus.PASS: "Pass", ItemStatus.FAIL: "Fail", ItemStatus.NA: "N/A"}


def _refused(error: SessionRefused, what: str) -> PageRefused:
    return PageRefused(session_status(error), f"{what}: {error}.")


def _session(services: Services, session_id: int, browser: BrowserSession) -> SessionRecord:
    try:
        return sessions.session_for(services, session_id, sessions.viewer_of(browser.principal))
    except SessionRefused as error:
        raise _refused(error, "No such session") from error


def _labels(calls: list[SessionCall]) -> dict[str, str]:
    """`card/item` -> the item's label, as the report names items."""
    return {call.item_key(item.item_id): item.label for call in calls for item in call.items}


@router.get("/ui/calibration")
def session_list(
    request: Request, browser: BrowserSession = Depends(page_for(*MANAGERS, *RATERS))
) -> Response:
    """Managers see every session; inspectors the ones they are invited to, with what is left."""
    who = browser.principal
    manager = who.role in MANAGERS
    filters = SessionFilter(inspector=None if manager else who.holder, limit=200)
    records = sessions.repository(services_of(request)).search(filters)
    return render(
        request,
        "calibration_sessions.html",
        {"records": records, "manager": manager, "holder": who.holder, "state": sessions.state},
    )


@router.get("/ui/calibration/new")
def new_session(
    request: Request,
    agent: Text = "",
    verdict: Text = "",
    routing: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    browser: BrowserSession = Depends(page_for(*MANAGERS)),
) -> Response:
    """Pick scored calls (filtered: agent, machine verdict, routing, day) and active inspectors."""
    problems: list[str] = []
    wanted_verdict = verdict if verdict in set(Verdict) else None
    if verdict and wanted_verdict is None:
        problems.append(f"verdict: unknown value {verdict!r}")
    wanted_routing = routing if routing in set(RoutingQueue) else None
    if routing and wanted_routing is None:
        problems.append(f"routing: unknown value {routing!r}")
    start, end = form_day(date_from, "date from", problems), form_day(date_to, "date to", problems)
    filters = CallFilter(
        agent_id=agent.strip() or None,
        status=CallStatus.SCORED,
        verdict=wanted_verdict,
        routing_queue=wanted_routing,
        started_from=day_start(start),
        started_to=day_start(end, next_day=True),
        limit=PICKER_SIZE,
    )
    services = services_of(request)
    context: dict[str, Any] = {
        "query": {
            "agent": agent,
            "verdict": verdict,
            "routing": routing,
            "date_from": date_from,
            "date_to": date_to,
        },
        "problems": problems,
        "calls": services.calls.search(filters),
        "picker_size": PICKER_SIZE,
        "inspectors": services.users.active([Role.INSPECTOR]),
        "verdicts": [v.value for v in Verdict],
        "routings": [r.value for r in RoutingQueue],
        "min_inspectors": MIN_INSPECTORS,
    }
    return render(request, "calibration_new.html", context)


@router.post("/ui/calibration")
def create_session(
    request: Request,
    name: Annotated[str, Form(max_length=200), Clean] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
    call_ids: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006  (FastAPI copies it)
    inspectors: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    browser: BrowserSession = Depends(form_for(*MANAGERS)),
) -> Response:
    if not name.strip():
        raise PageRefused(422, "Name the session.")
    problems: list[str] = []
    due = form_day(due_on, "due date", problems)
    if problems:
        raise PageRefused(422, problems[0])
    services = services_of(request)
    try:
        record = sessions.create(services, name.strip(), due, call_ids, inspectors, browser.principal.actor)
    except SessionRefused as error:
        raise _refused(error, "The session was not opened") from error
    return RedirectResponse(f"/ui/calibration/{record.session.id}", status_code=303)


@router.get("/ui/calibration/{session_id}")
def session_page(
    request: Request, session_id: RowId, browser: BrowserSession = Depends(page_for(*MANAGERS, *RATERS))
) -> Response:
    """Progress: who has submitted; for an inspector, how far they are on each call."""
    services = services_of(request)
    record = _session(services, session_id, browser)
    who = browser.principal
    calls = sessions.session_calls(services, record)
    mine = sessions.repository(services).answers(session_id, who.holder)
    answered = {call.call_id: sum(a.call_id == call.call_id for a in mine) for call in calls}
    participant = record.participant(who.holder)
    submitted = sum(p.submitted_at is not None for p in record.participants)
    manager = who.role in MANAGERS
    context = {
        "record": record,
        "state": sessions.state(record).value,
        "calls": calls,
        "answered": answered,
        "participant": participant,
        "manager": manager,
        "submitted": submitted,
        "report_ready": submitted >= MIN_INSPECTORS
        and (manager or (participant is not None and record.session.closed_at is not None)),
    }
    return render(request, "calibration_session.html", context)


@router.get("/ui/calibration/{session_id}/calls/{call_id}")
def score_call(
    request: Request,
    session_id: RowId,
    call_id: str,
    browser: BrowserSession = Depends(page_for(*RATERS)),
) -> Response:
    """Score one call blind: the recording and the transcript, the card's items, own answers only."""
    services = services_of(request)
    record = _session(services, session_id, browser)
    who = browser.principal
    try:
        call = sessions.session_call(services, record, call_id)
    except SessionRefused as error:
        raise _refused(error, "No such call in this session") from error
    stored = services.calls.get(call_id)
    assert stored is not None  # a session's calls are deleted with it (cascade)
    participant = record.participant(who.holder)
    mine = {
        a.item_id: a
        for a in sessions.repository(services).answers(session_id, who.holder)
        if a.call_id == call_id
    }
    context = {
        "record": record,
        "call": call,
        "stored": stored,
        "transcript": services.results.transcript(call_id),
        "mine": mine,
        "locked": participant is None
        or participant.submitted_at is not None
        or record.session.closed_at is not None,
        "may_listen": who.role in services.settings.audio_roles,
        "statuses": STATUS_LABELS,
        "position": [c.call_id for c in record.calls].index(call_id) + 1,
        "following": _following(record, call_id),
    }
    return render(request, "calibration_score.html", context)


@router.post("/ui/calibration/{session_id}/calls/{call_id}")
async def save_call(
    request: Request,
    session_id: RowId,
    call_id: str,
    browser: BrowserSession = Depends(form_for(*RATERS)),
) -> Response:
    """The sheet's answers (`status-<item>`, `comment-<item>`: one pair per item, so the form is
    read whole); unanswered items stay open. Back to the next call of the session, or to the
    session after the last one. The database work runs in the thread pool, as for a plain route."""
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    return await run_in_threadpool(_save_sheet, services_of(request), session_id, call_id, browser, fields)


def _save_sheet(
    services: Services, session_id: int, call_id: str, browser: BrowserSession, fields: dict[str, str]
) -> Response:
    record = _session(services, session_id, browser)
    try:
        call = sessions.session_call(services, record, call_id)
    except SessionRefused as error:
        raise _refused(error, "No such call in this session") from error
    answers = []
    for item in call.items:
        status = fields.get(f"status-{item.item_id}", "")
        if not status:
            continue
        if status not in set(HUMAN_STATUSES):
            raise PageRefused(422, f"{item.label}: answer pass, fail or N/A.")
        said = fields.get(f"comment-{item.item_id}", "").replace("\x00", "").strip()
        if len(said) > MAX_COMMENT:
            raise PageRefused(422, f"{item.label}: the comment is longer than {MAX_COMMENT} characters.")
        answers.append(NewAnswer(item.item_id, status, said or None))
    if answers:
        try:
            sessions.save_answers(services, record, call_id, browser.principal.holder, answers)
        except SessionRefused as error:
            raise _refused(error, "The answers were not saved") from error
    following = _following(record, call_id)
    where = f"/ui/calibration/{session_id}" + (f"/calls/{following}" if following else "")
    return RedirectResponse(where, status_code=303)


def _following(record: SessionRecord, call_id: str) -> str | None:
    """The session's call after this one, if any."""
    ids = [call.call_id for call in record.calls]
    at = ids.index(call_id)
    return ids[at + 1] if at + 1 < len(ids) else None


@router.post("/ui/calibration/{session_id}/submit")
def submit(
    request: Request, session_id: RowId, browser: BrowserSession = Depends(form_for(*RATERS))
) -> Response:
    services = services_of(request)
    record = _session(services, session_id, browser)
    try:
        sessions.submit(services, record, browser.principal.holder, browser.principal.actor)
    except SessionRefused as error:
        raise _refused(error, "The answers were not submitted") from error
    return RedirectResponse(f"/ui/calibration/{session_id}", status_code=303)


@router.post("/ui/calibration/{session_id}/close")
def close(
    request: Request, session_id: RowId, browser: BrowserSession = Depends(form_for(*MANAGERS))
) -> Response:
    services = services_of(request)
    record = _session(services, session_id, browser)
    try:
        sessions.close(services, record, browser.principal.actor)
    except SessionRefused as error:
        raise _refused(error, "The session was not closed") from error
    return RedirectResponse(f"/ui/calibration/{session_id}", status_code=303)


@router.get("/ui/calibration/{session_id}/report")
def report_page(
    request: Request, session_id: RowId, browser: BrowserSession = Depends(page_for(*MANAGERS, *RATERS))
) -> Response:
    services = services_of(request)
    record = _session(services, session_id, browser)
    try:
        found = sessions.session_report(services, record, sessions.viewer_of(browser.principal))
    except SessionRefused as error:
        raise _refused(error, "No report yet") from error
    calls = sessions.session_calls(services, record)
    context = {
        "record": record,
        "report": found,
        "labels": _labels(calls),
        "positions": {call.call_id: i + 1 for i, call in enumerate(calls)},
        "closed": sessions.state(record) == SessionState.CLOSED,
    }
    return render(request, "calibration_report.html", context)
