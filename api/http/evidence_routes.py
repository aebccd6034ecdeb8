"""Evidence marks: inspectors correct the machine on words of a call (what calibration learns from).

Reviewers (inspectors, supervisors, admins) mark; every reader of the call reads the marks
(agents and trainers with personal data masked); a mark is removed by its author or by a
supervisor or admin. Each change is an event in the call's history. A mark that does not fit
the call (after its end, an item not on its card, an item that cannot take that kind of mark)
is 422; a call not scored yet is 409 (it may be scored later).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status
from fastapi.responses import Response

from api.common.auth import require, services_of
from api.common.errors import error_responses
from api.common.params import RowId
from api.http.routes import known_query_only, visible_call
from runtime.evidence import EvidenceMark, MarkRequest
from services.access import READERS, REDACTED_ROLES, REVIEWERS, Principal
from services.evidence import MarkRefused, MayNotRemove, NoSuchMark, NotScored, mark, marks_of, remove

router = APIRouter(
    responses=error_responses(400, 401, 403, 404, 422), dependencies=[Depends(known_query_only)]
)


@router.post(
    "/calls/{call_id}/evidence",
    response_model=EvidenceMark,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def add_mark(
    request: Request,
    call_id: str,
    body: Annotated[MarkRequest, Body()],
    who: Principal = Depends(require(*REVIEWERS)),
) -> EvidenceMark:
    """Mark words of the call (times in seconds, one speaker): evidence that an item was done, a
    forbidden phrase the machine missed, a mis-heard word's correction, or a customer turn's
    mood. Tied to the call's current analysis; the transcript and analysis are not changed."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    try:
        return mark(services, call, body, who.actor)
    except NotScored as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    except MarkRefused as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error


@router.get("/calls/{call_id}/evidence", response_model=list[EvidenceMark])
def list_marks(
    request: Request, call_id: str, who: Principal = Depends(require(*READERS))
) -> list[EvidenceMark]:
    """The call's marks, oldest first (masked for agents and trainers)."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    return marks_of(services, call, redacted=who.role in REDACTED_ROLES)


@router.delete(
    "/calls/{call_id}/evidence/{mark_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={204: {"description": "removed (the history keeps what it said)"}},
)
def remove_mark(
    request: Request, call_id: str, mark_id: RowId, who: Principal = Depends(require(*REVIEWERS))
) -> Response:
    """Remove a mark: its author, or a supervisor or admin (403 for other inspectors)."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    try:
        remove(services, call, mark_id, who.role, who.actor)
    except NoSuchMark as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except MayNotRemove as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)
