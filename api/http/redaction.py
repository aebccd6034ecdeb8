"""The redacted view of a call: every text a reader sees, with personal data masked.

The stored redaction (made once at analysis, with offsets) masks the transcript; quotes in the
findings, sentiment turns and escalation cues are masked by the same detector on the way out.
"""

from __future__ import annotations

from typing import Any

from api.http.schemas import CallDetail
from scoring.pii import mask_text, phone_region, redacted_transcript_data


def redact_detail(detail: CallDetail, stored: dict[str, Any] | None) -> None:
    region = phone_region(detail.language)
    if detail.transcript is not None:
        detail.transcript = redacted_transcript_data(detail.transcript, stored)
    for finding in detail.findings or []:
        finding["quote"] = mask_text(finding.get("quote", ""), region)
    for item in (detail.scorecard or {}).get("items", []):
        for finding in item.get("evidence", []):
            finding["quote"] = mask_text(finding.get("quote", ""), region)
    for turn in (detail.sentiment or {}).get("turns", []):
        turn["text"] = mask_text(turn.get("text", ""), region)
    for cue in (detail.escalation or {}).get("cues", []):
        cue["quote"] = mask_text(cue.get("quote", ""), region)
