"""Which calls a human inspector hears, and why.

Risky calls are reviewed (failed, close to failing, or something the machine could not
decide). On top of that a random audit sample of the calls that would auto-pass is reviewed,
with its inclusion probability recorded: without it, the pass rate of unreviewed calls could
never be estimated without bias. The draw is a hash of the call id, so it is reproducible
and an agent cannot game it.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from scoring.results import Score

RoutingQueue = Literal["review", "auto_pass"]


class RoutingDecision(BaseModel):
    queue: RoutingQueue
    reasons: list[str] = Field(default_factory=list)
    priority: float = Field(description="higher is reviewed first")
    audit_sample: bool = False
    inclusion_probability: float = Field(description="probability this call was put in front of a human")


def route(call_id: str, score: Score, audit_rate: float) -> RoutingDecision:
    reasons = risk_reasons(score)
    if reasons:
        priority = 1.0 if score.verdict == "fail" else 0.5
        return RoutingDecision(queue="review", reasons=reasons, priority=priority, inclusion_probability=1.0)
    if audit_draw(call_id) < audit_rate:
        return RoutingDecision(
            queue="review",
            reasons=[f"random audit sample (rate {audit_rate:.0%})"],
            priority=0.1,
            audit_sample=True,
            inclusion_probability=audit_rate,
        )
    return RoutingDecision(queue="auto_pass", reasons=[], priority=0.0, inclusion_probability=audit_rate)


def risk_reasons(score: Score) -> list[str]:
    reasons = [
        f"{'critical item failed' if i.critical else 'failed'}: {i.label}"
        + (f" ({i.reason})" if i.reason else "")
        for i in sorted(score.failed_items, key=lambda i: (not i.critical, -i.max_points))
    ]
    reasons.extend(f"undecidable: {i.label} ({i.reason})" for i in score.undecidable_items)
    if (
        score.verdict == "pass"
        and score.total is not None
        and score.total < score.pass_mark + score.review_margin
    ):
        reasons.append(f"near the pass mark: {score.total:.0f} < {score.pass_mark + score.review_margin:.0f}")
    if score.verdict == "fail" and not score.failed_items:
        reasons.append("below the pass mark")
    return reasons


def audit_draw(call_id: str) -> float:
    """A uniform number in [0, 1) fixed by the call id."""
    digest = hashlib.sha256(f"callqa-audit:{call_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
