"""What operations watch: calls by status, queues, stage timings, failures; for /metrics and `callqa status`.

Everything is read from the database and the broker at the moment it is asked for, so any API
process reports the whole deployment (every worker on every host), not only itself.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from runtime.services import Services
from services.dispatch import Dispatch
from store.calls import review_queue_query
from store.db import session_factory
from store.heartbeats import HEARTBEAT, HeartbeatRepository
from store.stage_timings import Histogram, StageTimings
from store.tables import Call, CallStatus


class FailureKind(StrEnum):
    """Why calls failed, in few enough kinds to be a metric's label (the reasons themselves name
    files and errors; they are one query away: `callqa show`, `GET /calls?status=failed`)."""

    AUDIO = "audio"
    ASR_MODEL = "asr_model"
    TRANSCRIBING = "transcribing"
    SCORING = "scoring"
    OTHER = "other"


REASON_PREFIXES = (
    ("audio:", FailureKind.AUDIO),
    ("ASR model:", FailureKind.ASR_MODEL),
    ("internal error while transcribing", FailureKind.TRANSCRIBING),
    ("internal error while scoring", FailureKind.SCORING),
)
"""The prefixes services/pipeline.py writes its failure reasons with."""


def failure_kind(reason: str | None) -> FailureKind:
    for prefix, kind in REASON_PREFIXES:
        if (reason or "").startswith(prefix):
            return kind
    return FailureKind.OTHER


class HistogramView(BaseModel):
    name: str
    buckets: list[tuple[float, int]] = Field(description="(upper bound, cumulative count); the last is +Inf")
    count: int
    total: float


class OperationalStatus(BaseModel):
    calls_by_status: dict[CallStatus, int]
    failures_by_kind: dict[FailureKind, int]
    broker_queues: dict[str, int] | None = Field(description="messages waiting per queue; null: broker down")
    review_queue: int = Field(description="calls waiting for an inspector (review not completed)")
    recovery_queue: int = Field(description="unhappy customers routed to a call-back")
    live_workers: int
    histograms: list[HistogramView]


def operational_status(services: Services, dispatch: Dispatch) -> OperationalStatus:
    """`dispatch` answers for the broker: its queues' depths, or None when it is down."""
    sessions = session_factory(services.engine)
    with sessions() as session:
        counts = dict(session.execute(select(Call.status, func.count()).group_by(Call.status)).all())
        reasons = session.execute(
            select(Call.failure_reason, func.count())
            .where(Call.status == CallStatus.FAILED)
            .group_by(Call.failure_reason)
        ).all()
        unreviewed = review_queue_query().where(Call.completed_at.is_(None)).order_by(None).subquery()
        review = session.scalar(select(func.count()).select_from(unreviewed)) or 0
        recovery = (
            session.scalar(
                select(func.count()).where(Call.recovery.is_(True), Call.status == CallStatus.SCORED)
            )
            or 0
        )
    failures = dict.fromkeys(FailureKind, 0)
    for reason, count in reasons:
        failures[failure_kind(reason)] += count
    live = HeartbeatRepository(sessions).live(HEARTBEAT.stale_after)
    return OperationalStatus(
        calls_by_status={status: int(counts.get(status, 0)) for status in CallStatus},
        failures_by_kind=failures,
        broker_queues=dispatch.queue_depths(),
        review_queue=review,
        recovery_queue=recovery,
        live_workers=len(live),
        histograms=[_view(h) for h in StageTimings(sessions).histograms()],
    )


def _view(histogram: Histogram) -> HistogramView:
    return HistogramView(
        name=histogram.name, buckets=histogram.buckets, count=histogram.count, total=histogram.total
    )
