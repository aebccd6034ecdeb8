"""The HTTP API: authentication on every endpoint, 202 at once, clear 4xx, agents see their own calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from runtime.settings import Settings
from tests.support.api import scored_call_with_pii, token, upload
from tests.support.audio import wav_bytes

T = TypeVar("T")


def test_health_is_open_and_everything_else_is_not(client: TestClient) -> None:
    health = client.get("/health")  # open, and 503 here: these tests run no worker (see test_health.py)
    assert health.status_code == 503 and health.json()["status"] == "degraded"
    for method, path in (
        ("get", "/calls"),
        ("get", "/calls/x"),
        ("get", "/review-queue"),
        ("post", "/calls"),
        ("post", "/calls/x/retry"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
    assert client.get("/calls", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_an_upload_hands_only_its_own_work_to_a_worker_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI runs a plain function dependency on a worker thread, a hand-off each per request:
    the sign-in, role and query checks only read the request, so they are coroutines, and a token
    checked a moment ago is not looked up again. An upload handed five things to threads."""
    admin = token(client, "admin")
    upload(client, admin, wav_bytes(300))
    handed: list[Callable[..., object]] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Callable[..., T], *args: object, **kwargs: Any) -> T:
        handed.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    assert upload(client, admin, wav_bytes(600)).status_code == 202
    assert len(handed) == 1, handed  # the endpoint: it stores the recording and queues it


def test_submit_answers_202_with_id_and_duplicate_returns_existing(client: TestClient) -> None:
    headers = token(client, "admin")
    first = upload(client, headers, wav_bytes(), agent_id="A1", started_at="2026-11-01T09:00:00Z")
    assert first.status_code == 202
    body = {k: first.json()[k] for k in ("id", "status", "duplicate")}
    assert body["status"] == "received" and not body["duplicate"]
    again = upload(client, headers, wav_bytes(), name="renamed.wav")
    assert again.status_code == 200
    assert {k: again.json()[k] for k in ("id", "status", "duplicate")} == {**body, "duplicate": True}
    assert again.json()["metadata_ignored"] == [] and body["id"] in again.json()["message"]
    detail = client.get(f"/calls/{body['id']}", headers=headers).json()
    assert detail["agent_id"] == "A1" and detail["status"] == "received" and detail["duration_s"] == 1.0


def test_corrupt_audio_is_kept_as_failed_with_reason(client: TestClient) -> None:
    headers = token(client, "inspector")
    response = upload(client, headers, b"definitely not audio", name="broken.wav")
    assert response.status_code == 202 and response.json()["status"] == "failed"
    assert "broken.wav" in response.json()["failure_reason"]
    call_id = response.json()["id"]
    again = upload(client, headers, b"definitely not audio", name="broken-again.wav")
    assert again.status_code == 200 and again.json()["status"] == "failed"
    assert "not a recognised audio format" in again.json()["failure_reason"]
    assert "retry" in again.json()["message"]
    stored = client.get(f"/calls/{call_id}", headers=headers).json()
    assert stored["status"] == "failed" and "not a recognised audio format" in stored["failure_reason"]
    listed = client.get("/calls", params={"status": "failed"}, headers=headers).json()["calls"]
    assert [c["id"] for c in listed] == [call_id]
    retried = client.post(f"/calls/{call_id}/retry", headers=headers)
    assert retried.status_code == 202 and retried.json()["status"] == "received"


def test_bad_metadata_is_422_and_stores_nothing(client: TestClient) -> None:
    headers = token(client, "admin")
    response = upload(client, headers, wav_bytes(), started_at="last tuesday", language="fr")
    assert response.status_code == 422
    assert "started_at" in response.json()["detail"] and "language" in response.json()["detail"]
    assert client.get("/calls", headers=headers).json()["calls"] == []


def test_too_large_is_413(settings: Settings) -> None:
    small = settings.model_copy(update={"max_upload_mb": 0.01})
    with TestClient(create_app(small)) as limited:
        response = upload(limited, token(limited, "admin"), wav_bytes() * 2)
        assert response.status_code == 413
        assert "CALLQA_MAX_UPLOAD_MB" in response.json()["detail"]


def test_roles(client: TestClient) -> None:
    admin = token(client, "admin")
    mine = upload(client, admin, wav_bytes(300), agent_id="A1").json()["id"]
    theirs = upload(client, admin, wav_bytes(600), agent_id="A2").json()["id"]
    agent = token(client, "agent", agent_id="A1")
    assert [c["id"] for c in client.get("/calls", headers=agent).json()["calls"]] == [mine]
    assert [
        c["id"] for c in client.get("/calls", params={"agent_id": "A2"}, headers=agent).json()["calls"]
    ] == [mine]
    assert client.get(f"/calls/{theirs}", headers=agent).status_code == 404
    assert client.get(f"/calls/{mine}", headers=agent).status_code == 200
    assert client.get("/review-queue", headers=agent).status_code == 403
    assert upload(client, token(client, "trainer"), wav_bytes(900)).status_code == 403
    assert client.get("/review-queue", headers=token(client, "supervisor")).status_code == 200


def test_list_filters_by_date(client: TestClient) -> None:
    headers = token(client, "admin")
    upload(client, headers, wav_bytes(300), started_at="2026-11-01T23:30:00Z")
    later = upload(client, headers, wav_bytes(500), started_at="2026-11-02T00:30:00Z").json()["id"]
    found = client.get("/calls", params={"date_from": "2026-11-02", "date_to": "2026-11-02"}, headers=headers)
    assert [c["id"] for c in found.json()["calls"]] == [later]


def test_openapi_documents_bearer_auth(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 401
    spec = client.get("/openapi.json", headers=token(client, "agent", "A1")).json()
    assert "/calls" in spec["paths"] and "/review-queue" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_scorecards_and_rescore_rules(client: TestClient) -> None:
    admin = token(client, "admin")
    cards = client.get("/scorecards", headers=token(client, "trainer")).json()
    assert "generic-en@2" in [c["key"] for c in cards["scorecards"]]
    call_id = upload(client, admin, wav_bytes(700)).json()["id"]
    assert client.post(f"/calls/{call_id}/rescore", headers=admin).status_code == 409
    assert client.post(f"/calls/{call_id}/rescore", headers=token(client, "inspector")).status_code == 403


def test_unknown_call_is_404(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/calls/does-not-exist", headers=token(client, "admin")).status_code == 404


def test_agents_and_trainers_see_personal_data_masked(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    inspector = client.get(f"/calls/{call_id}", headers=token(client, "inspector")).json()
    assert "4111 1111 1111 1111" in inspector["transcript"]["segments"][1]["text"]
    for headers in (token(client, "agent", "A7"), token(client, "trainer")):
        body = client.get(f"/calls/{call_id}", headers=headers).json()
        customer = body["transcript"]["segments"][1]
        assert customer["text"].startswith("My card is [CARD]. This")
        assert customer["words"] == []
        assert all("4111" not in t["text"] for t in body["sentiment"]["turns"])
        assert all("4111" not in f["quote"] for f in body["findings"])
        assert all("4111" not in c["quote"] for c in body["escalation"]["cues"])
        assert all("4111" not in e["quote"] for i in body["scorecard"]["items"] for e in i["evidence"])
        assert [f["id"] for f in body["findings"]] == [f["id"] for f in inspector["findings"]]
    asked = client.get(f"/calls/{call_id}?redacted=true", headers=token(client, "inspector")).json()
    assert "[CARD]" in asked["transcript"]["segments"][1]["text"]


def test_recovery_queue_lists_customers_to_call_back(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A8")
    assert client.get("/recovery-queue", headers=token(client, "agent", "A8")).status_code == 403
    queue = client.get("/recovery-queue", headers=token(client, "supervisor")).json()
    assert [c["id"] for c in queue] == [call_id]
    assert queue[0]["recovery"] and queue[0]["customer_sentiment"] == "negative"
    assert any("asks for a supervisor or manager" in r for r in queue[0]["recovery_reasons"])
    listed = client.get("/calls?recovery=true", headers=token(client, "supervisor")).json()["calls"]
    assert [c["id"] for c in listed] == [call_id]
