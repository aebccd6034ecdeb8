"""Agents dispute items of their own calls over the API and supervisors decide (SQLite and
PostgreSQL): an accepted dispute moves the final score, a rejected one does not, both are in the
call's history, and every refusal says why with its status code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from runtime.settings import Settings
from store.db import session_factory
from store.tables import AnalysisRow
from tests.support.api import scored_call_with_pii, token


def items(client: TestClient, call_id: str, status: str) -> list[dict[str, Any]]:
    review = client.get(f"/calls/{call_id}/review", headers=token(client, "admin")).json()
    return [item for item in review["final"]["items"] if item["status"] == status]


def dispute(client: TestClient, call_id: str, item_id: str, agent: dict[str, str]) -> Any:
    return client.post(
        f"/calls/{call_id}/disputes", json={"item_id": item_id, "reason": "I said it at 0:01"}, headers=agent
    )


def test_an_accepted_dispute_moves_the_final_score_and_a_rejected_one_does_not(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A1")
    agent = token(client, "agent", "A1")
    supervisor = token(client, "supervisor")
    failed = items(client, call_id, "fail")
    assert len(failed) >= 2
    machine_total = client.get(f"/calls/{call_id}", headers=supervisor).json()["score"]

    opened = dispute(client, call_id, failed[0]["item_id"], agent)
    assert opened.status_code == 201 and opened.json()["state"] == "open"
    other = dispute(client, call_id, failed[1]["item_id"], agent).json()
    assert dispute(client, call_id, failed[0]["item_id"], agent).status_code == 409  # one per item

    waiting = client.get("/disputes", params={"state": "open", "call_id": call_id}, headers=supervisor).json()
    assert [d["id"] for d in waiting] == [opened.json()["id"], other["id"]]

    rejected = client.post(
        f"/disputes/{other['id']}/reject", json={"comment": "not said in the recording"}, headers=supervisor
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    call = client.get(f"/calls/{call_id}", headers=supervisor).json()
    assert call["final_score"] is None and call["score"] == machine_total  # the score stays

    accepted = client.post(
        f"/disputes/{opened.json()['id']}/accept",
        json={"status": "pass", "comment": "heard it at 0:01"},
        headers=supervisor,
    )
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "accepted" and accepted.json()["decided_status"] == "pass"
    call = client.get(f"/calls/{call_id}", headers=supervisor).json()
    assert call["final_score"] > machine_total and call["score"] == machine_total
    final = {i["item_id"]: i["status"] for i in items(client, call_id, "pass")}
    assert final.get(failed[0]["item_id"]) == "pass"
    assert (
        client.post(
            f"/disputes/{opened.json()['id']}/reject", json={"comment": "too late"}, headers=supervisor
        ).status_code
        == 409
    )

    events = client.get(f"/calls/{call_id}/history", headers=agent).json()["events"]
    actions = [(e["action"], e["item_id"]) for e in events]
    assert actions == [
        ("dispute_opened", failed[0]["item_id"]),
        ("dispute_opened", failed[1]["item_id"]),
        ("dispute_rejected", failed[1]["item_id"]),
        ("item_reviewed", failed[0]["item_id"]),
        ("dispute_accepted", failed[0]["item_id"]),
    ]
    accepted_event = events[-1]
    assert accepted_event["before"] == {"dispute": "open", "status": "fail"}
    assert accepted_event["after"] == {"dispute": "accepted", "status": "pass"}
    assert accepted_event["comment"] == "heard it at 0:01" and "supervisor" in accepted_event["actor"]
    assert events[2]["comment"] == "not said in the recording"

    mine = client.get("/disputes", headers=agent).json()
    assert {d["state"] for d in mine} == {"accepted", "rejected"}


def test_outside_the_window_a_dispute_is_refused(client: TestClient, settings: Settings) -> None:
    call_id = scored_call_with_pii(client, "A1")
    services = client.app.state.services  # type: ignore[attr-defined]
    days = settings.dispute_window_days
    with session_factory(services.engine).begin() as session:
        analysis = session.query(AnalysisRow).filter_by(call_id=call_id).one()
        session.execute(
            update(AnalysisRow)
            .where(AnalysisRow.id == analysis.id)
            .values(created_at=analysis.created_at - timedelta(days=days, minutes=1))
        )
    refused = dispute(
        client, call_id, items(client, call_id, "fail")[0]["item_id"], token(client, "agent", "A1")
    )
    assert refused.status_code == 409 and "window closed" in refused.json()["detail"]


def test_who_may_dispute_and_who_may_decide(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A1")
    item_id = items(client, call_id, "fail")[0]["item_id"]
    assert dispute(client, call_id, item_id, token(client, "agent", "A2")).status_code == 404  # not theirs
    for role in ("inspector", "supervisor", "trainer"):
        assert dispute(client, call_id, item_id, token(client, role)).status_code == 403
    agent = token(client, "agent", "A1")
    assert dispute(client, call_id, "no-such-item", agent).status_code == 404
    blank = client.post(
        f"/calls/{call_id}/disputes", json={"item_id": item_id, "reason": "  "}, headers=agent
    )
    assert blank.status_code == 422

    opened = dispute(client, call_id, item_id, agent).json()
    for role in ("inspector", "trainer", "agent"):
        who = token(client, role, "A1" if role == "agent" else None)
        accept = {"status": "pass", "comment": "fine"}
        assert client.post(f"/disputes/{opened['id']}/accept", json=accept, headers=who).status_code == 403
        assert client.post(f"/disputes/{opened['id']}/reject", json=accept, headers=who).status_code == 403
    admin = token(client, "admin")
    assert client.post("/disputes/999999/reject", json={"comment": "x"}, headers=admin).status_code == 404
    assert client.get("/disputes", headers=token(client, "agent", "A2")).json() == []  # only their own
    undecidable = {"status": "undecidable", "comment": "x"}
    assert client.post(f"/disputes/{opened['id']}/accept", json=undecidable, headers=admin).status_code == 422
