"""An evaluation from draft to done (SQLite and PostgreSQL): an inspector completes a review once
every applicable item is decided and the failed or overridden ones explained; the call leaves the
queue and says who reviewed it and when; a supervisor reopens it (audited); the agent
acknowledges it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.api import scored_call_with_pii, token
from tests.support.web import add_user, csrf_of, sign_in


def test_a_review_is_completed_leaves_the_queue_is_reopened_and_acknowledged(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    inspector, supervisor = token(client, "inspector"), token(client, "supervisor")
    agent = token(client, "agent", "A7")
    review = client.get(f"/calls/{call_id}/review", headers=inspector).json()
    assert review["completed_at"] is None
    queued = {c["id"] for c in client.get("/review-queue", headers=inspector).json()}
    assert call_id in queued

    early = client.post(f"/calls/{call_id}/review/complete", headers=inspector)
    assert early.status_code == 409 and "not decided yet" in early.json()["detail"]

    items = [i for i in review["machine"]["items"] if i["status"] != "na"]
    failed = next(i for i in items if i["status"] == "fail")
    for item in items:  # confirm each; the failed one without a comment first
        status = item["status"] if item["status"] != "undecidable" else "pass"
        body = {"status": status} if item is failed else {"status": status, "comment": "checked"}
        assert (
            client.put(
                f"/calls/{call_id}/review/items/{item['item_id']}", json=body, headers=inspector
            ).status_code
            == 200
        )
    unexplained = client.post(f"/calls/{call_id}/review/complete", headers=inspector)
    assert unexplained.status_code == 409
    assert f"{failed['label']}: failed, and needs a comment" in unexplained.json()["detail"]
    explained = {"status": "fail", "comment": "no greeting at all"}
    client.put(f"/calls/{call_id}/review/items/{failed['item_id']}", json=explained, headers=inspector)

    done = client.post(f"/calls/{call_id}/review/complete", headers=inspector)
    assert done.status_code == 200, done.text
    assert done.json()["completed_at"] and done.json()["completed_by"].endswith("(inspector)")
    assert call_id not in {c["id"] for c in client.get("/review-queue", headers=inspector).json()}
    summary = client.get(f"/calls/{call_id}", headers=supervisor).json()
    assert summary["completed_by"] == done.json()["completed_by"] and summary["final_verdict"] == "fail"
    late = client.put(f"/calls/{call_id}/review/items/{failed['item_id']}", json=explained, headers=inspector)
    assert late.status_code == 409 and "reopens it" in late.json()["detail"]
    again = client.post(f"/calls/{call_id}/review/complete", headers=inspector)
    assert again.status_code == 409

    assert (
        client.post(f"/calls/{call_id}/review/reopen", json={"reason": "x"}, headers=inspector).status_code
        == 403
    )
    reopened = client.post(
        f"/calls/{call_id}/review/reopen",
        json={"reason": "the agent's greeting was cut off"},
        headers=supervisor,
    )
    assert reopened.status_code == 200 and reopened.json()["completed_at"] is None
    assert call_id in {c["id"] for c in client.get("/review-queue", headers=inspector).json()}
    events = client.get(f"/calls/{call_id}/history", headers=supervisor).json()["events"]
    assert [e["action"] for e in events if e["action"].startswith("review_")] == [
        "review_completed",
        "review_reopened",
    ]
    assert events[-1]["comment"] == "the agent's greeting was cut off"
    assert client.post(f"/calls/{call_id}/acknowledge", headers=agent).status_code == 409  # not completed

    assert client.post(f"/calls/{call_id}/review/complete", headers=inspector).status_code == 200
    acknowledged = client.post(f"/calls/{call_id}/acknowledge", headers=agent)
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_at"]
    assert client.post(f"/calls/{call_id}/acknowledge", headers=agent).status_code == 409  # once
    assert (
        client.post(f"/calls/{call_id}/acknowledge", headers=token(client, "agent", "A8")).status_code == 404
    )
    assert client.get(f"/calls/{call_id}", headers=agent).json()["acknowledged_at"]


def test_the_pages_complete_list_and_acknowledge(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    add_user(client, "ines", "inspector")
    sign_in(client, "ines")
    page = client.get(f"/ui/calls/{call_id}").text
    assert 'id="complete-review"' in page and "not decided yet" in page
    review = client.get(f"/calls/{call_id}/review", headers=token(client, "inspector")).json()
    for item in review["machine"]["items"]:
        if item["status"] != "na":
            client.post(
                f"/ui/calls/{call_id}/items/{item['item_id']}",
                data={
                    "decision": "pass",
                    "comment": "heard it",
                    "csrf_token": csrf_of(client, f"/ui/calls/{call_id}"),
                },
            )
    completed = client.post(
        f"/ui/calls/{call_id}/review/complete", data={"csrf_token": csrf_of(client, f"/ui/calls/{call_id}")}
    )
    assert completed.status_code == 200 and 'id="review-completed"' in completed.text
    assert "Reviewed by user ines (inspector)" in completed.text and 'class="decide"' not in completed.text
    assert f"/ui/calls/{call_id}" not in client.get("/ui/queue").text
    assert f"/ui/calls/{call_id}" in client.get("/ui/queue", params={"view": "completed"}).text
    assert "Left out: view" in client.get("/ui/queue", params={"view": "done"}).text

    add_user(client, "alex", "agent", "A7")
    sign_in(client, "alex")
    mine = client.get(f"/ui/calls/{call_id}").text
    assert 'id="acknowledge"' in mine
    done = client.post(
        f"/ui/calls/{call_id}/acknowledge", data={"csrf_token": csrf_of(client, f"/ui/calls/{call_id}")}
    )
    assert (
        done.status_code == 200
        and "Acknowledged by the agent" in done.text
        and 'id="acknowledge"' not in done.text
    )
