"""POST /conversations: a transcript or chat log, scored, routed, searched and reported like a call."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse

from api.common.auth import dispatch_of, require, services_of
from api.common.errors import error_response, error_responses
from api.http.routes import known_query_only
from api.http.schemas import Accepted
from services.access import UPLOADERS, Principal
from services.conversations import ConversationIn, NoLanguage, import_conversation
from store.blobs import StorageFullError
from store.tables import CallStatus

router = APIRouter(dependencies=[Depends(known_query_only)], tags=["calls"])


@router.post(
    "/conversations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    response_description="stored and queued for scoring (no transcription: the text is the transcript)",
    responses={
        200: {"model": Accepted, "description": "the same conversation was already imported: its call"},
        **error_responses(400, 401, 403, 413, 422, 507),
    },
)
def import_one(
    request: Request, conversation: ConversationIn, _: Principal = Depends(require(*UPLOADERS))
) -> JSONResponse:
    """Import one conversation: `channel` voice (times required on every turn) or chat (times optional)."""
    services = services_of(request)
    try:
        imported = import_conversation(services, dispatch_of(request), conversation)
    except NoLanguage as error:
        return error_response(422, str(error))
    except StorageFullError as error:
        return error_response(507, error.strerror or "the storage volume is full; nothing was stored")
    call = imported.call
    body = Accepted(id=call.id, status=CallStatus(call.status), duplicate=not imported.created)
    if not imported.created:
        body.message = f"the same conversation was already imported as call {call.id}"
        return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_200_OK)
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
