"""GET /health as a load balancer and an operator read it, on SQLite and on PostgreSQL.

No worker runs here (`start_workers=False`, like `callqa serve --no-workers`): heartbeats are
written the way a worker on another host writes them, into the shared database.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from store.db import session_factory
from store.heartbeats import HeartbeatRepository
from store.tables import Call, CallStatus, WorkerHeartbeat, utcnow


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def heartbeats(client: TestClient) -> HeartbeatRepository:
    return HeartbeatRepository(session_factory(services_of(client).engine))


def add_call(client: TestClient, status: str, age_s: float) -> None:
    created = utcnow() - timedelta(seconds=age_s)
    call_id = uuid.uuid4().hex
    call = Call(
        id=call_id,
        sha256=call_id * 2,
        audio_key=f"{call_id}.wav",
        filename="c.wav",
        size_bytes=1,
        status=status,
        attempts=0,
        created_at=created,
        updated_at=created,
    )
    with session_factory(services_of(client).engine).begin() as session:
        session.add(call)


def test_no_live_worker_is_503_with_the_reason(client: TestClient) -> None:
    response = client.get("/health")  # no token: load balancers have none
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert len(body["reasons"]) == 1 and body["reasons"][0].startswith("no live worker")
    assert body["database"]["ok"] and body["broker"] == {"kind": "sqlite", "ok": True}
    assert body["workers"]["live"] == 0 and body["workers"]["names"] == []
    assert body["workers"]["embedded"] is None  # this server started no workers
    assert body["queue"] == {
        "waiting": 0,
        "received": 0,
        "transcribing": 0,
        "analyzing": 0,
        "oldest_waiting_age_s": None,
    }


def test_a_fresh_heartbeat_is_a_live_worker_and_a_stale_one_is_not(client: TestClient) -> None:
    heartbeats(client).beat("gpu-1@asr-host", 4242, ["asr"], [])
    stale = utcnow() - timedelta(minutes=1)
    with session_factory(services_of(client).engine).begin() as session:
        session.add(
            WorkerHeartbeat(
                name="cpu-1@gone-host",
                pid=7,
                queues=["analysis"],
                calls=[],
                started_at=stale,
                last_seen_at=stale,
            )
        )

    response = client.get("/health")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["reasons"] == []
    assert body["workers"]["live"] == 1 and body["workers"]["names"] == ["gpu-1@asr-host"]
    assert body["workers"]["stale_after_s"] == 3 * body["workers"]["heartbeat_interval_s"]

    heartbeats(client).remove("gpu-1@asr-host", 4242)  # a clean shutdown
    assert client.get("/health").status_code == 503


def test_queue_depth_and_the_oldest_waiting_call(client: TestClient) -> None:
    heartbeats(client).beat("w@h", 1, ["asr", "analysis"], [])
    add_call(client, CallStatus.RECEIVED, age_s=30)
    add_call(client, CallStatus.RECEIVED, age_s=5)
    add_call(client, CallStatus.TRANSCRIBING, age_s=600)
    add_call(client, CallStatus.ANALYZING, age_s=60)
    add_call(client, CallStatus.SCORED, age_s=3600)  # finished calls do not wait
    add_call(client, CallStatus.FAILED, age_s=7200)

    queue = client.get("/health").json()["queue"]
    assert {k: queue[k] for k in ("waiting", "received", "transcribing", "analyzing")} == {
        "waiting": 4,
        "received": 2,
        "transcribing": 1,
        "analyzing": 1,
    }
    assert 598 <= queue["oldest_waiting_age_s"] <= 610


def test_a_broker_that_is_down_is_503_and_its_url_is_never_shown(settings: Settings) -> None:
    settings = settings.model_copy(update={"broker_url": "redis://:s3cret@127.0.0.1:1/0"})
    with TestClient(create_app(settings, start_workers=False)) as client:
        heartbeats(client).beat("w@h", 1, ["asr"], [])
        response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == {"kind": "redis", "ok": False}
    assert body["reasons"] == ["broker (redis) not reachable (OperationalError); see the server log"]
    assert "s3cret" not in response.text and "127.0.0.1:1" not in response.text


def test_a_database_that_is_down_is_503(client: TestClient) -> None:
    services_of(client).engine = create_engine("postgresql+psycopg://callqa@127.0.0.1:1/callqa")
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False and body["workers"] is None and body["queue"] is None
    assert body["reasons"][0].startswith(f"database ({body['database']['kind']}) not answering")


def test_openapi_documents_both_answers_with_one_schema(client: TestClient) -> None:
    answers = client.app.openapi()["paths"]["/health"]["get"]["responses"]  # type: ignore[attr-defined]
    for code in ("200", "503"):
        assert answers[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Health"
        }
