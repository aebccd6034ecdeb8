"""Why a call is in the review queue, as reviewers filter and read it.

A call enters the queue for what routing found as it was scored (scoring/routing.py writes those
reasons), or because a sampling rule selected it once its day was over (review/sampling.py keeps
those with the selection). Reviewers ask one question of both, "why is this call here?", so the
queue's reason filter is one set of values (`QueueReason`) that each names where it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from review.sampling import SelectionRule


class QueueReason(StrEnum):
    CRITICAL = "critical"
    FAILED = "failed"
    BELOW = "below"
    NEAR = "near"
    UNDECIDABLE = "undecidable"
    UNHEARD = "unheard"
    AUDIT = "audit"
    NEW_HIRE = "new_hire"
    WEEKLY_MINIMUM = "weekly_minimum"
    TIME_SLOT = "time_slot"


@dataclass(frozen=True)
class ReasonMatch:
    """Where one reason is written: a call has it when routing wrote a reason starting with
    `routing_prefix`, or when the sampling rule `rule` selected it."""

    label: str
    routing_prefix: str | None = None
    rule: SelectionRule | None = None


REASONS: dict[QueueReason, ReasonMatch] = {
    QueueReason.CRITICAL: ReasonMatch("a critical item failed", "critical item failed"),
    QueueReason.FAILED: ReasonMatch("an item failed", "failed:"),
    QueueReason.BELOW: ReasonMatch("below the pass mark", "below the pass mark"),
    QueueReason.NEAR: ReasonMatch("near the pass mark", "near the pass mark"),
    QueueReason.UNDECIDABLE: ReasonMatch("an item was undecidable", "undecidable:"),
    QueueReason.UNHEARD: ReasonMatch("agent speech not transcribed", "agent speech not transcribed"),
    QueueReason.AUDIT: ReasonMatch("random audit", "random audit sample", SelectionRule.AUDIT),
    QueueReason.NEW_HIRE: ReasonMatch("new hire's first days", "new hire:", SelectionRule.NEW_HIRE),
    QueueReason.WEEKLY_MINIMUM: ReasonMatch("weekly minimum per agent", rule=SelectionRule.WEEKLY_MINIMUM),
    QueueReason.TIME_SLOT: ReasonMatch("spread over the day's time slots", rule=SelectionRule.TIME_SLOT),
}
"""Every reason the filter offers. The sampling rule `risk` has none of its own: the calls it
takes are the flagged ones, whose routing reasons (failed, near the pass mark...) filter them."""


class SamplingReason(BaseModel):
    """One sampling rule that selected the call, and its reason as stored with the selection."""

    rule: SelectionRule
    reason: str = Field(description="e.g. `weekly minimum of 3 for agent A1: 2 of the day's 5 calls`")


def sampling_reasons(rules: Sequence[str], reasons: Sequence[str]) -> list[SamplingReason]:
    """A stored selection's parallel lists (store/sampling.py) as typed reasons."""
    return [
        SamplingReason(rule=SelectionRule(rule), reason=reason)
        for rule, reason in zip(rules, reasons, strict=True)
    ]


def not_said_by_routing(
    sampled: Sequence[SamplingReason], routing_reasons: Sequence[str]
) -> list[SamplingReason]:
    """The sampling reasons a reader does not already see among routing's: a new hire's call and
    an audit draw are said by routing as the call is scored, and again by the day's selection."""
    said = {
        match.rule
        for match in REASONS.values()
        if match.rule is not None
        and match.routing_prefix is not None
        and any(reason.startswith(match.routing_prefix) for reason in routing_reasons)
    }
    return [reason for reason in sampled if reason.rule not in said]
