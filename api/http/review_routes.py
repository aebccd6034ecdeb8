"""Review endpoints: an inspector's decision per scorecard item, the score after review, and the
evaluation's lifecycle (completed by an inspector, reopened by a supervisor, acknowledged by the
call's agent).

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
from api.common.params import SAID
from api.http.routes import call_with_results, known_query_only, visible_call
from runtime.services import Services
from scoring.results import ItemStatus, Score
from services.access import DISPUTERS, MANAGERS, REVIEWERS, Principal
from services.evaluations import EvaluationRefused, acknowledge, complete_review, reopen_review
from services.reviewing import NothingToReview, ReviewCompleted, ReviewState, decide, review_state
from store.metadata import Clean
from store.tables import Call, ItemReview

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
    completed_at: datetime | None = Field(description="when the review was completed; null: a draft")
    completed_by: str | None

    @classmethod
    def of(cls, call: Call, state: ReviewState) -> ReviewView:
        return cls(
            call_id=call.id,
            scorecard=state.scorecard_key,
            machine=state.machine,
            final=state.final,
            decisions=[ItemDecisionView.of(row) for row in state.decisions.values()],
            completed_at=call.completed_at,
            completed_by=call.completed_by,
        )


class ReopenInput(BaseModel):
    reason: Annotated[str, Clean] = Field(max_length=2000, pattern=SAID, description="why, for the history")


class Acknowledged(BaseModel):
    call_id: str
    acknowledged_at: datetime


class ItemDecisionInput(BaseModel):
    status: Literal[ItemStatus.PASS, ItemStatus.FAIL, ItemStatus.NA] = Field(description="pass, fail or na")
    comment: Annotated[str | None, Clean] = Field(default=None, max_length=2000)


@router.get("/calls/{call_id}/review", response_model=ReviewView)
def get_review(request: Request, call_id: str, who: Principal = Depends(require(*REVIEWERS))) -> ReviewView:
    """The machine's score, the inspectors' decisions and the score after review."""
    services = services_of(request)
    call = call_with_results(services, who, call_id)
    try:
        return ReviewView.of(call, review_state(services, call))
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
    except ReviewCompleted as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return ReviewView.of(call, state)


@router.post("/calls/{call_id}/review/complete", response_model=ReviewView, responses=error_responses(409))
def complete_call_review(
    request: Request, call_id: str, who: Principal = Depends(require(*REVIEWERS))
) -> ReviewView:
    """Complete the review: every item that applies decided (a confirmation counts) and every
    failed or overridden item explained (as the card asks). The call leaves the review queue, shows
    who reviewed it and when, and its agent may acknowledge or dispute it."""
    services = services_of(request)
    call = call_with_results(services, who, call_id)
    try:
        complete_review(services, call, who.actor)
    except NothingToReview as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except EvaluationRefused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return _review_now(services, who, call_id)


@router.post("/calls/{call_id}/review/reopen", response_model=ReviewView, responses=error_responses(409))
def reopen_call_review(
    request: Request,
    call_id: str,
    body: Annotated[ReopenInput, Body()],
    who: Principal = Depends(require(*MANAGERS)),
) -> ReviewView:
    """Reopen a completed review (why goes into the call's history): it returns to the queue as a
    review in progress, and the agent's acknowledgement is withdrawn."""
    services = services_of(request)
    call = call_with_results(services, who, call_id)
    try:
        reopen_review(services, call, who.actor, body.reason)
    except EvaluationRefused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return _review_now(services, who, call_id)


@router.post("/calls/{call_id}/acknowledge", response_model=Acknowledged, responses=error_responses(409))
def acknowledge_evaluation(
    request: Request, call_id: str, who: Principal = Depends(require(*DISPUTERS))
) -> Acknowledged:
    """The call's agent has read its completed evaluation (they may still dispute an item while
    the dispute window is open)."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    try:
        at = acknowledge(services, call, who)
    except EvaluationRefused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return Acknowledged(call_id=call.id, acknowledged_at=at)


def _review_now(services: Services, who: Principal, call_id: str) -> ReviewView:
    """The review as it is after a change to the whole evaluation (the call row changed too)."""
    call = call_with_results(services, who, call_id)
    return ReviewView.of(call, review_state(services, call))
