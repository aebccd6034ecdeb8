"""Calibration sessions over the API (SQLite and PostgreSQL): a supervisor opens one on two
scored calls for three inspectors, who answer blind and submit; the report compares them with
one another and with the machine; closing reveals the answers. And who may do what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli_calibration_sessions
from api.cli import app as cli
from tests.support.api import scored_call_with_pii, token, upload
from tests.support.audio import wav_bytes

Headers = dict[str, str]


def inspector(client: TestClient) -> tuple[str, Headers]:
    """An inspector API token: its holder name (`token N`, as it is invited) and its headers."""
    services = client.app.state.services  # type: ignore[attr-defined]
    record, plaintext = services.tokens.create("inspector", "calibration test")
    return f"token {record.id}", {"Authorization": f"Bearer {plaintext}"}


def items_of(session: dict[str, Any], call_id: str) -> list[str]:
    call = next(c for c in session["calls"] if c["call_id"] == call_id)
    return [item["item_id"] for item in call["items"]]


def answer_all(
    client: TestClient,
    session: dict[str, Any],
    who: Headers,
    status: str,
    exceptions: dict[str, str] | None = None,
) -> None:
    """Answer every item of every call with `status`, except the items named (-> their status)."""
    for call in session["calls"]:
        answers = [
            {
                "item_id": item_id,
                "status": (exceptions or {}).get(item_id, status),
                "comment": f"{status} seen",
            }
            for item_id in items_of(session, call["call_id"])
        ]
        saved = client.put(
            f"/calibration-sessions/{session['id']}/calls/{call['call_id']}/answers",
            json={"answers": answers},
            headers=who,
        )
        assert saved.status_code == 200, saved.text


def test_inspectors_answer_blind_and_the_report_compares_them_with_the_machine(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = scored_call_with_pii(client, "A1", freq=523.0)
    second = scored_call_with_pii(client, "A2", freq=587.0)
    supervisor = token(client, "supervisor")
    (ann, ann_h), (bob, bob_h), (cyd, cyd_h) = inspector(client), inspector(client), inspector(client)

    created = client.post(
        "/calibration-sessions",
        json={"name": "November calibration", "due_on": "2026-12-01", "call_ids": [first, second],
              "inspectors": [ann, bob, cyd]},
        headers=supervisor,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    session = created.json()
    sid = session["id"]
    assert session["state"] == "open" and session["due_on"] == "2026-12-01" and session["call_count"] == 2
    assert [p["submitted_at"] for p in session["participants"]] == [None, None, None]
    assert [c["call_id"] for c in session["calls"]] == [first, second]
    for call in session["calls"]:  # the items to answer, never the machine's answer
        assert call["scorecard"] == "generic-en@2" and call["items"]
        assert all(set(item) == {"item_id", "label", "section", "critical"} for item in call["items"])

    # ann answers; bob sees nothing of it (blind); a submission needs every item
    first_items = items_of(session, first)
    client.put(
        f"/calibration-sessions/{sid}/calls/{first}/answers",
        json={"answers": [{"item_id": first_items[0], "status": "fail", "comment": "too late"}]},
        headers=ann_h,
    )
    incomplete = client.post(f"/calibration-sessions/{sid}/submit", headers=ann_h)
    assert incomplete.status_code == 409 and "not answered yet" in incomplete.json()["detail"]
    blind = client.get(f"/calls/{first}", headers=ann_h)  # nor the machine's result, until she submits
    assert blind.status_code == 403 and f"blind in calibration session {sid}" in blind.json()["detail"]
    assert client.get(f"/calls/{first}", headers=token(client, "inspector")).status_code == 200  # not invited
    answer_all(client, session, ann_h, "pass")  # replaces the earlier answer
    mine = client.get(f"/calibration-sessions/{sid}", headers=ann_h).json()["answers"]
    assert {a["inspector"] for a in mine} == {ann} and all(a["status"] == "pass" for a in mine)
    assert len(mine) == len(first_items) + len(items_of(session, second))
    assert client.post(f"/calibration-sessions/{sid}/submit", headers=ann_h).status_code == 200
    assert client.get(f"/calibration-sessions/{sid}", headers=bob_h).json()["answers"] == []
    assert client.get(f"/calls/{first}", headers=ann_h).status_code == 200  # submitted: no longer blind
    again = client.put(
        f"/calibration-sessions/{sid}/calls/{first}/answers",
        json={"answers": [{"item_id": first_items[0], "status": "fail"}]},
        headers=ann_h,
    )
    assert again.status_code == 409  # submitted answers are fixed
    too_few = client.get(f"/calibration-sessions/{sid}/report", headers=supervisor)
    assert too_few.status_code == 409 and "1 of 3" in too_few.json()["detail"]

    # bob disagrees on one item; the report compares ann and bob (cyd has not submitted)
    differing = first_items[0]
    answer_all(client, session, bob_h, "pass", {differing: "fail"})
    assert client.get(f"/calibration-sessions/{sid}/report", headers=bob_h).status_code == 409  # still open
    submitted = client.post(f"/calibration-sessions/{sid}/submit", headers=bob_h).json()
    assert [p["inspector"] for p in submitted["participants"] if p["submitted_at"]] == sorted([ann, bob])
    assert {a["inspector"] for a in submitted["answers"]} == {bob}  # still blind to ann

    report = client.get(f"/calibration-sessions/{sid}/report", headers=supervisor)
    assert report.status_code == 200, report.text
    found = report.json()
    assert found["inspectors"] == sorted([ann, bob])
    by_item = {row["item"]: row for row in found["items"]}
    assert list(by_item)[-1] == "all" and f"generic-en/{differing}" in by_item
    overall = by_item["all"]
    assert overall["inspectors"]["method"] == "cohen" and overall["with_machine"]["method"] == "fleiss"
    assert overall["with_machine"]["raters"] == 3
    answered = len(first_items) + len(items_of(session, second))
    assert overall["inspectors"]["calls"] == answered
    assert overall["inspectors"]["agreement"] == (answered - 2) / answered  # the item differs on both calls
    deviation = {d["rater"]: d for d in found["deviations"]}
    assert set(deviation) == {ann, bob, "machine"}
    assert deviation[ann]["differing"] == 0 and deviation[bob]["differing"] == 0  # the ties are not compared
    assert deviation[ann]["compared"] == answered - 2
    assert deviation["machine"]["differing"] > 0  # the machine failed items both inspectors passed
    side_by_side = {row["item"]: row for row in found["calls"][0]["items"]}[f"generic-en/{differing}"]
    assert side_by_side["answers"] == {ann: "pass", bob: "fail"} and side_by_side["consensus"] is None
    assert side_by_side["comments"] == {ann: "pass seen", bob: "pass seen"}
    assert side_by_side["machine"] in {"pass", "fail", "na", "undecidable"}
    seen = client.get(f"/calibration-sessions/{sid}", headers=supervisor).json()["answers"]
    assert {a["inspector"] for a in seen} == {ann, bob}  # a supervisor reads every submitted answer

    # the same report on the terminal
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    monkeypatch.setattr(cli_calibration_sessions, "get_settings", lambda: settings)
    printed = CliRunner().invoke(cli, ["calibration-session", "report", str(sid)])
    assert printed.exit_code == 0, printed.output
    assert "November calibration: 2 inspectors submitted" in printed.output
    assert f"generic-en/{differing}" in printed.output and "machine" in printed.output
    as_json = CliRunner().invoke(cli, ["calibration-session", "report", str(sid), "--json"])
    assert as_json.exit_code == 0, as_json.output[:300]
    assert json.loads(as_json.output) == found
    missing = CliRunner().invoke(cli, ["calibration-session", "report", "999"])
    assert missing.exit_code == 1 and "no calibration session 999" in missing.output

    # the calls' own review is untouched; their history says who submitted, never what
    review = client.get(f"/calls/{first}/review", headers=supervisor).json()
    assert (
        review["decisions"] == []
        and client.get(f"/calls/{first}", headers=supervisor).json()["final_score"] is None
    )
    # cyd, still scoring blind, may not read it (its human decisions would show); a supervisor may
    assert client.get(f"/calls/{first}/history", headers=cyd_h).status_code == 403
    events = client.get(f"/calls/{first}/history", headers=supervisor).json()["events"]
    assert [e["action"] for e in events] == [
        "calibration_session_opened",
        "calibration_answers_submitted",
        "calibration_answers_submitted",
    ]
    assert events[0]["after"] == {
        "session": sid,
        "name": "November calibration",
        "inspectors": sorted([ann, bob, cyd]),
    }
    assert events[1]["after"] == {"session": sid, "inspector": ann, "items": len(first_items)}
    assert "pass" not in str(events) and "fail" not in str(events)

    # closing reveals the submitted answers (and the report) to the participants; nothing changes after
    closed = client.post(f"/calibration-sessions/{sid}/close", headers=supervisor)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert client.post(f"/calibration-sessions/{sid}/close", headers=supervisor).status_code == 409
    revealed = client.get(f"/calibration-sessions/{sid}", headers=cyd_h).json()["answers"]
    assert {a["inspector"] for a in revealed} == {ann, bob}
    assert client.get(f"/calibration-sessions/{sid}/report", headers=cyd_h).json() == found
    late = client.put(
        f"/calibration-sessions/{sid}/calls/{first}/answers",
        json={"answers": [{"item_id": differing, "status": "pass"}]},
        headers=cyd_h,
    )
    assert late.status_code == 409
    assert client.get(f"/calls/{first}/history", headers=supervisor).json()["events"][-1]["action"] == (
        "calibration_session_closed"
    )
    listed = client.get("/calibration-sessions", params={"state": "closed"}, headers=bob_h).json()
    assert [s["id"] for s in listed] == [sid]
    assert client.get("/calibration-sessions", params={"state": "open"}, headers=supervisor).json() == []


def test_who_may_do_what_and_bad_picks_are_named(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A1")
    unscored = upload(client, token(client, "admin"), wav_bytes(700.0)).json()["id"]
    supervisor, admin = token(client, "supervisor"), token(client, "admin")
    (ann, ann_h), (bob, _), (_, stranger_h) = inspector(client), inspector(client), inspector(client)
    services = client.app.state.services  # type: ignore[attr-defined]
    services.users.add("ines", "correct horse battery", "inspector")
    services.users.add("alex", "correct horse battery", "agent", "A1")

    def create(call_ids: list[str], inspectors: list[str], headers: Headers = supervisor) -> Any:
        body = {"name": "calibration", "call_ids": call_ids, "inspectors": inspectors}
        return client.post("/calibration-sessions", json=body, headers=headers)

    for role_headers in (token(client, "agent", "A1"), token(client, "trainer"), ann_h):
        assert create([call_id], [ann, bob], role_headers).status_code == 403
    for role_headers in (token(client, "agent", "A1"), token(client, "trainer")):
        assert client.get("/calibration-sessions", headers=role_headers).status_code == 403
    assert create([call_id], [ann]).status_code == 422  # two inspectors at least
    for calls, inspectors, code, said in (
        ([call_id], [ann, "nobody"], 404, "not an active inspector: nobody"),
        ([call_id], [ann, "alex"], 404, "not an active inspector: alex"),
        ([unscored], [ann, bob], 409, f"call {unscored} is not scored yet"),
        (["f" * 32], [ann, bob], 404, f"no call {'f' * 32}"),
        ([call_id], [ann, ann], 422, "pick at least 2 inspectors"),
    ):
        refused = create(calls, inspectors)
        assert refused.status_code == code and said in refused.json()["detail"], refused.text

    session = create([call_id], [ann, "ines"], admin).json()
    sid, item_id = session["id"], items_of(session, call_id)[0]
    url = f"/calibration-sessions/{sid}"
    assert client.get(url, headers=stranger_h).status_code == 404  # not invited: as if it did not exist
    assert client.get("/calibration-sessions", headers=stranger_h).json() == []
    assert client.get(f"{url}/report", headers=stranger_h).status_code == 404
    assert client.get("/calibration-sessions/999999", headers=supervisor).status_code == 404
    put = f"{url}/calls/{call_id}/answers"
    one = {"answers": [{"item_id": item_id, "status": "pass"}]}
    assert client.put(put, json=one, headers=stranger_h).status_code == 404
    assert client.put(put, json=one, headers=supervisor).status_code == 403  # supervisors do not answer
    assert client.post(f"{url}/submit", headers=supervisor).status_code == 403
    assert client.post(f"{url}/close", headers=ann_h).status_code == 403
    unknown_item = client.put(put, json={"answers": [{"item_id": "nope", "status": "pass"}]}, headers=ann_h)
    assert unknown_item.status_code == 404 and "nope" in unknown_item.json()["detail"]
    twice = {"answers": [{"item_id": item_id, "status": "pass"}, {"item_id": item_id, "status": "fail"}]}
    assert client.put(put, json=twice, headers=ann_h).json()["answers"][0]["status"] == "fail"  # the last
    undecidable = client.put(
        put, json={"answers": [{"item_id": item_id, "status": "undecidable"}]}, headers=ann_h
    )
    assert undecidable.status_code == 422
    other_call = client.put(f"{url}/calls/{unscored}/answers", json=one, headers=ann_h)
    assert other_call.status_code == 404
    assert client.get(url, params={"extra": "1"}, headers=supervisor).status_code == 422
