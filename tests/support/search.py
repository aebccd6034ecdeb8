"""Calls stored with transcripts and scored by the pipeline stage (which indexes them), and
searching them through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from asr.transcript import Segment
from runtime.services import Services
from services.pipeline import analyse_stage
from store.metadata import CallMetadata
from tests.support.audio import wav_bytes
from tests.support.transcripts import segment, transcript


def scored_call(
    services: Services,
    agent: str,
    team: str,
    day: int,
    segments: list[Segment],
    language: str = "en",
    external_id: str | None = None,
) -> str:
    """A call stored with its transcript and scored by the real pipeline stage (which indexes it)."""
    started = datetime(2026, 11, day, 9, tzinfo=UTC)
    metadata = CallMetadata(
        agent_id=agent, team=team, queue="billing", started_at=started, external_id=external_id
    )
    call = services.calls.ingest_chunks([wav_bytes(300.0 + 50 * day)], "call.wav", metadata).call
    services.results.save_transcript(call.id, "test", transcript(segments, language=language))
    assert analyse_stage(services, call.id)
    return call.id


def three_calls(services: Services) -> dict[str, str]:
    english = scored_call(
        services,
        "A1",
        "north",
        2,
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, this call is recorded. How can I help?"),
            segment("customer", 4.0, 8.0, "I want a refund because I need to cancel my account."),
            segment("agent", 9.0, 11.0, "Sorry to hear that. Can I have your card number?"),
            segment("customer", 12.0, 14.0, "Sure, one moment."),
            segment("customer", 14.5, 18.0, "My card is 4111 1111 1111 1111."),
        ],
    )
    chinese = scored_call(
        services,
        "A2",
        "south",
        3,
        [
            segment("agent", 0.5, 3.0, "您好，这里是客服中心，本次通话会被录音。"),
            segment("customer", 4.0, 7.0, "我要退款了，请取消订单。"),
        ],
        language="zh",
    )
    refused = scored_call(
        services,
        "A3",
        "north",
        4,
        [
            segment("agent", 0.5, 4.0, "Hello, thanks for calling. No refund is possible, the manager said."),
            segment("customer", 5.0, 7.0, "Then I will cancel everything."),
        ],
    )
    return {"english": english, "chinese": chinese, "refused": refused}


def hits(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/search", params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["hits"]
    return found


def calls_of(found: list[dict[str, Any]]) -> list[str]:
    return [hit["call_id"] for hit in found]
