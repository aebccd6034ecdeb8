"""What scoring produces: findings with evidence, per-item results and the call's score."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from asr.transcript import Speaker
from scoring.escalation import Escalation
from scoring.pii import Redaction
from scoring.sentiment import SentimentSummary

ItemStatus = Literal["pass", "fail", "na", "undecidable"]
Verdict = Literal["pass", "fail"]


class Finding(BaseModel):
    """One observation, always with where it happened and what was said: evidence or nothing."""

    kind: str
    item_id: str | None = None
    speaker: Speaker | None = None
    start: float
    end: float
    quote: str = ""
    matched: str = Field(default="", description="the scorecard phrase that matched, in its spelling")
    confidence: float = 1.0
    detail: str = ""


class ItemResult(BaseModel):
    item_id: str
    label: str
    section: str
    status: ItemStatus
    points: float
    max_points: float
    critical: bool = False
    reason: str = ""
    evidence: list[Finding] = Field(default_factory=list)


class Score(BaseModel):
    scorecard_id: str
    scorecard_version: int
    total: float | None = Field(description="0-100 over applicable decided items; None if none apply")
    verdict: Verdict
    pass_mark: float
    review_margin: float
    items: list[ItemResult]

    @property
    def failed_items(self) -> list[ItemResult]:
        return [i for i in self.items if i.status == "fail"]

    @property
    def undecidable_items(self) -> list[ItemResult]:
        return [i for i in self.items if i.status == "undecidable"]


class Monologue(BaseModel):
    speaker: Speaker
    start: float
    end: float
    seconds: float


class ConversationStats(BaseModel):
    """Talk-time measures supervisors coach on; speaking rate is words per minute for English,
    characters per minute for Chinese."""

    talk_seconds: dict[str, float]
    agent_talk_ratio: float | None = Field(description="agent talk time / (agent + customer)")
    speaking_rate: dict[str, float]
    rate_unit: Literal["wpm", "cpm"]
    mean_response_latency_s: float | None = Field(description="customer stops -> agent starts, mean")
    longest_monologue: Monologue | None
    overtalk_seconds: float
    silence_seconds: float
    hold_seconds: float


class Analysis(BaseModel):
    """Everything scoring says about a call; stored as one JSON document per (call, scorecard)."""

    findings: list[Finding]
    score: Score
    stats: ConversationStats | None = None
    sentiment: SentimentSummary | None = None
    escalation: Escalation | None = None
    redaction: Redaction | None = None
