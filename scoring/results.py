"""What scoring produces: findings with evidence, per-item results and the call's score.

`Analysis` is stored as JSON and read back for years (re-scores, reviews, corrections that point
at a finding by its id), so it carries a `schema_version`; rows written by an earlier version are
upgraded when they are read (`upgrade_analysis`), never left for callers to guess at.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, GetCoreSchemaHandler, model_validator
from pydantic_core import CoreSchema, core_schema

from asr.transcript import Speaker, upgraded
from scoring.escalation import Escalation
from scoring.pii import Redaction
from scoring.sentiment import SentimentSummary

ANALYSIS_SCHEMA_VERSION = 3
"""1: rows written before the field existed (findings without ids).
2: `schema_version`, and every finding has a stable `id`.
3: items with `applies_if` say what made them apply (`ItemResult.applies_because`), and the
analysis names the calibration it was scored with (`calibration_id`); older rows read as None."""


class ItemStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"
    UNDECIDABLE = "undecidable"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class FindingKind(StrEnum):
    """What a finding is. Stored analyses hold these strings, so a value is never renamed or reused;
    a new kind is added here, and the type checker then names each switch over kinds that misses it."""

    # what the conversation did, found on every call whatever its card
    SILENCE = "silence"
    HOLD = "hold"
    OVERTALK = "overtalk"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    ESCALATION_CUE = "escalation_cue"
    # an item's evidence (`item_id` says which item)
    APPLIES = "applies"
    PHRASE = "phrase"
    POSSIBLE_PHRASE = "possible_phrase"
    FORBIDDEN_PHRASE = "forbidden_phrase"
    SCRIPT_STEP = "script_step"
    DEAD_AIR = "dead_air"

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: GetCoreSchemaHandler) -> CoreSchema:
        """Read from a string and published as one: the API's schema shows the plain string it
        always did, with no enum of its own (the kinds grow; its clients need not change)."""
        return core_schema.no_info_after_validator_function(cls, core_schema.str_schema())


class Finding(BaseModel):
    """One observation, always with where it happened and what was said: evidence or nothing."""

    id: str = Field(
        default="",
        description="stable within the call: the same transcript analysed again gives the same ids "
        "(a hash of kind, item, speaker, times and quote), so corrections can point at a finding",
    )
    kind: FindingKind
    item_id: str | None = None
    speaker: Speaker | None = None
    start: float
    end: float
    quote: str = ""
    matched: str = Field(default="", description="the scorecard phrase that matched, in its spelling")
    confidence: float = 1.0
    detail: str = ""

    @model_validator(mode="after")
    def _identified(self) -> Finding:
        if not self.id:
            self.id = finding_id(self)
        return self


def finding_id(finding: Finding) -> str:
    """12 hex digits of a hash over what makes the finding this finding (not its wording: a masked
    quote or a reworded detail keep their id). Times are rounded to milliseconds."""
    key = "|".join(
        (
            finding.kind,
            finding.item_id or "",
            finding.speaker or "",
            f"{finding.start:.3f}",
            f"{finding.end:.3f}",
            finding.quote,
        )
    )
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def make_ids_unique(findings: list[Finding]) -> None:
    """Two findings alike in everything hashed get `-2`, `-3`... in list order. Applied to the call's
    findings and to each item's evidence alike; evidence of an item is in the same order in both
    and never collides with a finding of another item, so a finding keeps one id in both places."""
    seen: set[str] = set()
    for finding in findings:
        base, n = finding.id, 1
        while finding.id in seen:
            n += 1
            finding.id = f"{base}-{n}"
        seen.add(finding.id)


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
    applies_because: Finding | None = Field(
        default=None,
        description="for an item with an `applies_if` condition that was met: what met it (the "
        "sentence, or the customer turn whose mood did); an N/A item says why not in `reason`",
    )


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
        return [i for i in self.items if i.status == ItemStatus.FAIL]

    @property
    def undecidable_items(self) -> list[ItemResult]:
        return [i for i in self.items if i.status == ItemStatus.UNDECIDABLE]


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

    schema_version: int = Field(
        default=ANALYSIS_SCHEMA_VERSION,
        description="the version of this document's fields; older are upgraded",
    )
    findings: list[Finding]
    score: Score
    stats: ConversationStats | None = None
    sentiment: SentimentSummary | None = None
    escalation: Escalation | None = None
    redaction: Redaction | None = None
    calibration_id: int | None = Field(
        default=None,
        description="the calibration version the card was scored with; None: the card as written",
    )

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        return upgrade_analysis(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _unique_ids(self) -> Analysis:
        make_ids_unique(self.findings)
        for item in self.score.items:
            make_ids_unique(item.evidence)
        return self


def upgrade_analysis(data: dict[str, Any]) -> dict[str, Any]:
    """A stored analysis document brought to ANALYSIS_SCHEMA_VERSION. Version 1 to 2 only adds the
    version: findings without an id get theirs from `Finding`'s own validation, which computes it
    as the analysis would have. Version 2 to 3 adds fields that default to None (an older row does
    not know what made an item apply, nor any calibration)."""
    return upgraded(data, ANALYSIS_SCHEMA_VERSION, "analysis")
