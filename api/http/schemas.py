"""Response bodies, so /docs shows exactly what each endpoint returns (a call's own views,
`CallSummary` and `CallDetail`, are the call-view service's: services/call_views.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scoring.catalog import ScorecardCatalog
from services.call_views import CallSummary, SamplingView
from store.metadata import CallMetadata
from store.tables import Call, CallStatus, SampleSelection


class Accepted(BaseModel):
    id: str
    status: CallStatus
    duplicate: bool
    failure_reason: str | None = Field(
        default=None, description="a failed call (undecodable audio, or a duplicate of a failed call): why"
    )
    metadata_ignored: list[str] = Field(
        default_factory=list,
        description="a duplicate sent with other metadata than the stored call's: those fields, which "
        "were NOT changed (an admin corrects them with PATCH /calls/{id})",
    )
    message: str | None = Field(default=None, description="what happened, in words, when not plain")


class HistoryEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    item_id: str | None = Field(description="the scorecard item, for a review decision")
    before: dict[str, Any]
    after: dict[str, Any]
    comment: str | None


class CallList(BaseModel):
    calls: list[CallSummary]
    limit: int
    offset: int


class History(BaseModel):
    call_id: str
    events: list[HistoryEvent]


class MetadataCorrection(CallMetadata):
    """The fields to change (a field sent as null is cleared; a field left out is kept)."""

    comment: str | None = Field(default=None, max_length=2000, description="why, for the call's history")


class ScorecardItemInfo(BaseModel):
    id: str
    label: str
    weight: float
    critical: bool


class ScorecardInfo(BaseModel):
    key: str = Field(description="id@version")
    id: str
    version: int
    name: str
    language: str
    pass_mark: float
    items: list[ScorecardItemInfo]


class ScorecardList(BaseModel):
    scorecards: list[ScorecardInfo]
    errors: list[str] = Field(description="card files that failed to load: file:line: field: problem")

    @classmethod
    def of(cls, catalog: ScorecardCatalog) -> ScorecardList:
        return cls(
            scorecards=[
                ScorecardInfo(
                    key=key,
                    id=card.id,
                    version=card.version,
                    name=card.name,
                    language=card.language,
                    pass_mark=card.pass_mark,
                    items=[
                        ScorecardItemInfo(id=i.id, label=i.label, weight=i.weight, critical=i.critical)
                        for _, i in card.items()
                    ],
                )
                for key, card in sorted(catalog.cards.items())
            ],
            errors=catalog.errors,
        )


class QueueEntry(CallSummary):
    """A call of the review queue: why routing sent it (`routing_reasons`) and why the sampling
    rules selected it (`sampling`, null when they did not)."""

    sampling: SamplingView | None

    @classmethod
    def of_row(cls, call: Call, selection: SampleSelection | None) -> QueueEntry:
        return cls(
            **CallSummary.of(call).model_dump(),
            sampling=SamplingView.of(selection) if selection is not None else None,
        )
