"""A scored call with a recording, for the library, clips and exports."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import numpy as np
import soundfile as sf

from asr.transcript import Transcript
from runtime.services import Services
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.routing import route
from store.metadata import CallMetadata
from tests.support.transcripts import segment, transcript

CARD = "4111 1111 1111 1111"
RATE = 8000
LENGTH = 30.0


def said() -> Transcript:
    return transcript(
        [
            segment("agent", 0.5, 4.0, "Thank you for calling Fabrikam Mobile, this call is recorded."),
            segment("customer", 5.0, 9.0, "Hi, I want to pay my bill."),
            segment("agent", 10.0, 13.0, "Sure, what is the card number?"),
            segment("customer", 14.0, 20.0, f"It is {CARD} thanks"),
            segment("agent", 21.0, 25.0, "Thank you, call us on 415 555 0100 if anything else."),
        ],
        duration=LENGTH,
    )


def recording() -> bytes:
    """Stereo, agent left at 300 Hz, customer right at 500 Hz, for the whole call; its last sample
    differs each time (the same bytes twice would be the same call)."""
    t = np.arange(int(LENGTH * RATE)) / RATE
    stereo = np.stack([0.3 * np.sin(2 * np.pi * 300 * t), 0.3 * np.sin(2 * np.pi * 500 * t)], axis=1)
    stereo[-1, 0] = uuid.uuid4().int % 1000 / 10_000
    buffer = io.BytesIO()
    sf.write(buffer, stereo.astype(np.float32), RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def scored_call(services: Services, agent: str = "A7") -> str:
    metadata = CallMetadata(
        agent_id=agent,
        external_id=f"ext-{uuid.uuid4().hex[:6]}",
        started_at=datetime(2026, 11, 19, 10, tzinfo=UTC),
    )
    call = services.calls.ingest_chunks([recording()], "call.wav", metadata).call
    services.calls.record_audio(call.id, "WAV", RATE, 2, LENGTH)
    analysis = analyse(said(), ScorecardCatalog.load().get("generic-en"))
    services.results.save_transcript(call.id, "test", said())
    services.results.save_analysis(
        call.id,
        "generic-en@2",
        analysis,
        route(call.id, analysis.score, 0.0, analysis.sentiment, analysis.escalation),
    )
    return call.id
