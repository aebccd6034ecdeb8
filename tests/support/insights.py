"""Scored calls for the daily report and alerts: a polite call and an upset one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from asr.transcript import Transcript
from runtime.services import Services
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.routing import route
from store.metadata import CallMetadata
from tests.support.transcripts import segment, transcript

DAY = date(2026, 11, 19)

NOON = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


def polite() -> Transcript:
    return transcript(
        [
            segment("agent", 0.5, 4.0, "Thank you for calling Fabrikam Mobile, this call is recorded."),
            segment("customer", 5.0, 8.0, "Hi, I would like to check my bill please."),
            segment("agent", 9.0, 14.0, "Of course, I can help you with that today."),
            segment("customer", 15.0, 18.0, "Great, thank you so much, that is perfect."),
            segment("agent", 19.0, 23.0, "Is there anything else? Thank you for calling, goodbye."),
        ],
        duration=25.0,
    )


def upset() -> Transcript:
    return transcript(
        [
            segment("agent", 0.5, 2.0, "Yeah."),
            segment("customer", 4.0, 9.0, "This is outrageous. I want to cancel. Get me your manager."),
        ]
    )


def stored_call(
    services: Services, agent: str, said: Transcript, started_at: datetime, team: str = "north"
) -> str:
    """A scored call stored through the repository and the real scoring (no ASR)."""
    metadata = CallMetadata(agent_id=agent, team=team, queue="billing", started_at=started_at)
    call = services.calls.ingest_chunks([uuid.uuid4().bytes * 64], "call.wav", metadata).call
    analysis = analyse(said, ScorecardCatalog.load().get("generic-en"))
    decision = route(call.id, analysis.score, 0.0, analysis.sentiment, analysis.escalation)
    services.results.save_transcript(call.id, "test", said)
    services.results.save_analysis(call.id, "generic-en@2", analysis, decision)
    return call.id
