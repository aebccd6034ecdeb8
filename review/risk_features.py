"""What the risk model (models/risk.py) knows about a call: numbers read off its analysis.

An inspector changes a call where the machine was unsure or the call is eventful: items it
failed or could not decide, passes it barely made (low match confidence, a near miss), long or
unannounced silences, overtalk, an upset or threatening customer, and audio or transcription
too poor to trust. Each feature is one of those, as a count, a share or a 0/1 flag, so the
fitted coefficients read as "how much this raises the odds of a change".
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from asr.transcript import Transcript
from scoring.results import Analysis, FindingKind, ItemStatus, Verdict

SNR_CEILING_DB = 40.0
"""Above this a channel is clean; higher figures say nothing more about the call."""


class RiskFeatures(BaseModel):
    """One call's features; `values()` is what `RiskModel.probability` and `fit_risk` take."""

    verdict_fail: float = Field(description="1 if the machine failed the call")
    failed_items: float
    failed_critical: float
    undecidable_items: float
    na_items: float
    near_misses: float = Field(description="phrases possibly said on words the ASR was unsure of")
    min_pass_confidence: float = Field(description="the weakest evidence of a passed item (1 if none)")
    margin: float = Field(description="(total - pass mark) / 100; 0 when no item was decided")
    dead_air: float = Field(description="silences over the card's limit")
    silence_minutes: float
    overtalk_seconds: float
    negative_turns: float = Field(description="customer turns heard as negative")
    customer_end_negative: float
    escalation_cues: float
    escalation_risk: float
    asr_confidence: float = Field(description="mean word probability of the call (1 if no words)")
    min_snr_db: float = Field(description=f"the noisiest channel's SNR, capped at {SNR_CEILING_DB:g} dB")
    clipping: float = Field(description="the worst channel's share of clipped samples")

    def values(self) -> dict[str, float]:
        return self.model_dump()


def risk_features(analysis: Analysis, transcript: Transcript | None = None) -> RiskFeatures:
    """Without the transcript the audio-quality features read as clean audio."""
    score = analysis.score
    passed = [i for i in score.items if i.status == ItemStatus.PASS]
    pass_confidence = [f.confidence for i in passed for f in i.evidence if f.kind != FindingKind.DEAD_AIR]
    stats = analysis.stats
    sentiment = analysis.sentiment
    escalation = analysis.escalation
    words = [w.probability for s in transcript.segments for w in s.words] if transcript else []
    channels = transcript.channels if transcript else []
    return RiskFeatures(
        verdict_fail=float(score.verdict == Verdict.FAIL),
        failed_items=len(score.failed_items),
        failed_critical=sum(i.critical for i in score.failed_items),
        undecidable_items=len(score.undecidable_items),
        na_items=sum(i.status == ItemStatus.NA for i in score.items),
        near_misses=sum(f.kind == FindingKind.POSSIBLE_PHRASE for f in analysis.findings),
        min_pass_confidence=min(pass_confidence, default=1.0),
        margin=0.0 if score.total is None else (score.total - score.pass_mark) / 100.0,
        dead_air=sum(f.kind == FindingKind.DEAD_AIR for f in analysis.findings),
        silence_minutes=stats.silence_seconds / 60.0 if stats else 0.0,
        overtalk_seconds=stats.overtalk_seconds if stats else 0.0,
        negative_turns=sum(f.kind == FindingKind.NEGATIVE_SENTIMENT for f in analysis.findings),
        customer_end_negative=float(sentiment is not None and sentiment.customer_end == "negative"),
        escalation_cues=len(escalation.cues) if escalation else 0.0,
        escalation_risk=float(escalation is not None and escalation.risk),
        asr_confidence=sum(words) / len(words) if words else 1.0,
        min_snr_db=min((min(c.snr_db, SNR_CEILING_DB) for c in channels), default=SNR_CEILING_DB),
        clipping=max((c.clipping_ratio for c in channels), default=0.0),
    )
