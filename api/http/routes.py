"""The call endpoints.

Every parameter is typed and bounded, so that the OpenAPI schema says exactly what is accepted
and no input reaches the database in a form it cannot take (a 20-digit offset, a date past
9999-12-31); every error is the one `ErrorBody` (api/common/errors.py).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from pydantic.json_schema import SkipJsonSchema

from api.common.auth import dispatch_of, require, services_of
from api.common.days import IsoDay
from api.common.errors import ErrorBody, error_response, error_responses, problems, summary
from api.http.schemas import (
    Accepted,
    CallList,
    History,
    HistoryEvent,
    MetadataCorrection,
    QueueEntry,
    ScorecardList,
)
from review.queue_reasons import REASONS, QueueReason
from runtime.services import Services
from scoring.results import Verdict
from scoring.routing import RoutingQueue
from scoring.scorecard import SentimentLabel
from services import call_views
from services.access import READERS, REVIEWERS, UPLOADERS, Principal
from services.call_views import CallDetail, CallHidden, CallNotVisible, CallSummary
from services.days import day_start
from services.intake import retry, submit_chunks
from services.pipeline import LanguageMismatch, card_for_rescore
from store.blobs import StorageFullError, TooLargeError
from store.calls import CallFilter, metadata_differences
from store.metadata import CallMetadata, Clean, Direction, IsoDateTime, Language, blank_allowed
from store.review_queue import QueueFilter
from store.tables import Call, CallStatus
from store.tokens import Role

log = structlog.get_logger("callqa.api")


async def known_query_only(request: Request) -> None:
    """A misspelt filter (`?stauts=failed`) is refused instead of silently listing every call."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _query_names(route.dependant))
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "unknown parameter", "type": "extra_forbidden"}
                for name in unknown
            ]
        )


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


router = APIRouter(responses=error_responses(400, 401, 422), dependencies=[Depends(known_query_only)])

MAX_OFFSET = 1_000_000_000
"""Far beyond any real listing, and well inside the 64-bit integers both databases take."""

# A form field is absent or has a value; multipart has no null, so the schema does not offer one.
# An empty field means not given, as in the CSV (store/metadata.py: blank_allowed).
Text100 = Annotated[str | SkipJsonSchema[None], Form(max_length=100), Clean]
Text200 = Annotated[str | SkipJsonSchema[None], Form(max_length=200), Clean]
Blankable = Form(json_schema_extra=blank_allowed)


@router.post(
    "/calls",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    response_description="stored and queued; or, when the audio cannot be decoded, stored as a failed call "
    "(`status` failed, `failure_reason` says why; retry it once the file is fixed)",
    responses={
        200: {
            "model": Accepted,
            "description": "the same recording was already submitted: its call, its failure reason if "
            "it failed, and the metadata fields that differ (kept as stored)",
        },
        **error_responses(403, 413, 503, 507),
        422: {
            "model": ErrorBody,
            "description": "bad metadata; nothing was stored",
        },
    },
)
def submit_call(
    request: Request,
    file: Annotated[UploadFile, File(description="the recording (WAV, MP3, FLAC, OGG, M4A...)")],
    agent_id: Text100 = None,
    agent_name: Text200 = None,
    team: Text100 = None,
    queue: Text100 = None,
    direction: Annotated[Direction | SkipJsonSchema[None], Blankable] = None,
    started_at: Annotated[
        IsoDateTime | SkipJsonSchema[None],
        Form(description="ISO 8601; UTC when no zone is given", json_schema_extra=blank_allowed),
    ] = None,
    external_id: Text200 = None,
    language: Annotated[
        Language | SkipJsonSchema[None],
        Form(description="else the queue's, else detected", json_schema_extra=blank_allowed),
    ] = None,
    _: Principal = Depends(require(*UPLOADERS)),
) -> JSONResponse:
    """Store the recording and queue it; answers at once, never waits for transcription."""
    services = services_of(request)
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
        found = problems(error.errors())
        return error_response(422, "bad metadata: " + summary(found), found)
    try:
        submission = submit_chunks(
            services,
            dispatch_of(request),
            iter(lambda: file.file.read(1 << 20), b""),
            file.filename or "upload.bin",
            metadata,
        )
    except TooLargeError as error:
        return error_response(413, str(error))
    except StorageFullError as error:
        log.error("upload refused: the audio volume is full", reason=error.strerror)
        return error_response(507, error.strerror or "the audio volume is full; nothing was stored")
    call = submission.call
    if not submission.created:
        return JSONResponse(
            _duplicate(call, metadata).model_dump(mode="json"), status_code=status.HTTP_200_OK
        )
    body = Accepted(id=call.id, status=CallStatus(call.status), duplicate=False)
    if submission.error:
        body.failure_reason = submission.error
        body.message = f"the recording was kept as failed call {call.id}: {submission.error}"
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)


def _duplicate(call: Call, metadata: CallMetadata) -> Accepted:
    """A re-upload changes nothing, and says so: which metadata it did not take, why it failed."""
    ignored = metadata_differences(call, metadata)
    notes = [f"the same recording was already submitted as call {call.id}"]
    if call.status == CallStatus.FAILED:
        notes.append(f"it failed: {call.failure_reason}; retry it with POST /calls/{call.id}/retry")
    if ignored:
        notes.append(
            f"its stored metadata was kept ({', '.join(ignored)} differ); "
            f"an admin can correct it with PATCH /calls/{call.id}"
        )
    return Accepted(
        id=call.id,
        status=CallStatus(call.status),
        duplicate=True,
        failure_reason=call.failure_reason if call.status == CallStatus.FAILED else None,
        metadata_ignored=ignored,
        message="; ".join(notes),
    )


@router.get("/calls/{call_id}", response_model=CallDetail, responses=error_responses(403, 404))
def get_call(
    request: Request,
    call_id: str,
    redacted: Annotated[
        bool, Query(description="mask card, ID and phone numbers, e-mails, digit runs")
    ] = False,
    who: Principal = Depends(require(*READERS)),
) -> Response:
    """Status, transcript, findings, score and routing of one call. Agents and trainers always get
    the redacted view: they need the conversation, not the caller's card number."""
    try:
        detail = call_views.call_detail(services_of(request), who, call_id, redacted)
    except CallNotVisible as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call") from error
    except CallHidden as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
    # The declared model, written by pydantic-core in one pass: returned as a model, FastAPI would
    # dump it to dicts and validate those again, ~30,000 objects for an hour-long call's words.
    return Response(detail.model_dump_json(), media_type="application/json")


@router.patch("/calls/{call_id}", response_model=CallSummary, responses=error_responses(403, 404))
def correct_metadata(
    request: Request,
    call_id: str,
    correction: Annotated[MetadataCorrection, Body()],
    who: Principal = Depends(require(Role.ADMIN)),
) -> CallSummary:
    """Correct a call's metadata (agent, team, queue, ...); the change goes into the call's history
    with the values before and after. Fields left out are kept; `null` clears one."""
    services = services_of(request)
    if services.calls.get(call_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call")
    changes = CallMetadata.model_validate(correction.model_dump(exclude_unset=True, exclude={"comment"}))
    call = services.calls.update_metadata(call_id, changes, who.actor, correction.comment)
    return CallSummary.of(call)


@router.get("/calls/{call_id}/history", response_model=History, responses=error_responses(404))
def call_history(request: Request, call_id: str, who: Principal = Depends(require(*READERS))) -> History:
    """Every human change to the call, oldest first: who, when, before, after, why."""
    services = services_of(request)
    call = call_with_results(services, who, call_id)
    return History(
        call_id=call.id, events=[HistoryEvent.model_validate(e) for e in services.calls.events(call.id)]
    )


@router.get("/calls", response_model=CallList)
def list_calls(
    request: Request,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    status_: Annotated[CallStatus | None, Query(alias="status")] = None,
    verdict: Verdict | None = None,
    routing: RoutingQueue | None = None,
    customer_sentiment: Annotated[
        SentimentLabel | None, Query(description="the customer's mood at the end")
    ] = None,
    recovery: Annotated[bool | None, Query(description="customer flagged for a call back")] = None,
    date_from: Annotated[IsoDay | None, Query(description="calls started on or after this day (UTC)")] = None,
    date_to: Annotated[IsoDay | None, Query(description="calls started on or before this day (UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    who: Principal = Depends(require(*READERS)),
) -> CallList:
    """Newest first. Agents get their own calls whatever `agent_id` says."""
    filters = CallFilter(
        agent_id=who.agent_scope(agent_id),
        status=status_,
        verdict=verdict,
        routing_queue=routing,
        customer_sentiment=customer_sentiment,
        recovery=recovery,
        started_from=day_start(date_from),
        started_to=day_start(date_to, next_day=True),
        limit=limit,
        offset=offset,
        hidden=call_views.hidden_calls(services_of(request), who),
    )
    calls = services_of(request).calls.search(filters)
    return CallList(calls=[CallSummary.of(c) for c in calls], limit=limit, offset=offset)


@router.get("/review-queue", response_model=list[QueueEntry], responses=error_responses(403))
def review_queue(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    reason: Annotated[
        QueueReason | None,
        Query(description="calls routed, or selected by the sampling rules, for this reason"),
    ] = None,
    who: Principal = Depends(require(*REVIEWERS)),
) -> list[QueueEntry]:
    """Calls routed to human review or selected by the sampling rules, riskiest first (failed,
    then near-fail and undecidable, then audit and sampled), each with why it is there."""
    match = REASONS[reason] if reason is not None else None
    filters = QueueFilter(
        agent_id=agent_id,
        reason_prefix=match.routing_prefix if match else None,
        sampling_rule=match.rule if match else None,
        limit=limit,
        hidden=call_views.hidden_calls(services_of(request), who),
    )
    rows = services_of(request).review_queue.page(filters).rows
    return [QueueEntry.of_row(row.call, row.selection) for row in rows]


@router.get("/recovery-queue", response_model=list[CallSummary], responses=error_responses(403))
def recovery_queue(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    who: Principal = Depends(require(*REVIEWERS)),
) -> list[CallSummary]:
    """Customers to call back (an unresolved threat, or ending the call upset), newest call first."""
    services = services_of(request)
    hidden = call_views.hidden_calls(services, who)
    return [CallSummary.of(c) for c in services.calls.recovery_queue(limit, hidden)]


@router.post(
    "/calls/{call_id}/retry",
    response_model=Accepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(403, 404, 409),
)
def retry_call(request: Request, call_id: str, _: Principal = Depends(require(*UPLOADERS))) -> Accepted:
    """Queue a failed call again; a scored call is refused (409)."""
    services = services_of(request)
    call = services.calls.get(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call")
    try:
        reset = retry(services, dispatch_of(request), call)
    except ValueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return Accepted(id=reset.id, status=CallStatus(reset.status), duplicate=False)


@router.get("/scorecards", response_model=ScorecardList)
def list_scorecards(request: Request, _: Principal = Depends(require(*READERS))) -> ScorecardList:
    """Every usable scorecard (id@version, language, items) and the files that failed to load."""
    return ScorecardList.of(services_of(request).scorecards)


@router.post(
    "/calls/{call_id}/rescore",
    response_model=Accepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(403, 404, 409),
)
def rescore_call(
    request: Request,
    call_id: str,
    scorecard: Annotated[
        str | None, Query(max_length=200, description="id or id@version; default: the call's usual card")
    ] = None,
    force: Annotated[
        bool, Query(description="score with a card of another language than the call's, on purpose")
    ] = False,
    _: Principal = Depends(require(Role.ADMIN, Role.SUPERVISOR)),
) -> Accepted:
    """Score a transcribed call again (another card or version) without transcribing it again.
    A card whose language differs from the call's is refused (422) unless `force` is set."""
    services = services_of(request)
    call = services.calls.get(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call")
    if services.calls.transcript(call_id) is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "the call has no transcript yet")
    try:
        card_for_rescore(services, call, scorecard, force)
    except KeyError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error.args[0])) from error
    except LanguageMismatch as error:
        raise HTTPException(422, str(error)) from error
    dispatch_of(request).rescore(call_id, scorecard)
    return Accepted(id=call.id, status=CallStatus(call.status), duplicate=False)


def visible_call(services: Services, who: Principal, call_id: str) -> Call:
    """The call an endpoint acts on, or the API's 404 for one this token may not see."""
    try:
        return call_views.visible_call(services, who, call_id)
    except CallNotVisible as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such call") from error


def call_with_results(services: Services, who: Principal, call_id: str) -> Call:
    """As `visible_call`, and the 403 of a call this inspector scores blind in a calibration session."""
    call = visible_call(services, who, call_id)
    try:
        return call_views.call_with_results(services, who, call.id)
    except CallHidden as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
