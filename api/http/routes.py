"""The call endpoints."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.http.auth import READERS, REDACTED_ROLES, REVIEWERS, UPLOADERS, Principal, require, services_of
from api.http.redaction import redact_detail
from api.http.schemas import Accepted, CallDetail, CallList, CallSummary
from store.blobs import TooLargeError
from store.calls import CallFilter
from store.metadata import CallMetadata
from store.tables import Call
from workers.dispatch import Dispatcher
from workers.intake import retry, submit_chunks

router = APIRouter()


def _dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


@router.post(
    "/calls",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        200: {"description": "the same recording was already submitted; its call is returned"},
        413: {"description": "file too large"},
        422: {"description": "bad metadata, or audio that cannot be decoded (the call is kept as failed)"},
    },
)
def submit_call(
    request: Request,
    file: Annotated[UploadFile, File(description="the recording (WAV, MP3, FLAC, OGG, M4A...)")],
    agent_id: Annotated[str | None, Form()] = None,
    agent_name: Annotated[str | None, Form()] = None,
    team: Annotated[str | None, Form()] = None,
    queue: Annotated[str | None, Form()] = None,
    direction: Annotated[str | None, Form(description="inbound or outbound")] = None,
    started_at: Annotated[str | None, Form(description="ISO 8601; UTC when no zone is given")] = None,
    external_id: Annotated[str | None, Form()] = None,
    language: Annotated[str | None, Form(description="en or zh; else the queue's, else detected")] = None,
    _: Principal = Depends(require(*UPLOADERS)),
) -> JSONResponse:
    """Store the recording and queue it; answers at once, never waits for transcription."""
    services = services_of(request)
    declared = int(request.headers.get("content-length") or 0)
    if declared > services.settings.max_upload_bytes + 1_000_000:
        raise HTTPException(413, f"the upload is larger than {services.settings.max_upload_mb:.0f} MB")
    try:
        metadata = CallMetadata(
            agent_id=agent_id,
            agent_name=agent_name,
            team=team,
            queue=queue,
            direction=direction,
            started_at=started_at,
            external_id=external_id,
            language=language,
        )
    except ValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise HTTPException(422, "bad metadata: " + "; ".join(problems)) from error
    try:
        submission = submit_chunks(
            services,
            _dispatcher(request),
            iter(lambda: file.file.read(1 << 20), b""),
            file.filename or "upload.bin",
            metadata,
        )
    except TooLargeError as error:
        raise HTTPException(413, str(error)) from error
    call = submission.call
    if submission.created and submission.error:
        return JSONResponse(
            {"detail": submission.error, "id": call.id, "status": call.status}, status_code=422
        )
    body = Accepted(id=call.id, status=call.status, duplicate=not submission.created).model_dump()
    return JSONResponse(
        body, status_code=status.HTTP_202_ACCEPTED if submission.created else status.HTTP_200_OK
    )


@router.get("/calls/{call_id}", response_model=CallDetail)
def get_call(
    request: Request,
    call_id: str,
    redacted: Annotated[
        bool, Query(description="mask card, ID and phone numbers, e-mails, digit runs")
    ] = False,
    who: Principal = Depends(require(*READERS)),
) -> CallDetail:
    """Status, transcript, findings, score and routing of one call. Agents and trainers always get
    the redacted view: they need the conversation, not the caller's card number."""
    services = services_of(request)
    call = _visible(services.calls.get(call_id), who)
    detail = CallDetail(**CallSummary.of(call).model_dump())
    transcript = services.calls.transcript(call.id)
    analysis = services.calls.analysis(call.id)
    if transcript is not None:
        detail.transcript = transcript.data
    if analysis is not None:
        detail.findings = analysis.data["findings"]
        detail.scorecard = analysis.data["score"]
        detail.sentiment = analysis.data.get("sentiment")
        detail.escalation = analysis.data.get("escalation")
        detail.routing_decision = analysis.routing
    if redacted or who.role in REDACTED_ROLES:
        redact_detail(detail, analysis.data.get("redaction") if analysis is not None else None)
    return detail


@router.get("/calls", response_model=CallList)
def list_calls(
    request: Request,
    agent_id: str | None = None,
    status_: Annotated[
        Literal["received", "transcribing", "analyzing", "scored", "failed"] | None, Query(alias="status")
    ] = None,
    verdict: Literal["pass", "fail"] | None = None,
    routing: Literal["review", "auto_pass"] | None = None,
    customer_sentiment: Annotated[
        Literal["negative", "neutral", "positive"] | None, Query(description="the customer's mood at the end")
    ] = None,
    recovery: Annotated[bool | None, Query(description="customer flagged for a call back")] = None,
    date_from: Annotated[date | None, Query(description="calls started on or after this day (UTC)")] = None,
    date_to: Annotated[date | None, Query(description="calls started on or before this day (UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    who: Principal = Depends(require(*READERS)),
) -> CallList:
    """Newest first. Agents get their own calls whatever `agent_id` says."""
    if who.role == "agent":
        agent_id = who.agent_id
    filters = CallFilter(
        agent_id=agent_id,
        status=status_,
        verdict=verdict,
        routing_queue=routing,
        customer_sentiment=customer_sentiment,
        recovery=recovery,
        started_from=_day_start(date_from),
        started_to=_day_start(date_to, next_day=True),
        limit=limit,
        offset=offset,
    )
    calls = services_of(request).calls.search(filters)
    return CallList(calls=[CallSummary.of(c) for c in calls], limit=limit, offset=offset)


@router.get("/review-queue", response_model=list[CallSummary])
def review_queue(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    agent_id: str | None = None,
    _: Principal = Depends(require(*REVIEWERS)),
) -> list[CallSummary]:
    """Calls routed to human review, riskiest first (failed, then near-fail and undecidable, then audit)."""
    return [CallSummary.of(c) for c in services_of(request).calls.review_queue(limit, agent_id)]


@router.get("/recovery-queue", response_model=list[CallSummary])
def recovery_queue(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    _: Principal = Depends(require(*REVIEWERS)),
) -> list[CallSummary]:
    """Customers to call back (an unresolved threat, or ending the call upset), newest call first."""
    return [CallSummary.of(c) for c in services_of(request).calls.recovery_queue(limit)]


@router.post("/calls/{call_id}/retry", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def retry_call(request: Request, call_id: str, _: Principal = Depends(require(*UPLOADERS))) -> Accepted:
    """Queue a failed call again; a scored call is refused (409)."""
    services = services_of(request)
    call = services.calls.get(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call")
    try:
        reset = retry(services, _dispatcher(request), call)
    except ValueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return Accepted(id=reset.id, status=reset.status, duplicate=False)


@router.get("/scorecards")
def list_scorecards(request: Request, _: Principal = Depends(require(*READERS))) -> dict[str, object]:
    """Every usable scorecard (id@version, language, items) and the files that failed to load."""
    catalog = services_of(request).scorecards
    return {
        "scorecards": [
            {
                "key": key,
                "id": c.id,
                "version": c.version,
                "name": c.name,
                "language": c.language,
                "pass_mark": c.pass_mark,
                "items": [
                    {"id": i.id, "label": i.label, "weight": i.weight, "critical": i.critical}
                    for _, i in c.items()
                ],
            }
            for key, c in sorted(catalog.cards.items())
        ],
        "errors": catalog.errors,
    }


@router.post("/calls/{call_id}/rescore", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def rescore_call(
    request: Request,
    call_id: str,
    scorecard: Annotated[
        str | None, Query(description="id or id@version; default: the call's usual card")
    ] = None,
    _: Principal = Depends(require("admin", "supervisor")),
) -> Accepted:
    """Score a transcribed call again (another card or version) without transcribing it again."""
    services = services_of(request)
    call = services.calls.get(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call")
    if services.calls.transcript(call_id) is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "the call has no transcript yet")
    if scorecard is not None:
        try:
            services.scorecards.get(scorecard)
        except KeyError as error:
            raise HTTPException(422, error.args[0]) from error
    _dispatcher(request).rescore(call_id, scorecard)
    return Accepted(id=call.id, status=call.status, duplicate=False)


def _visible(call: Call | None, who: Principal) -> Call:
    if call is None or not who.may_see(call.agent_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call")
    return call


def _day_start(day: date | None, next_day: bool = False) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time.min, tzinfo=UTC)
