"""Calibration sessions in the web workspace (SQLite and PostgreSQL): a supervisor picks calls and
inspectors, the inspectors score blind on the session's own page with plain forms and CSRF,
the supervisor reads the report; what each role may open."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.api import scored_call_with_pii
from tests.support.web import add_user, as_user, csrf_of, services_of, sign_in


def switch(client: TestClient, name: str) -> None:
    client.cookies.clear()
    assert sign_in(client, name).status_code == 303


def sheet(
    client: TestClient, page: str, status: str, exceptions: dict[str, str] | None = None
) -> dict[str, str]:
    """The scoring page's form filled in: every item `status` (or its exception), with a comment."""
    items = re.findall(r'name="status-([\w-]+)" value="pass"', client.get(page).text)
    assert items
    fields = {"csrf_token": csrf_of(client, page)}
    for item_id in items:
        fields[f"status-{item_id}"] = (exceptions or {}).get(item_id, status)
        fields[f"comment-{item_id}"] = "heard it"
    return fields


def test_a_session_from_picking_to_the_report(client: TestClient) -> None:
    first = scored_call_with_pii(client, "A1", freq=523.0)
    second = scored_call_with_pii(client, "A2", freq=587.0)
    for name in ("ann", "bob"):
        add_user(client, name, "inspector")
    as_user(client, "sam", "supervisor")

    listing = client.get("/ui/calibration").text
    assert 'href="/ui/calibration"' in listing and 'href="/ui/calibration/new"' in listing
    new = client.get("/ui/calibration/new", params={"verdict": "maybe"}).text
    assert "Left out: verdict: unknown value" in new
    assert f'value="{first}"' in new and f'value="{second}"' in new
    assert 'name="inspectors" value="ann"' in new and 'name="inspectors" value="bob"' in new
    form = {
        "name": "Week 48",
        "due_on": "2026-12-04",
        "call_ids": [first, second],
        "inspectors": ["ann", "bob"],
    }
    assert client.post("/ui/calibration", data={**form, "csrf_token": "forged"}).status_code == 403
    token = csrf_of(client, "/ui/calibration/new")
    one = client.post("/ui/calibration", data={**form, "inspectors": ["ann"], "csrf_token": token})
    assert one.status_code == 422 and "at least 2 inspectors" in one.text
    opened = client.post("/ui/calibration", data={**form, "csrf_token": token}, follow_redirects=False)
    assert opened.status_code == 303
    session_url = opened.headers["location"]
    assert re.fullmatch(r"/ui/calibration/\d+", session_url)
    assert "0 of 2 submitted" in client.get(session_url).text

    # ann scores blind: the recording and transcript, the items, nothing of the machine's result
    switch(client, "ann")
    assert "yours to score" in client.get("/ui/calibration").text
    score_url = f"{session_url}/calls/{first}"
    page = client.get(score_url).text
    assert f'src="/ui/calls/{first}/audio"' in page and "4111 1111 1111 1111" in page
    machine = services_of(client).results.analysis(first)
    assert machine is not None
    for item in machine.analysis.score.items:
        assert item.label in page and (not item.reason or item.reason not in page)
    assert "machine:" not in page and 'class="tag"' not in page and 'class="marker' not in page
    item_id = machine.analysis.score.items[0].item_id
    bad = sheet(client, score_url, "pass", {item_id: "undecidable"})
    assert client.post(score_url, data=bad).status_code == 422  # an inspector decides
    too_long = {**sheet(client, score_url, "pass"), f"comment-{item_id}": "x" * 2001}
    assert "longer than 2000" in client.post(score_url, data=too_long).text
    assert "checked" not in client.get(score_url).text  # nothing of a refused sheet was kept
    saved = client.post(score_url, data=sheet(client, score_url, "pass"), follow_redirects=False)
    assert saved.headers["location"] == f"{session_url}/calls/{second}"  # on to the next call
    assert client.get(score_url).text.count("checked") == len(machine.analysis.score.items)
    last = f"{session_url}/calls/{second}"
    assert client.post(last, data=sheet(client, last, "pass"), follow_redirects=False).headers[
        "location"
    ] == (session_url)
    submitted = client.post(f"{session_url}/submit", data={"csrf_token": csrf_of(client, session_url)})
    assert submitted.status_code == 200 and 'id="you-submitted"' in submitted.text
    assert 'name="status-' in client.get(score_url).text and "disabled" in client.get(score_url).text
    assert client.get(f"{session_url}/report").status_code == 409  # participants: once it is closed

    # bob sees nothing of ann's answers, and fails the first item
    switch(client, "bob")
    assert "checked" not in client.get(score_url).text
    first_item = machine.analysis.score.items[0]
    client.post(score_url, data=sheet(client, score_url, "pass", {first_item.item_id: "fail"}))
    client.post(last, data=sheet(client, last, "pass"))
    client.post(f"{session_url}/submit", data={"csrf_token": csrf_of(client, session_url)})

    # trainers and agents have no business here
    for name, role, agent in (("tia", "trainer", None), ("alex", "agent", "A1")):
        as_user(client, name, role, agent)
        assert client.get("/ui/calibration").status_code == 403
        assert client.get(session_url).status_code == 403
        assert 'href="/ui/calibration"' not in client.get("/ui/").text

    # the supervisor reads the report and closes the session; then ann reads it too
    switch(client, "sam")
    progress = client.get(session_url).text
    assert "2 of 2 submitted" in progress and 'id="report-link"' in progress
    report = client.get(f"{session_url}/report")
    assert report.status_code == 200
    assert "All items" in report.text and "Cohen" in report.text and "Fleiss" in report.text
    assert f'data-item="generic-en/{first_item.item_id}"' in report.text
    assert 'data-rater="machine"' in report.text and 'class="no-consensus"' in report.text
    closed = client.post(f"{session_url}/close", data={"csrf_token": csrf_of(client, session_url)})
    assert closed.status_code == 200 and "calibration session · closed" in closed.text
    switch(client, "ann")
    assert client.get(f"{session_url}/report").status_code == 200
    history = services_of(client).calls.events(first)
    assert [e.action for e in history] == [
        "calibration_session_opened",
        "calibration_answers_submitted",
        "calibration_answers_submitted",
        "calibration_session_closed",
    ]
