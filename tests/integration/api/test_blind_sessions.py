"""An inspector invited to a blind calibration session sees none of its calls' machine or human
results anywhere until they submit: not in the call list, the review and recovery queues (API and
page), search, the call's review or its history (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.search_index import index_stage
from tests.support.api import scored_call_with_pii, token
from tests.support.web import add_user, services_of, sign_in


def test_a_call_scored_blind_is_hidden_everywhere_until_the_inspector_submits(client: TestClient) -> None:
    services = services_of(client)
    blind = scored_call_with_pii(client, "A1", freq=523.0)
    other = scored_call_with_pii(client, "A2", freq=587.0)
    for call_id in (blind, other):
        assert index_stage(services, call_id)
    record, plaintext = services.tokens.create("inspector", "invited")
    ann = {"Authorization": f"Bearer {plaintext}"}
    supervisor = token(client, "supervisor")
    add_user(client, "ines", "inspector")
    created = client.post(
        "/calibration-sessions",
        json={"name": "Blind", "call_ids": [blind], "inspectors": [f"token {record.id}", "ines"]},
        headers=supervisor,
    )
    assert created.status_code == 201, created.text
    session = created.json()

    def seen_by_ann() -> dict[str, bool]:
        listed = {c["id"] for c in client.get("/calls", headers=ann).json()["calls"]}
        queued = {c["id"] for c in client.get("/review-queue", headers=ann).json()}
        found = {
            h["call_id"] for h in client.get("/search", params={"q": "Fabrikam"}, headers=ann).json()["hits"]
        }
        return {
            "list": blind in listed,
            "queue": blind in queued,
            "search": blind in found,
            "review": client.get(f"/calls/{blind}/review", headers=ann).status_code == 200,
            "history": client.get(f"/calls/{blind}/history", headers=ann).status_code == 200,
        }

    assert seen_by_ann() == dict.fromkeys(("list", "queue", "search", "review", "history"), False)
    everyone_else = token(client, "inspector")  # not invited: sees it all
    assert blind in {c["id"] for c in client.get("/calls", headers=everyone_else).json()["calls"]}
    assert other in {c["id"] for c in client.get("/calls", headers=ann).json()["calls"]}
    assert client.get(f"/calls/{blind}/review", headers=ann).json()["detail"].startswith("You are scoring")

    sign_in(client, "ines")  # invited by user name: the queue page leaves it out
    page = client.get("/ui/queue").text
    assert f"/ui/calls/{other}" in page and f"/ui/calls/{blind}" not in page

    for call in session["calls"]:
        answers = [{"item_id": item["item_id"], "status": "pass"} for item in call["items"]]
        client.put(
            f"/calibration-sessions/{session['id']}/calls/{call['call_id']}/answers",
            json={"answers": answers},
            headers=ann,
        )
    assert client.post(f"/calibration-sessions/{session['id']}/submit", headers=ann).status_code == 200
    assert seen_by_ann() == dict.fromkeys(("list", "queue", "search", "review", "history"), True)
