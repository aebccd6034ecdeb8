"""Dispute endpoints: an agent disputes an item of their own call; a supervisor decides.

A refused dispute answers 404 when the agent may not know the call or item exists (not theirs,
not on the card) and 409 when the request is sound but the dispute's or call's state forbids it
now: the window has closed, the item is disputed already, the dispute is decided. A closed window
is 409, not 422: the same body was valid yesterday; nothing in it is malformed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.errors import error_responses
from api.common.params import SAID, RowId
from api.common.refusals import dispute_status
from api.http.routes import MAX_OFFSET, known_query_only, visible_call
from review.disputes import DisputeRefused, DisputeState
from scoring.results import ItemStatus
from services import disputes
from services.access import DISPUTE_DECIDERS, DISPUTERS, Principal
from store.disputes import DisputeFilter
from store.metadata import Clean
from store.tables import Dispute

router = APIRouter(
    responses=error_responses(400, 401, 403, 404, 422), dependencies=[Depends(known_query_only)]
)


def refused(error: DisputeRefused) -> HTTPException:
    return HTTPException(dispute_status(error), str(error))


class DisputeView(BaseModel):
    id: int
    call_id: str
    item_id: str
    agent_id: str
    opened_by: str
    reason: str
    opened_at: datetime
    state: DisputeState
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None
    decided_status: ItemStatus | None = Field(description="the item status the supervisor set by accepting")

    @classmethod
    def of(cls, row: Dispute) -> DisputeView:
        return cls.model_validate(row, from_attributes=True)


class DisputeInput(BaseModel):
    item_id: Annotated[str, Clean] = Field(max_length=100)
    reason: str = Field(max_length=2000, pattern=SAID, description="why the item's result is wrong")


class AcceptInput(BaseModel):
    status: Literal[ItemStatus.PASS, ItemStatus.FAIL, ItemStatus.NA] = Field(
        description="the item's status from now on: pass, fail or na"
    )
    comment: str = Field(
        max_length=2000, pattern=SAID, description="why, for the agent and the call's history"
    )


class RejectInput(BaseModel):
    comment: str = Field(
        max_length=2000, pattern=SAID, description="why, for the agent and the call's history"
    )


@router.post(
    "/calls/{call_id}/disputes",
    response_model=DisputeView,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
)
def open_dispute(
    request: Request,
    call_id: str,
    dispute: Annotated[DisputeInput, Body()],
    who: Principal = Depends(require(*DISPUTERS)),
) -> DisputeView:
    """An agent disputes one item of their own scored call, within the dispute window
    (CALLQA_DISPUTE_WINDOW_DAYS from the call's last scoring or review); once per item."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    try:
        row = disputes.open_dispute(services, call, dispute.item_id, dispute.reason, who.agent_id, who.actor)
    except DisputeRefused as error:
        raise refused(error) from error
    return DisputeView.of(row)


@router.get("/disputes", response_model=list[DisputeView])
def list_disputes(
    request: Request,
    state: DisputeState | None = None,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    call_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    who: Principal = Depends(require(*DISPUTERS, *DISPUTE_DECIDERS)),
) -> list[DisputeView]:
    """Oldest first. Agents get their own disputes whatever `agent_id` says."""
    filters = DisputeFilter(
        state=state, agent_id=who.agent_scope(agent_id), call_id=call_id, limit=limit, offset=offset
    )
    return [DisputeView.of(row) for row in disputes.repository(services_of(request)).search(filters)]


@router.post("/disputes/{dispute_id}/accept", response_model=DisputeView, responses=error_responses(409))
def accept_dispute(
    request: Request,
    dispute_id: RowId,
    decision: Annotated[AcceptInput, Body()],
    who: Principal = Depends(require(*DISPUTE_DECIDERS)),
) -> DisputeView:
    """The status given becomes the item's reviewed status (as an inspector's decision): the
    call's final score follows; the acceptance and the decision are in the call's history."""
    try:
        row = disputes.accept(services_of(request), dispute_id, decision.status, decision.comment, who.actor)
    except DisputeRefused as error:
        raise refused(error) from error
    return DisputeView.of(row)


@router.post("/disputes/{dispute_id}/reject", response_model=DisputeView, responses=error_responses(409))
def reject_dispute(
    request: Request,
    dispute_id: RowId,
    decision: Annotated[RejectInput, Body()],
    who: Principal = Depends(require(*DISPUTE_DECIDERS)),
) -> DisputeView:
    """The score stays as it is; the rejection and its comment are in the call's history."""
    try:
        row = disputes.reject(services_of(request), dispute_id, decision.comment, who.actor)
    except DisputeRefused as error:
        raise refused(error) from error
    return DisputeView.of(row)
