"""The HTTP API in process (a TestClient): tokens, uploads, and a scored call with personal data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.audio import wav_bytes


def token(client: TestClient, role: str, agent_id: str | None = None) -> dict[str, str]:
    services = client.app.state.services  # type: ignore[attr-defined]
    _, plaintext = services.tokens.create(role, f"test {role}", agent_id)
    return {"Authorization": f"Bearer {plaintext}"}


def upload(
    client: TestClient, headers: dict[str, str], content: bytes, name: str = "call.wav", **fields: str
):  # type: ignore[no-untyped-def]
    return client.post("/calls", headers=headers, files={"file": (name, content, "audio/wav")}, data=fields)


def scored_call_with_pii(client: TestClient, agent_id: str, freq: float = 523.0) -> str:
    """A call stored with a real transcript and a real analysis, whose customer reads out a card."""
    from scoring.catalog import ScorecardCatalog
    from scoring.evaluate import analyse
    from scoring.routing import route
    from tests.support.transcripts import segment, transcript

    services = client.app.state.services  # type: ignore[attr-defined]
    response = upload(client, token(client, "admin"), wav_bytes(freq), agent_id=agent_id)
    call_id = response.json()["id"]
    call = transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, this call is recorded."),
            segment(
                "customer",
                4.0,
                9.0,
                "My card is 4111 1111 1111 1111. This is outrageous. Get me your manager.",
            ),
        ]
    )
    analysis = analyse(call, ScorecardCatalog.load().get("generic-en"))
    decision = route(call_id, analysis.score, 0.0, analysis.sentiment, analysis.escalation)
    services.results.save_transcript(call_id, "test", call)
    services.results.save_analysis(call_id, "generic-en@2", analysis, decision)
    return str(call_id)
