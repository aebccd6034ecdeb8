"""The web workspace through a TestClient: users, sign-in, CSRF tokens, review calls, the queue."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from fastapi.testclient import TestClient
from httpx import Response

from runtime.services import Services
from store.metadata import CallMetadata

PASSWORD = "correct horse battery"


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def add_user(client: TestClient, name: str, role: str, agent_id: str | None = None) -> None:
    services_of(client).users.add(name, PASSWORD, role, agent_id)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_page: str = "") -> Response:
    form = client.get("/ui/login")
    value = re.search(r'name="sign_in_value" value="([^"]+)"', form.text)
    assert value is not None
    fields = {"name": name, "password": password, "sign_in_value": value.group(1), "next": next_page}
    return client.post("/ui/login", data=fields, follow_redirects=False)


def csrf_of(client: TestClient, page: str = "/ui/queue") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found is not None
    return found.group(1)


def review_call(
    services: Services,
    agent_id: str,
    reasons: list[str],
    priority: float,
    team: str = "billing",
    started_at: datetime | None = None,
    verdict: str = "fail",
    score: float = 70.0,
) -> str:
    """A scored call routed to review, stored through the repository (no ASR needed)."""
    calls = services.calls
    metadata = CallMetadata(agent_id=agent_id, team=team, queue="energy-en", started_at=started_at)
    call = calls.ingest_chunks([uuid.uuid4().bytes * 64], "call.wav", metadata).call
    summary = {
        "score_total": score,
        "verdict": verdict,
        "routing_queue": "review",
        "routing_priority": priority,
        "routing_reasons": reasons,
    }
    calls.save_analysis(call.id, "generic-en@2", {}, {"queue": "review"}, summary)
    return call.id


def queue_ids(client: TestClient, **params: str) -> list[str]:
    page = client.get("/ui/queue", params=params)
    assert page.status_code == 200
    return re.findall(r'<tr data-call="([0-9a-f]+)"', page.text)


def as_user(client: TestClient, name: str, role: str, agent_id: str | None = None) -> None:
    client.cookies.clear()
    add_user(client, name, role, agent_id)
    assert sign_in(client, name).status_code == 303
