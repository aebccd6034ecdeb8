"""The redacted view of a call: every text a reader sees, with personal data masked.

The stored redaction (made once at analysis, with offsets) masks the transcript; quotes in the
findings and the items' evidence, sentiment turns and escalation cues are masked by the same
detector on the way out. Finding ids are kept: they name the finding, not its words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scoring.pii import Redaction, mask_text, phone_region, redacted_view

if TYPE_CHECKING:
    from services.call_views import CallDetail


def redact_detail(detail: CallDetail, stored: Redaction | None) -> None:
    region = phone_region(detail.language)
    if detail.transcript is not None:
        detail.transcript = redacted_view(detail.transcript, stored)
    items = detail.scorecard.items if detail.scorecard else []
    evidence = [f for item in items for f in (*item.evidence, item.applies_because) if f is not None]
    for finding in [*(detail.findings or []), *evidence]:
        finding.quote = mask_text(finding.quote, region)
    for turn in detail.sentiment.turns if detail.sentiment else []:
        turn.text = mask_text(turn.text, region)
    for cue in detail.escalation.cues if detail.escalation else []:
        cue.quote = mask_text(cue.quote, region)
