"""The calibration test card (`cal@3`) and its calls: the machine fails verification when the
agent asks for the birthday in other words, and inspectors pass it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asr.transcript import Transcript
from models.sentiment import default_sentiment_model
from review.calibration import Correction, TrainingExample
from runtime.services import Services
from runtime.settings import Settings
from scoring.results import ItemStatus
from scoring.scorecard import parse_scorecard
from scoring.sentiment import summarise
from services.pipeline import analyse_stage
from services.reviewing import decide
from store.metadata import CallMetadata
from tests.support.transcripts import segment, transcript

CARD_YAML = """
id: cal
version: 3
name: calibration
language: en
sections:
  - name: All
    items:
      - id: greeting
        label: Greeting
        weight: 40
        detector: phrase_present
        phrases: [thanks for calling]
      - id: verification
        label: Verification
        weight: 60
        detector: phrase_present
        semantic: null
        phrases: [can you confirm your date of birth]
        applies_if:
          phrases: [let me pull up your account, I can see on your account that]
          na_reason: no account work found
"""


def call(middle: str, check: str = "Okay, one moment please.") -> Transcript:
    return transcript(
        [
            segment("agent", 0.5, 4.0, "Hello, thanks for calling Northwind, this is Sam."),
            segment("customer", 5.0, 8.0, "Hi, I need some help please."),
            segment("agent", 9.0, 12.0, middle),
            segment("customer", 13.0, 14.0, "Sure."),
            segment("agent", 15.0, 18.0, check),
            segment("customer", 19.0, 20.0, "Thanks."),
        ],
        duration=21.0,
    )


ACCOUNT = "Right, let me pull up your account now."

BIRTHDAY = "Could you tell me your birthday for security?"


def with_test_card(settings: Settings, tmp_path: Path) -> Settings:
    """`settings` with the test card (`cal@3`), whose verification item the machine fails and
    inspectors pass, as the only card folder."""
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "cal.yaml").write_text(CARD_YAML)
    return settings.model_copy(update={"scorecard_dir": cards})


def scored_call(services: Services) -> str:
    """A stored call with a transcript, scored by the real pipeline stage on the test card."""
    stored = services.calls.ingest_chunks([uuid.uuid4().bytes * 64], "call.wav", CallMetadata()).call
    services.results.save_transcript(stored.id, "test", call(ACCOUNT, BIRTHDAY))
    assert analyse_stage(services, stored.id, "cal")
    return stored.id


def reviewed_calls(services: Services, n: int) -> list[str]:
    """`n` calls whose verification the machine failed and an inspector passed."""
    ids = [scored_call(services) for _ in range(n)]
    for call_id in ids:
        found = services.calls.get(call_id)
        assert found is not None
        decide(
            services, found, "verification", ItemStatus.PASS, "asked for the birthday", "user ann (inspector)"
        )
    return ids


CARD = parse_scorecard(CARD_YAML)

START = datetime(2026, 11, 1, 9, tzinfo=UTC)


def example(n: int, said: Transcript, *decisions: Correction) -> TrainingExample:
    return TrainingExample(
        call_id=f"c{n}",
        reviewed_at=START + timedelta(hours=n),
        transcript=said,
        sentiment=summarise(said, default_sentiment_model()),
        corrections=list(decisions),
    )


def verification(status: ItemStatus, evidence: list[str] | None = None) -> Correction:
    return Correction(item_id="verification", status=status, evidence=evidence or [])
