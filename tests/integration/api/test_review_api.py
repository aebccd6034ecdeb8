"""Inspectors confirm or override items over the API; the human decision wins, the machine's
result is kept beside it, and every decision is in the call's history (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.api import scored_call_with_pii, token


def test_an_override_changes_the_final_score_and_keeps_the_machines(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A1")
    inspector = token(client, "inspector")
    before = client.get(f"/calls/{call_id}/review", headers=inspector).json()
    failed = next(i for i in before["machine"]["items"] if i["status"] == "fail")
    assert before["final"] == before["machine"] and before["decisions"] == []

    decided = client.put(
        f"/calls/{call_id}/review/items/{failed['item_id']}",
        json={"status": "pass", "comment": "said it at 0:01, the ASR missed it"},
        headers=inspector,
    )
    assert decided.status_code == 200
    body = decided.json()
    final_item = next(i for i in body["final"]["items"] if i["item_id"] == failed["item_id"])
    machine_item = next(i for i in body["machine"]["items"] if i["item_id"] == failed["item_id"])
    assert final_item["status"] == "pass" and machine_item["status"] == "fail"
    assert body["final"]["total"] > body["machine"]["total"]
    [decision] = body["decisions"]
    assert decision["machine_status"] == "fail" and decision["status"] == "pass"
    assert "inspector" in decision["reviewer"]

    summary = client.get(f"/calls/{call_id}", headers=inspector).json()
    assert summary["final_score"] == body["final"]["total"] and summary["score"] == body["machine"]["total"]
    assert summary["final_verdict"] == body["final"]["verdict"] and summary["reviewed_at"]

    client.put(
        f"/calls/{call_id}/review/items/{failed['item_id']}",
        json={"status": "fail", "comment": "listened again: not said"},
        headers=token(client, "supervisor"),
    )
    events = client.get(f"/calls/{call_id}/history", headers=inspector).json()["events"]
    reviewed = [e for e in events if e["action"] == "item_reviewed"]
    assert [(e["before"], e["after"]) for e in reviewed] == [
        ({"status": "fail"}, {"status": "pass"}),
        ({"status": "pass"}, {"status": "fail"}),
    ]
    assert reviewed[1]["comment"] == "listened again: not said"
    assert reviewed[1]["item_id"] == failed["item_id"]


def test_who_may_review(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A1")
    item = client.get(f"/calls/{call_id}/review", headers=token(client, "admin")).json()["machine"]["items"][
        0
    ]
    path = f"/calls/{call_id}/review/items/{item['item_id']}"
    for role, agent in (("trainer", None), ("agent", "A1")):
        assert (
            client.put(path, json={"status": "pass"}, headers=token(client, role, agent)).status_code == 403
        )
    admin = token(client, "admin")
    assert client.put(path, json={"status": "undecidable"}, headers=admin).status_code == 422
    assert (
        client.put(f"/calls/{call_id}/review/items/nope", json={"status": "pass"}, headers=admin).status_code
        == 404
    )
    assert client.get("/calls/nope/review", headers=admin).status_code == 404


def test_a_rescore_starts_the_call_unreviewed(client: TestClient) -> None:
    from services.pipeline import analyse_stage

    call_id = scored_call_with_pii(client, "A1")
    admin = token(client, "admin")
    item = client.get(f"/calls/{call_id}/review", headers=admin).json()["machine"]["items"][0]
    client.put(f"/calls/{call_id}/review/items/{item['item_id']}", json={"status": "na"}, headers=admin)
    assert client.get(f"/calls/{call_id}", headers=admin).json()["final_score"] is not None

    assert analyse_stage(client.app.state.services, call_id, "generic-en")  # type: ignore[attr-defined]
    assert client.get(f"/calls/{call_id}", headers=admin).json()["final_score"] is None
    assert client.get(f"/calls/{call_id}/review", headers=admin).json()["decisions"] == []


def test_agreement_report_counts_the_newest_decision_per_item(client: TestClient) -> None:
    admin = token(client, "admin")
    first = scored_call_with_pii(client, "A1")
    second = scored_call_with_pii(client, "A2", freq=659.0)
    items = client.get(f"/calls/{first}/review", headers=admin).json()["machine"]["items"]
    decided = next(i for i in items if i["status"] in ("pass", "fail"))
    other = "fail" if decided["status"] == "pass" else "pass"
    path = "/calls/{}/review/items/" + decided["item_id"]
    client.put(path.format(first), json={"status": other}, headers=admin)  # overridden...
    client.put(path.format(first), json={"status": decided["status"]}, headers=admin)  # ...then confirmed
    client.put(path.format(second), json={"status": other}, headers=admin)  # overridden

    report = client.get("/reports/agreement", params={"scorecard": "generic-en"}, headers=admin).json()
    rows = {row["item"]: row for row in report["items"]}
    row = rows[f"generic-en/{decided['item_id']}"]
    assert row["reviews"] == 2 and row["accuracy"] == 0.5
    assert 0 < row["accuracy_ci"]["low"] < 0.5 < row["accuracy_ci"]["high"] < 1
    assert rows["all"]["reviews"] == 2
    assert (
        client.get("/reports/agreement", params={"scorecard": "dev-en"}, headers=admin).json()["items"] == []
    )
    assert client.get("/reports/agreement", headers=token(client, "inspector")).status_code == 403
