"""Agents' disputes against the stored call: opening one, and a supervisor accepting or rejecting it.

The rules are review/disputes.py's; this module gives them the call's result, its window and
its disputes. Accepting goes through the inspectors' own decision path (`planned_decision`), so
the final score follows from an accepted dispute exactly as from an inspector's decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from review.disputes import (
    DisputeRefused,
    DisputeRequest,
    DisputeState,
    DisputeWindow,
    Refusal,
    accepted_status,
    refusal,
)
from runtime.services import Services
from scoring.results import ItemStatus
from services.reviewing import NothingToReview, ReviewState, planned_decision, review_state
from store.db import session_factory
from store.disputes import AlreadyDisputed, DisputeRepository, NewDispute, NotOpen
from store.tables import Call, Dispute


@dataclass(frozen=True)
class CallDisputes:
    """A call's disputes as its page shows them."""

    disputes: dict[str, Dispute] = field(default_factory=dict)
    """By item (one per item per scoring)."""
    closes_at: datetime | None = None
    """When the window closes; None for a call not scored yet."""
    disputable: frozenset[str] = frozenset()
    """The items the call's agent may dispute now."""


def repository(services: Services) -> DisputeRepository:
    return DisputeRepository(session_factory(services.engine))


def window(services: Services) -> DisputeWindow:
    return DisputeWindow(days=services.settings.dispute_window_days)


def call_disputes(services: Services, call: Call, review: ReviewState | None) -> CallDisputes:
    if review is None:
        return CallDisputes()
    rows = repository(services).for_analysis(review.analysis_id)
    closes_at = window(services).closes_at(review.scored_at, _settled_at(call))
    disputable = frozenset(
        item.item_id
        for item in review.final.items
        if refusal(_request(call, call.agent_id, item.status, item.item_id in rows, closes_at)) is None
    )
    return CallDisputes(rows, closes_at, disputable)


def open_dispute(
    services: Services, call: Call, item_id: str, reason: str, agent_id: str | None, actor: str
) -> Dispute:
    """An agent disputes one item of their own call; refused (`DisputeRefused`) as the rules say."""
    try:
        review = review_state(services, call)
    except NothingToReview as error:
        raise DisputeRefused(Refusal.NOT_SCORED, str(error)) from error
    status = next((item.status for item in review.final.items if item.item_id == item_id), None)
    disputes = repository(services)
    disputed = item_id in disputes.for_analysis(review.analysis_id)
    closes_at = window(services).closes_at(review.scored_at, _settled_at(call))
    refused = refusal(_request(call, agent_id, status, disputed, closes_at))
    if refused is not None:
        raise refused
    assert agent_id is not None and status is not None  # what `refusal` checked
    new = NewDispute(call.id, review.analysis_id, item_id, agent_id, actor, reason, status)
    try:
        return disputes.open(new)
    except AlreadyDisputed as error:
        raise DisputeRefused(Refusal.ALREADY_DISPUTED, str(error)) from error


def accept(services: Services, dispute_id: int, status: ItemStatus, comment: str, supervisor: str) -> Dispute:
    """The supervisor's status becomes the item's reviewed status, and the final score follows."""
    dispute, call = _open_dispute(services, dispute_id)
    try:
        review = review_state(services, call)
    except NothingToReview as error:
        raise DisputeRefused(Refusal.RESCORED, str(error)) from error
    if review.analysis_id != dispute.analysis_id:
        raise DisputeRefused(Refusal.RESCORED, "the call was scored again since: reject this dispute")
    decision, final = planned_decision(
        services, call, dispute.item_id, accepted_status(status), comment, supervisor
    )
    try:
        return repository(services).accept(dispute_id, decision, final.total, final.verdict)
    except NotOpen as error:
        raise DisputeRefused(Refusal.NOT_OPEN, str(error)) from error


def reject(services: Services, dispute_id: int, comment: str, supervisor: str) -> Dispute:
    """The score stays as it is; the rejection and its comment are in the call's history."""
    _open_dispute(services, dispute_id)
    try:
        return repository(services).reject(dispute_id, supervisor, comment)
    except NotOpen as error:
        raise DisputeRefused(Refusal.NOT_OPEN, str(error)) from error


def _open_dispute(services: Services, dispute_id: int) -> tuple[Dispute, Call]:
    dispute = repository(services).get(dispute_id)
    call = services.calls.get(dispute.call_id) if dispute is not None else None
    if dispute is None or call is None:
        raise DisputeRefused(Refusal.NO_SUCH_DISPUTE, f"no dispute {dispute_id}")
    if dispute.state != DisputeState.OPEN:
        raise DisputeRefused(Refusal.NOT_OPEN, f"dispute {dispute_id} was {dispute.state} already")
    return dispute, call


def _request(
    call: Call, agent_id: str | None, status: ItemStatus | None, disputed: bool, closes_at: datetime
) -> DisputeRequest:
    return DisputeRequest(
        agent_id=agent_id,
        call_agent_id=call.agent_id,
        item_status=status,
        already_disputed=disputed,
        closes_at=closes_at,
        now=datetime.now(UTC),
    )


def _settled_at(call: Call) -> datetime | None:
    """When the result the agent is shown last changed: a decision, or the review's completion."""
    return max((at for at in (call.reviewed_at, call.completed_at) if at is not None), default=None)
