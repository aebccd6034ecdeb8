"""Agents' disputes, as rules: who may dispute which item, until when, and what a decision does.

An agent contests one item of their own scored call with a reason, within a window; a
supervisor accepts it, setting the item's status (pass, fail or N/A), or rejects it. An accepted
dispute is an item decision like an inspector's (review/final_score.py), so the final score
follows by the same rule; a rejected one leaves the score as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from review.final_score import HUMAN_STATUSES
from scoring.results import ItemStatus


class DisputeState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class DisputeWindow:
    """How long an agent may dispute a call's result: `days` from the result's last change.

    The window exists because scores feed coaching and reports, which need results that are
    settled after a while. It runs from the later of when the call was scored and when it was last
    reviewed, not from scoring alone: the agent contests the result they are shown, and an
    inspector who fails an item on day 10 has given a new result that deserves its full window
    too. (A supervisor's accepted dispute is such a review, so it reopens the window for the
    call's other items, not for the item it settled: see `refusal`.)
    """

    days: int = 7

    def closes_at(self, scored_at: datetime, reviewed_at: datetime | None = None) -> datetime:
        changed = max(scored_at, reviewed_at) if reviewed_at is not None else scored_at
        return changed + timedelta(days=self.days)


class Refusal(StrEnum):
    """Why a dispute cannot be opened or decided (the API maps each to its status code)."""

    NOT_YOURS = "not_yours"
    NO_SUCH_ITEM = "no_such_item"
    NO_SUCH_DISPUTE = "no_such_dispute"
    NOT_SCORED = "not_scored"
    WINDOW_CLOSED = "window_closed"
    ALREADY_DISPUTED = "already_disputed"
    NOT_OPEN = "not_open"
    RESCORED = "rescored"


class DisputeRefused(Exception):
    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal


@dataclass(frozen=True)
class DisputeRequest:
    """What the rules need to know about one agent's wish to dispute one item."""

    agent_id: str | None
    call_agent_id: str | None
    item_status: ItemStatus | None
    """The item's status in the call's current result (after review); None: not on the card."""
    already_disputed: bool
    closes_at: datetime
    now: datetime


def refusal(request: DisputeRequest) -> DisputeRefused | None:
    """None when the agent may open this dispute, else why not.

    One dispute per item per scoring: an open one waits for its decision, and a decided one has
    settled the item (disputing the decision again would let a dispute go on forever); a re-score
    is a new result and may be disputed afresh. An undecidable item has no result yet to contest:
    an inspector decides it first.
    """
    if request.agent_id is None or request.agent_id != request.call_agent_id:
        return DisputeRefused(Refusal.NOT_YOURS, "no such call, or not one of yours")
    if request.item_status is None:
        return DisputeRefused(Refusal.NO_SUCH_ITEM, "the item is not on this call's scorecard")
    if request.item_status not in HUMAN_STATUSES:
        return DisputeRefused(
            Refusal.NOT_SCORED, "the item is not decided yet: an inspector decides it first"
        )
    if request.already_disputed:
        return DisputeRefused(Refusal.ALREADY_DISPUTED, "this item is already disputed on this scoring")
    if request.now >= request.closes_at:
        return DisputeRefused(
            Refusal.WINDOW_CLOSED, f"the dispute window closed at {request.closes_at:%Y-%m-%d %H:%M} UTC"
        )
    return None


def accepted_status(status: ItemStatus) -> ItemStatus:
    """The status a supervisor sets by accepting: pass, fail or N/A, as an inspector decides."""
    if status not in HUMAN_STATUSES:
        raise ValueError(f"a supervisor accepts with pass, fail or na, not {status!r}")
    return ItemStatus(status)
