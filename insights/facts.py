"""One scored call as reports and alert rules see it: the few figures they aggregate.

Built once per call from its metadata, its current analysis and its routing (services/insights.py
reads them), so every rule works on the same typed record instead of re-reading analysis JSON.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models.sentiment import SentimentLabel
from scoring.pii import mask_text, phone_region
from scoring.results import Analysis, ItemResult, ItemStatus, Verdict
from scoring.routing import RoutingDecision, RoutingQueue


class Moment(BaseModel):
    """Where in the call an item's first evidence is: what a trainer plays."""

    model_config = ConfigDict(frozen=True)

    start: float
    end: float
    quote: str = Field(
        default="",
        description="what was said there, personal data masked for every reader (it leaves the call page)",
    )


class ItemFact(BaseModel):
    model_config = ConfigDict(frozen=True)

    item_id: str
    label: str
    status: ItemStatus
    """The final status: an inspector's decision where there is one, else the machine's."""
    reviewed: bool = False
    """An inspector decided it (kept or overrode the machine's status)."""
    moment: Moment | None = None


class CallFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    call_id: str
    agent_id: str | None
    team: str | None
    queue: str | None
    started_at: datetime
    """When the call took place (the upload time where the recorder gave none)."""
    scored_at: datetime
    score: float | None
    verdict: Verdict
    final_verdict: Verdict | None
    """After an inspector's review; None while unreviewed."""
    audit_sample: bool
    """Drawn at random for review: the unbiased sample an audited pass rate is estimated from."""
    routed_review: bool
    recovery: bool
    recovery_handled: bool
    dead_air_s: float | None
    customer_end: SentimentLabel | None
    customer_start: SentimentLabel | None = None
    repeat_contact: bool = False
    """The customer said they had called about it before: not a first-contact resolution."""
    items: tuple[ItemFact, ...]

    @property
    def reviewed(self) -> bool:
        """A person reviewed the call: its verdict after review, or a decision on any item."""
        return self.final_verdict is not None or any(item.reviewed for item in self.items)

    @property
    def failed_items(self) -> list[ItemFact]:
        return [item for item in self.items if item.status == ItemStatus.FAIL]


class CallMeta(BaseModel):
    """What the call's row says about it (who, where, when, and what people did since)."""

    call_id: str
    agent_id: str | None
    team: str | None
    queue: str | None
    started_at: datetime
    scored_at: datetime
    final_verdict: Verdict | None
    recovery_handled: bool
    language: str | None = None
    decisions: dict[str, ItemStatus] = Field(default_factory=dict)
    """Inspectors' newest status per item of the current analysis: they win over the machine's."""


def call_facts(meta: CallMeta, analysis: Analysis, routing: RoutingDecision) -> CallFacts:
    """The final item statuses (inspectors' decisions win), the routing, the dead air and the
    customer's mood at the end."""
    region = phone_region(meta.language)
    return CallFacts(
        **meta.model_dump(exclude={"decisions"}),
        score=analysis.score.total,
        verdict=analysis.score.verdict,
        audit_sample=routing.audit_sample,
        routed_review=routing.queue == RoutingQueue.REVIEW,
        recovery=routing.recovery,
        dead_air_s=analysis.stats.silence_seconds if analysis.stats else None,
        customer_end=analysis.sentiment.customer_end if analysis.sentiment else None,
        customer_start=analysis.sentiment.customer_start if analysis.sentiment else None,
        repeat_contact=analysis.escalation.repeat_contact if analysis.escalation else False,
        items=tuple(_item(item, region, meta.decisions.get(item.item_id)) for item in analysis.score.items),
    )


def _item(item: ItemResult, region: str, decided: ItemStatus | None) -> ItemFact:
    first = item.evidence[0] if item.evidence else None
    moment = (
        Moment(start=first.start, end=first.end, quote=mask_text(first.quote, region))
        if first is not None
        else None
    )
    return ItemFact(
        item_id=item.item_id,
        label=item.label,
        status=item.status if decided is None else decided,
        reviewed=decided is not None,
        moment=moment,
    )


class Example(BaseModel):
    """A call to learn from, at the moment that shows the item (None: no evidence to point at)."""

    call_id: str
    agent_id: str | None
    score: float | None
    started_at: datetime
    moment: Moment | None


def example(call: CallFacts, item: ItemFact | None = None) -> Example:
    return Example(
        call_id=call.call_id,
        agent_id=call.agent_id,
        score=call.score,
        started_at=call.started_at,
        moment=item.moment if item is not None else None,
    )
