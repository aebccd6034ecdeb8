"""Response bodies, so /docs shows exactly what each endpoint returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from store.tables import Call


class CallSummary(BaseModel):
    id: str
    status: str
    failure_reason: str | None
    filename: str
    agent_id: str | None
    agent_name: str | None
    team: str | None
    queue: str | None
    direction: str | None
    external_id: str | None
    started_at: datetime | None
    created_at: datetime
    duration_s: float | None
    language: str | None
    score: float | None
    verdict: str | None
    routing: str | None
    routing_reasons: list[str] | None
    customer_sentiment: str | None
    recovery: bool
    recovery_reasons: list[str] | None

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
        )


class CallDetail(CallSummary):
    transcript: dict[str, Any] | None = None
    findings: list[dict[str, Any]] | None = None
    scorecard: dict[str, Any] | None = None
    sentiment: dict[str, Any] | None = None
    escalation: dict[str, Any] | None = None
    routing_decision: dict[str, Any] | None = None


class Accepted(BaseModel):
    id: str
    status: str
    duplicate: bool


class CallList(BaseModel):
    calls: list[CallSummary]
    limit: int
    offset: int
