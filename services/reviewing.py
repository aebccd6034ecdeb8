"""Inspectors' decisions on a call's items, from the API and the web pages alike.

The machine's analysis is never changed: decisions are stored beside it, and the call's final
score is the card scored again with them (review/final_score.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from review.agreement import Agreement, Pair, agreement_by_item
from review.final_score import HUMAN_STATUSES, ItemDecision, final_score
from runtime.results import StoredAnalysis
from runtime.services import Services
from scoring.results import ItemStatus, Score
from store.db import session_factory
from store.reviews import Decision, ReviewRepository
from store.tables import Call, ItemReview


class NothingToReview(LookupError):
    """The call has no analysis yet, or the item is not on its scorecard."""


class ReviewCompleted(ValueError):
    """The review is completed: its decisions are settled until a supervisor reopens it."""


@dataclass(frozen=True)
class ReviewState:
    analysis_id: int
    scored_at: datetime
    scorecard_key: str
    machine: Score
    final: Score
    decisions: dict[str, ItemReview]


def review_state(services: Services, call: Call, stored: StoredAnalysis | None = None) -> ReviewState:
    """`stored`: the call's current analysis when the caller has read it already."""
    stored = stored or services.results.analysis(call.id)
    if stored is None:
        raise NothingToReview(f"call {call.id} has not been scored yet")
    machine = stored.analysis.score
    decisions = _repository(services).current(call.id, stored.id)
    final = final_score(services.scorecards.get(stored.scorecard_key), machine, as_decisions(decisions))
    return ReviewState(stored.id, stored.created_at, stored.scorecard_key, machine, final, decisions)


def decide(
    services: Services, call: Call, item_id: str, status: ItemStatus, comment: str | None, reviewer: str
) -> ReviewState:
    """Record one decision (pass, fail or na) on an item; returns the state after it. A completed
    review is not changed item by item: a supervisor reopens it first (an accepted dispute is the
    other way, services/disputes.py)."""
    if call.completed_at is not None:
        raise ReviewCompleted(
            f"the review was completed by {call.completed_by}: a supervisor reopens it to change it"
        )
    decision, final = planned_decision(services, call, item_id, status, comment, reviewer)
    _repository(services).record(decision, final.total, final.verdict)
    return review_state(services, call)


def planned_decision(
    services: Services, call: Call, item_id: str, status: ItemStatus, comment: str | None, reviewer: str
) -> tuple[Decision, Score]:
    """The decision to record and the final score it gives, not yet written: `decide` writes it
    alone, an accepted dispute (services/disputes.py) writes it with the dispute's own change."""
    if status not in HUMAN_STATUSES:
        raise ValueError(f"an inspector decides pass, fail or na, not {status!r}")
    state = review_state(services, call)
    machine_item = next((item for item in state.machine.items if item.item_id == item_id), None)
    if machine_item is None:
        raise NothingToReview(f"item {item_id!r} is not on scorecard {state.scorecard_key}")
    before = state.decisions.get(item_id)
    decision = Decision(
        call_id=call.id,
        analysis_id=state.analysis_id,
        item_id=item_id,
        machine_status=machine_item.status,
        before=before.status if before is not None else machine_item.status,
        status=status,
        comment=comment,
        reviewer=reviewer,
    )
    decisions = {**as_decisions(state.decisions), item_id: ItemDecision(status, reviewer, comment)}
    return decision, final_score(services.scorecards.get(state.scorecard_key), state.machine, decisions)


def as_decisions(rows: dict[str, ItemReview]) -> dict[str, ItemDecision]:
    return {
        item_id: ItemDecision(status=ItemStatus(row.status), reviewer=row.reviewer, comment=row.comment)
        for item_id, row in rows.items()
    }


def _repository(services: Services) -> ReviewRepository:
    return ReviewRepository(session_factory(services.engine))


@dataclass(frozen=True)
class AgreementFigures:
    items: list[Agreement]
    """Per `card/item`, then `all` over every reviewed item."""
    inspectors: list[Agreement]
    """Per inspector (`item` names who decided, as decisions record them): how often each kept
    the machine's status. One far below the others is a calibration-session topic: either the
    machine errs on their calls or they read the card differently."""


def machine_agreement(
    services: Services,
    scorecard_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AgreementFigures:
    """The machine against the inspectors' newest decisions, per `card/item` and per inspector."""
    reviewed = _repository(services).reviewed_items(scorecard_id, since, until)
    by_item = agreement_by_item(
        Pair(f"{row.scorecard_key.split('@')[0]}/{row.item_id}", row.machine_status, row.status)
        for row in reviewed
    )
    by_inspector = agreement_by_item(Pair(row.reviewer, row.machine_status, row.status) for row in reviewed)
    return AgreementFigures(items=by_item, inspectors=by_inspector[:-1])
