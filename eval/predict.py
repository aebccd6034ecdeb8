"""Turning callqa's transcript and scorecard results into a SCHEMA section 6 prediction."""

from __future__ import annotations

from typing import Any

from asr.transcript import Transcript
from eval.labels import LabelMap
from scoring.conversation import overtalk, silences
from scoring.results import Analysis, ItemStatus


def prediction(call_id: str, transcript: Transcript, analysis: Analysis, mapping: LabelMap) -> dict[str, Any]:
    items = {item.item_id: item for item in analysis.score.items}
    labels: dict[str, Any] = {}
    for label, item_id in mapping.labels.items():
        item = items.get(item_id)
        if item is not None and item.status in (ItemStatus.PASS, ItemStatus.FAIL):
            labels[label] = item.status == ItemStatus.PASS
        elif item is not None and item.status == ItemStatus.NA:
            labels[label] = bool(item.evidence)  # not required here, but was it done?
    forbidden = items.get(mapping.forbidden_phrases) if mapping.forbidden_phrases else None
    labels["forbidden_phrases"] = sorted(
        {e.matched for e in forbidden.evidence if e.speaker == "agent" and e.matched} if forbidden else set()
    )
    if analysis.sentiment is not None:
        labels["customer_sentiment_overall"] = analysis.sentiment.customer_overall
        labels["customer_sentiment_end"] = analysis.sentiment.customer_end
    if analysis.escalation is not None:
        labels["customer_threat"] = analysis.escalation.customer_threat
        labels["escalation_risk"] = analysis.escalation.risk
    return {
        "id": call_id,
        "layout": transcript.layout,
        "language": transcript.language,
        "utterances": [
            {"speaker": s.speaker, "start": s.start, "end": s.end, "text": s.text}
            for s in transcript.segments
        ],
        "silences": [{"start": s.start, "end": s.end} for s in silences(transcript, 3.0)],
        "hold": [{"start": h.start, "end": h.end} for h in transcript.holds],
        "overtalk": [
            {"start": o.start, "end": o.end, "interrupter": o.interrupter} for o in overtalk(transcript)
        ],
        "labels": labels,
        "qa_verdict": analysis.score.verdict,
        "fail_reasons": [
            code
            for item_id, code in mapping.fail_reasons.items()
            if item_id in items and items[item_id].status == ItemStatus.FAIL
        ],
    }


def reference_transcript(truth: dict[str, Any]) -> Transcript:
    """The ground-truth utterances as a transcript: isolates the detectors from ASR errors."""
    return Transcript.model_validate(
        {
            "language": truth["language"],
            "duration_s": truth["duration_s"],
            "layout": truth["layout"],
            "model": "reference-text",
            "asr_version": "reference-text",
            "segments": [
                {
                    "speaker": u["speaker"],
                    "channel": None,
                    "start": u["start"],
                    "end": u["end"],
                    "text": u["text"],
                }
                for u in truth["utterances"]
            ],
        }
    )
