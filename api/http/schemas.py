"""Response bodies, so /docs shows exactly what each endpoint returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from asr.transcript import Transcript
from review.queue_reasons import SamplingReason, sampling_reasons
from runtime.results import StoredAnalysis
from scoring.catalog import ScorecardCatalog
from scoring.escalation import Escalation
from scoring.results import Finding, Score, Verdict
from scoring.routing import RoutingDecision, RoutingQueue
from scoring.scorecard import SentimentLabel
from scoring.sentiment import SentimentSummary
from store.metadata import CallMetadata, CallSource, Channel, Direction, Language
from store.tables import Call, CallStatus, SampleSelection


class CallSummary(BaseModel):
    id: str
    status: CallStatus
    failure_reason: str | None
    filename: str
    agent_id: str | None
    agent_name: str | None
    team: str | None
    queue: str | None
    direction: Direction | None
    external_id: str | None
    started_at: datetime | None
    created_at: datetime
    duration_s: float | None
    language: Language | None
    score: float | None
    verdict: Verdict | None
    routing: RoutingQueue | None
    routing_reasons: list[str] | None
    customer_sentiment: SentimentLabel | None
    recovery: bool
    recovery_reasons: list[str] | None
    final_score: float | None = Field(description="the score after review (the inspector's decisions win)")
    final_verdict: Verdict | None = Field(description="the verdict after review; null until reviewed")
    reviewed_at: datetime | None
    source: CallSource = Field(description="`audio`, or `text`: imported as a transcript or chat log")
    channel: Channel
    audio_deleted_at: datetime | None = Field(description="when the retention policy deleted the recording")
    transcript_deleted_at: datetime | None = Field(
        description="when the retention policy deleted the transcript (scores are kept)"
    )

    @classmethod
    def of(cls, call: Call) -> CallSummary:
        return cls(
            id=call.id,
            status=call.status,
            failure_reason=call.failure_reason,
            filename=call.filename,
            agent_id=call.agent_id,
            agent_name=call.agent_name,
            team=call.team,
            queue=call.queue,
            direction=call.direction,
            external_id=call.external_id,
            started_at=call.started_at,
            created_at=call.created_at,
            duration_s=call.duration_s,
            language=call.detected_language or call.language,
            score=call.score_total,
            verdict=call.verdict,
            routing=call.routing_queue,
            routing_reasons=call.routing_reasons,
            customer_sentiment=call.customer_sentiment,
            recovery=bool(call.recovery),
            recovery_reasons=call.recovery_reasons,
            final_score=call.final_score,
            final_verdict=call.final_verdict,
            reviewed_at=call.reviewed_at,
            source=CallSource(call.source),
            channel=Channel(call.channel),
            audio_deleted_at=call.audio_deleted_at,
            transcript_deleted_at=call.transcript_deleted_at,
        )


class SamplingView(BaseModel):
    """Why the sampling rules selected the call for review (review/sampling.py), as stored with
    the day's selection: a call the rules chose may have no routing reason at all."""

    day: date = Field(description="the day (CALLQA_REPORT_TIMEZONE) whose selection took it")
    reasons: list[SamplingReason]
    inclusion_probability: float = Field(description="the chance the rules gave the call of being selected")
    over_capacity: bool = Field(description="selected beyond the day's inspector capacity (new hires' calls)")

    @classmethod
    def of(cls, row: SampleSelection) -> SamplingView:
        return cls(
            day=row.day,
            reasons=sampling_reasons(row.rules, row.reasons),
            inclusion_probability=row.inclusion_probability,
            over_capacity=row.over_capacity,
        )


class CallDetail(CallSummary):
    """A call with its results, each null until the stage that makes it has run."""

    transcript: Transcript | None = None
    findings: list[Finding] | None = None
    scorecard: Score | None = None
    sentiment: SentimentSummary | None = None
    escalation: Escalation | None = None
    routing_decision: RoutingDecision | None = None
    calibration_id: int | None = Field(
        default=None, description="the calibration version the call was scored with (`callqa calibrate`)"
    )
    sampling: SamplingView | None = Field(
        default=None, description="why the sampling rules selected the call for review; null if they did not"
    )

    def with_results(self, transcript: Transcript | None, stored: StoredAnalysis | None) -> CallDetail:
        """This call with its transcript and current analysis, as stored (unredacted)."""
        if stored is None:
            return self.model_copy(update={"transcript": transcript})
        analysis = stored.analysis
        return self.model_copy(
            update={
                "transcript": transcript,
                "findings": analysis.findings,
                "scorecard": analysis.score,
                "sentiment": analysis.sentiment,
                "escalation": analysis.escalation,
                "routing_decision": stored.routing,
                "calibration_id": analysis.calibration_id,
            }
        )


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
