"""Disputes in the web workspace (SQLite and PostgreSQL): an agent disputes an item from the call
page, a supervisor accepts one from the call page and rejects another from /ui/disputes, with
plain forms and CSRF; what each role sees of it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.api import scored_call_with_pii
from tests.support.web import as_user, csrf_of, sign_in


def failed_items(page: str) -> list[str]:
    return re.findall(r'class="item status-fail" id="item-([\w-]+)"', page)


def test_an_agent_disputes_and_a_supervisor_decides(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    page_url = f"/ui/calls/{call_id}"
    as_user(client, "alex", "agent", "A7")
    page = client.get(page_url).text
    assert 'id="dispute-window"' in page and 'class="dispute-open"' in page
    first, second = failed_items(page)[:2]
    token = csrf_of(client, page_url)
    for item_id, reason in ((first, "I said the greeting"), (second, "I did close the call")):
        opened = client.post(
            f"/ui/calls/{call_id}/items/{item_id}/dispute",
            data={"reason": reason, "csrf_token": token},
            follow_redirects=False,
        )
        assert opened.status_code == 303 and opened.headers["location"].endswith(f"#item-{item_id}")
    forged = client.post(
        f"/ui/calls/{call_id}/items/{first}/dispute", data={"reason": "x", "csrf_token": "no"}
    )
    assert forged.status_code == 403
    page = client.get(page_url).text
    assert page.count("dispute open") == 2 and "I said the greeting" in page
    assert "/ui/disputes" not in page  # no link for agents
    assert client.get("/ui/disputes").status_code == 403

    as_user(client, "sam", "supervisor")
    listing = client.get("/ui/disputes").text
    assert 'href="/ui/disputes"' in listing and "I did close the call" in listing
    ids = re.findall(r'action="/ui/disputes/(\d+)/decide"', listing)
    assert len(ids) == 2
    token = csrf_of(client, "/ui/disputes")
    rejected = client.post(
        f"/ui/disputes/{ids[1]}/decide",
        data={"decision": "reject", "comment": "not in the recording", "back": "list", "csrf_token": token},
        follow_redirects=False,
    )
    assert rejected.status_code == 303 and rejected.headers["location"] == "/ui/disputes"
    assert 'id="final-score"' not in client.get(page_url).text  # the score stays

    page = client.get(page_url).text
    assert re.findall(r'action="/ui/disputes/(\d+)/decide"', page) == [ids[0]]
    accepted = client.post(
        f"/ui/disputes/{ids[0]}/decide",
        data={"decision": "accept", "status": "pass", "comment": "heard it", "csrf_token": token},
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and accepted.headers["location"].endswith(f"#item-{first}")
    page = client.get(page_url).text
    assert re.search(rf'class="item status-pass" id="item-{first}"', page)
    assert 'id="final-score"' in page and "dispute accepted" in page and "dispute rejected" in page
    assert "dispute_accepted" in page and "dispute_rejected" in page  # the history
    assert "No dispute waits" in client.get("/ui/disputes").text

    client.cookies.clear()
    assert sign_in(client, "alex").status_code == 303
    page = client.get(page_url).text
    assert "heard it" in page and "not in the recording" in page
    assert 'class="dispute-open"' in page  # other items may still be disputed
    again = client.post(
        f"/ui/calls/{call_id}/items/{second}/dispute",
        data={"reason": "please look again", "csrf_token": csrf_of(client, page_url)},
    )
    assert again.status_code == 409  # a decided dispute has settled the item


def test_inspectors_and_other_agents_cannot_dispute_or_decide(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    as_user(client, "alex", "agent", "A7")
    item_id = failed_items(client.get(f"/ui/calls/{call_id}").text)[0]
    client.post(
        f"/ui/calls/{call_id}/items/{item_id}/dispute",
        data={"reason": "said it", "csrf_token": csrf_of(client, f"/ui/calls/{call_id}")},
    )
    as_user(client, "bo", "agent", "A8")
    assert client.get(f"/ui/calls/{call_id}").status_code == 404
    as_user(client, "ines", "inspector")
    page = client.get(f"/ui/calls/{call_id}").text
    assert "dispute open" in page and "/decide" not in page and 'class="dispute-open"' not in page
    assert client.get("/ui/disputes").status_code == 403
    token = csrf_of(client, f"/ui/calls/{call_id}")
    refused = client.post(
        "/ui/disputes/1/decide", data={"decision": "accept", "comment": "ok", "csrf_token": token}
    )
    assert refused.status_code == 403
    refused = client.post(
        f"/ui/calls/{call_id}/items/{item_id}/dispute", data={"reason": "mine", "csrf_token": token}
    )
    assert refused.status_code == 403
