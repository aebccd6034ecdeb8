"""Review endpoints: an inspector's decision per scorecard item, and the score after review.

The machine's result is kept beside the inspector's; both are returned, and the call's
`final_score` / `final_verdict` follow the decisions (the human decision wins).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.errors import error_responses
from api.http.routes import call_with_results, known_query_only
from scoring.results import ItemStatus, Score
from services.access import REVIEWERS, Principal
from services.reviewing import NothingToReview, ReviewState, decide, review_state
from store.metadata import Clean
from store.tables import ItemReview

router = APIRouter(
    responses=error_responses(400, 401, 403, 404, 422), dependencies=[Depends(known_query_only)]
)


class ItemDecisionView(BaseModel):
    item_id: str
    machine_status: ItemStatus = Field(description="what the machine decided")
    status: ItemStatus = Field(description="what the inspector decided: pass, fail or na")
    comment: str | None
    reviewer: str
    at: datetime

    @classmethod
    def of(cls, row: ItemReview) -> ItemDecisionView:
        return cls.model_validate(row, from_attributes=True)


class ReviewView(BaseModel):
    call_id: str
    scorecard: str = Field(description="id@version of the card reviewed")
    machine: Score = Field(description="the machine's score, as it was")
    final: Score = Field(description="the score with the inspectors' decisions (the human decision wins)")
    decisions: list[ItemDecisionView]

    @classmethod
    def of(cls, call_id: str, state: ReviewState) -> ReviewView:
        return cls(
            call_id=call_id,
            scorecard=state.scorecard_key,
            machine=state.machine,
            final=state.final,
            decisions=[ItemDecisionView.of(row) for row in state.decisions.values()],
        )


class ItemDecisionInput(BaseModel):
    status: Literal[ItemStatus.PASS, ItemStatus.FAIL, ItemStatus.NA] = Field(description="pass, fail or na")
    comment: Annotated[str | None, Clean] = Field(default=None, max_length=2000)


@router.get("/calls/{call_id}/review", response_model=ReviewView)
def get_review(request: Request, call_id: str, who: Principal = Depends(require(*REVIEWERS))) -> ReviewView:
    """The machine's score, the inspectors' decisions and the score after review."""
    services = services_of(request)
    call = call_with_results(services, who, call_id)
    try:
        return ReviewView.of(call.id, review_state(services, call))
    except NothingToReview as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.put("/calls/{call_id}/review/items/{item_id}", response_model=ReviewView)
def review_item(
    request: Request,
    call_id: str,
    item_id: str,
    decision: Annotated[ItemDecisionInput, Body()],
    who: Principal = Depends(require(*REVIEWERS)),
) -> ReviewView:
    """Confirm or override one item (pass / fail / na) with a comment; recorded in the call's
    history, and the call's final score follows."""
    services = services_of(request)
    call = call_with_results(services, who, call_id)
    try:
        state = decide(services, call, item_id, decision.status, decision.comment, who.actor)
    except NothingToReview as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    return ReviewView.of(call.id, state)
