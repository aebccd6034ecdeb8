"""Which calls a human inspector hears, which customers a recovery team calls back, and why.

Risky calls are reviewed (failed, close to failing, or something the machine could not
decide). On top of that a random audit sample of the calls that would auto-pass is reviewed,
with its inclusion probability recorded: without it, the pass rate of unreviewed calls could
never be estimated without bias. The draw is a hash of the call id, so it is reproducible
and an agent cannot game it.

Recovery is a separate question from QA: a call can be flawless and still leave a customer who
threatens to leave. Those go to the recovery queue whatever the agent's score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from asr.transcript import TimeSpan
from scoring.escalation import Escalation
from scoring.results import Score, Verdict
from scoring.sentiment import SentimentSummary


class RoutingQueue(StrEnum):
    REVIEW = "review"
    AUTO_PASS = "auto_pass"


class RoutingDecision(BaseModel):
    queue: RoutingQueue
    reasons: list[str] = Field(default_factory=list)
    priority: float = Field(description="higher is reviewed first")
    audit_sample: bool = False
    inclusion_probability: float = Field(description="probability this call was put in front of a human")
    recovery: bool = Field(default=False, description="the customer should be called back")
    recovery_reasons: list[str] = Field(default_factory=list)


def route(
    call_id: str,
    score: Score,
    audit_rate: float,
    sentiment: SentimentSummary | None = None,
    escalation: Escalation | None = None,
    unheard_agent: Sequence[TimeSpan] = (),
    risk_probability: float | None = None,
    mandatory: Sequence[str] = (),
) -> RoutingDecision:
    """`unheard_agent`: where the agent spoke but nothing of theirs was transcribed
    (scoring/unheard.py); such a call is reviewed even if it passes. `risk_probability`: the
    active risk model's P(an inspector fails or changes this call) (models/risk.py); a reviewed
    call's priority is then that probability, the defects a review is expected to find, instead
    of the rules' coarse levels. It orders the queue; which calls enter it stays the rules'.
    `mandatory`: why the sampling rules review every call of this kind (a new hire's first
    days, review/sampling.py), whatever its score."""
    decision = _qa_route(call_id, score, audit_rate, unheard_reasons(unheard_agent), list(mandatory))
    if risk_probability is not None and decision.queue == RoutingQueue.REVIEW:
        decision = decision.model_copy(update={"priority": risk_probability})
    recovery = recovery_reasons(sentiment, escalation)
    return decision.model_copy(update={"recovery": bool(recovery), "recovery_reasons": recovery})


def _qa_route(
    call_id: str, score: Score, audit_rate: float, unheard: list[str], mandatory: list[str]
) -> RoutingDecision:
    reasons = risk_reasons(score) + unheard
    if reasons:
        priority = 1.0 if score.verdict == Verdict.FAIL else 0.5
        return RoutingDecision(
            queue=RoutingQueue.REVIEW,
            reasons=reasons + mandatory,
            priority=priority,
            inclusion_probability=1.0,
        )
    if mandatory:
        return RoutingDecision(
            queue=RoutingQueue.REVIEW, reasons=mandatory, priority=0.1, inclusion_probability=1.0
        )
    if audit_draw(call_id) < audit_rate:
        return RoutingDecision(
            queue=RoutingQueue.REVIEW,
            reasons=[f"random audit sample (rate {audit_rate:.0%})"],
            priority=0.1,
            audit_sample=True,
            inclusion_probability=audit_rate,
        )
    return RoutingDecision(
        queue=RoutingQueue.AUTO_PASS, reasons=[], priority=0.0, inclusion_probability=audit_rate
    )


def recovery_reasons(sentiment: SentimentSummary | None, escalation: Escalation | None) -> list[str]:
    """Why this customer needs a call back: an unresolved threat, or leaving the call upset."""
    reasons: list[str] = []
    if escalation is not None and escalation.risk:
        cues = sorted({c.label for c in escalation.cues if c.category != "repeat_contact"})
        quotes = [f'"{c.quote}"' for c in escalation.cues if c.category != "repeat_contact"][:2]
        reasons.append(f"escalation risk: {', '.join(cues)} ({'; '.join(quotes)})")
    if sentiment is not None and sentiment.customer_end == "negative":
        reasons.append("customer ended the call negative")
    if reasons and escalation is not None and escalation.repeat_contact:
        reasons.append("repeat contact about the same problem")
    return reasons


def risk_reasons(score: Score) -> list[str]:
    reasons = [
        f"{'critical item failed' if i.critical else 'failed'}: {i.label}"
        + (f" ({i.reason})" if i.reason else "")
        for i in sorted(score.failed_items, key=lambda i: (not i.critical, -i.max_points))
    ]
    reasons.extend(f"undecidable: {i.label} ({i.reason})" for i in score.undecidable_items)
    if (
        score.verdict == Verdict.PASS
        and score.total is not None
        and score.total < score.pass_mark + score.review_margin
    ):
        reasons.append(f"near the pass mark: {score.total:.0f} < {score.pass_mark + score.review_margin:.0f}")
    if score.verdict == Verdict.FAIL and not score.failed_items:
        reasons.append("below the pass mark")
    return reasons


def unheard_reasons(spans: Sequence[TimeSpan]) -> list[str]:
    if not spans:
        return []
    times = ", ".join(f"{_clock(span.start)}-{_clock(span.end)}" for span in spans[:3])
    more = f" and {len(spans) - 3} more" if len(spans) > 3 else ""
    return [f"agent speech not transcribed: both talking at {times}{more} (mono recording); listen there"]


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def audit_draw(call_id: str) -> float:
    """A uniform number in [0, 1) fixed by the call id."""
    digest = hashlib.sha256(f"callqa-audit:{call_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
