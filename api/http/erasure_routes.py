"""Erasure on request over HTTP (`POST /erasures`, `GET /erasures`), for admins only.

A data-protection request usually arrives through a ticketing system, not a shell on the server,
so the same erasure `callqa erase` does is offered here: preview with `dry_run`, then erase. The
answer and the log name the calls by callqa's ids only; the external id, agent id or phone number
asked for is kept as its SHA-256 (`store.lifecycle.digest`), so "was X erased?" can be answered
by hashing X again.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.errors import error_response, error_responses
from api.http.routes import known_query_only
from services.access import Principal
from services.lifecycle import NothingToErase, calls_to_erase, e164, erase, repository
from store.lifecycle import Selector, digest
from store.tables import Erasure
from store.tokens import Role

router = APIRouter(dependencies=[Depends(known_query_only)], tags=["data lifecycle"])


class ErasureRequest(BaseModel):
    selector: Selector = Field(description="how `value` names the calls")
    value: str = Field(
        min_length=1,
        max_length=300,
        description="the external id, the agent id, or a phone number the customer said (any format)",
    )
    reason: str | None = Field(default=None, max_length=2000, description="for the log, e.g. the ticket")
    dry_run: bool = Field(default=False, description="list the calls it would erase; erase nothing")


class ErasureOut(BaseModel):
    id: int | None = Field(description="the erasure's number in the log; null for a dry run")
    dry_run: bool
    selector: Selector
    selector_sha256: str = Field(description="SHA-256 of the value asked for; the value itself is not kept")
    call_ids: list[str] = Field(description="callqa's ids of the calls erased (or that would be)")
    audio_files: int | None = Field(description="recordings deleted; null for a dry run")
    requested_by: str
    reason: str | None
    created_at: datetime | None = Field(description="when it was carried out; null for a dry run")

    @classmethod
    def of(cls, record: Erasure) -> ErasureOut:
        return cls(
            id=record.id,
            dry_run=False,
            selector=Selector(record.selector),
            selector_sha256=record.selector_sha256,
            call_ids=record.call_ids,
            audio_files=record.audio_files,
            requested_by=record.requested_by,
            reason=record.reason,
            created_at=record.created_at,
        )


@router.post(
    "/erasures",
    response_model=ErasureOut,
    responses=error_responses(400, 401, 403, 404, 422),
    response_description="the calls erased (or, with dry_run, that would be)",
)
def erase_calls(
    request: Request, body: ErasureRequest, principal: Principal = Depends(require(Role.ADMIN))
) -> ErasureOut | JSONResponse:
    """Erase every call the value names, with its recording, transcript, scores, reviews, disputes
    and events; 404 when no stored call matches (nothing is changed)."""
    services = services_of(request)
    value = body.value.strip()
    try:
        if body.selector == Selector.PHONE:
            value = e164(value)
        if body.dry_run:
            found = calls_to_erase(services, body.selector, value)
            if not found:
                raise NothingToErase(f"no stored call has that {body.selector.value.replace('_', ' ')}")
            return ErasureOut(
                id=None,
                dry_run=True,
                selector=body.selector,
                selector_sha256=digest(value),
                call_ids=found,
                audio_files=None,
                requested_by=principal.actor,
                reason=body.reason,
                created_at=None,
            )
        return ErasureOut.of(erase(services, body.selector, value, actor=principal.actor, reason=body.reason))
    except ValueError as error:
        return error_response(422, f"value: {error}")
    except NothingToErase as error:
        return error_response(404, f"{error}; nothing was erased")


@router.get("/erasures", response_model=list[ErasureOut], responses=error_responses(401, 403))
def erasure_log(request: Request, _: Principal = Depends(require(Role.ADMIN))) -> list[ErasureOut]:
    """Every erasure carried out, oldest first: who, when, why, which calls; never the values asked for."""
    return [ErasureOut.of(record) for record in repository(services_of(request)).erasures()]
