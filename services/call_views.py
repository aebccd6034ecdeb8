"""Opening a call for a reader: who may see it, what a blind calibration hides, what is masked.

The API's call detail, the call page and every route or page that acts on one call go through
here, so the rule of who sees what is written once: agents see their own calls only; an
inspector scoring a call blind in a calibration session does not see the machine's result until
they submit; agents and trainers read personal data masked.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from asr.transcript import Transcript
from review.queue_reasons import SamplingReason, sampling_reasons
from runtime.results import StoredAnalysis
from runtime.services import Services
from scoring.escalation import Escalation
from scoring.results import Finding, Score, Verdict
from scoring.routing import RoutingDecision, RoutingQueue
from scoring.scorecard import SentimentLabel
from scoring.sentiment import SentimentSummary
from services.access import Principal
from services.calibration_sessions import blind_refusal
from services.calibration_sessions import repository as sessions_repository
from services.redaction import redact_detail
from store.metadata import CallSource, Channel, Direction, Language
from store.tables import Call, CallStatus, SampleSelection
from store.tokens import Role


class CallNotVisible(LookupError):
    """No such call, or not one this reader may see: the two read alike, so a reader cannot
    learn which calls exist beyond their own."""


class CallHidden(PermissionError):
    """The reader may see the call but not its results yet (blind calibration); says why."""


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
    completed_at: datetime | None = Field(
        default=None, description="when an inspector completed the review; null while a draft"
    )
    completed_by: str | None = Field(default=None, description="who completed the review")
    acknowledged_at: datetime | None = Field(
        default=None, description="when the call's agent acknowledged the completed evaluation"
    )
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
            completed_at=call.completed_at,
            completed_by=call.completed_by,
            acknowledged_at=call.acknowledged_at,
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


def visible_call(services: Services, who: Principal, call_id: str) -> Call:
    """The call, if `who` may see it at all."""
    call = services.calls.get(call_id)
    if call is None or not who.may_see(call.agent_id):
        raise CallNotVisible(call_id)
    return call


def call_with_results(services: Services, who: Principal, call_id: str) -> Call:
    """The call, if `who` may also see its machine and human results (not while they score it blind
    in a calibration session): what the detail, the review and the history show."""
    call = visible_call(services, who, call_id)
    if refusal := blind_refusal(services, who.role, who.holder, call.id):
        raise CallHidden(refusal)
    return call


def hidden_calls(services: Services, who: Principal) -> frozenset[str]:
    """The calls a listing leaves out for `who`: those an inspector scores blind in an open
    calibration session until they submit (queue, call list and search would show their results)."""
    if who.role != Role.INSPECTOR:
        return frozenset()
    return sessions_repository(services).blind_calls(who.holder)


def open_call(
    services: Services, who: Principal, call_id: str, redacted: bool = False
) -> tuple[Call, StoredAnalysis | None, CallDetail]:
    """A call with its results as `who` may read them (masked when asked for, or always for the
    roles that read masked text); the stored analysis comes back masked alike."""
    call = call_with_results(services, who, call_id)
    stored = services.results.analysis(call.id)
    return call, stored, detail_of(services, call, stored, redacted or who.redacted)


def call_detail(services: Services, who: Principal, call_id: str, redacted: bool = False) -> CallDetail:
    """`GET /calls/{id}`: the call page's detail, as the API returns it."""
    return open_call(services, who, call_id, redacted)[2]


def detail_of(services: Services, call: Call, stored: StoredAnalysis | None, redacted: bool) -> CallDetail:
    """A call with its results (`redacted`: personal data masked everywhere it appears, in
    `stored` itself too, which the detail shares)."""
    selection = services.selections.of_call(call.id)
    detail = CallDetail(
        **CallSummary.of(call).model_dump(),
        sampling=SamplingView.of(selection) if selection is not None else None,
    ).with_results(services.results.transcript(call.id), stored)
    if redacted:
        redact_detail(detail, stored.analysis.redaction if stored is not None else None)
    return detail
