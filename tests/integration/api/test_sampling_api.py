"""The roster and pass-rate endpoints (SQLite and PostgreSQL), and who may use them."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from services.sampling import select_day
from store.roster import AgentProfile
from tests.support.api import token
from tests.support.sampling import DAY, reviewed, scored
from tests.support.web import add_user, sign_in

ROSTER = "agent_id,name,team,start_date\nA1,Ann,red,2026-11-20\nA2,,blue,2025-01-06\n"


def upload_roster(client: TestClient, headers: dict[str, str], text: str, name: str = "roster.csv"):  # type: ignore[no-untyped-def]
    csv_headers = {**headers, "Content-Type": "text/csv"}
    return client.post("/roster/import", params={"name": name}, content=text.encode(), headers=csv_headers)


def test_the_roster_is_kept_by_supervisors_and_admins(client: TestClient) -> None:
    supervisor = token(client, "supervisor")
    first = upload_roster(client, supervisor, ROSTER)
    assert first.status_code == 200
    assert first.json() == {"added": 2, "updated": 0, "unchanged": 0, "errors": [], "imported": True}
    again = upload_roster(client, token(client, "admin"), ROSTER.replace("blue", "green"))
    assert (again.json()["added"], again.json()["updated"], again.json()["unchanged"]) == (0, 1, 1)

    put = client.put(
        "/roster/agents/A3", json={"team": "red", "start_date": "2026-11-24"}, headers=supervisor
    )
    assert put.status_code == 200 and put.json()["outcome"] == "added"
    assert put.json()["agent"]["start_date"] == "2026-11-24"
    same = client.put(
        "/roster/agents/A3", json={"team": "red", "start_date": "2026-11-24"}, headers=supervisor
    )
    assert same.json()["outcome"] == "unchanged"

    listed = client.get("/roster/agents", params={"team": "red"}, headers=supervisor).json()
    assert listed["total"] == 2 and [a["agent_id"] for a in listed["agents"]] == ["A1", "A3"]
    assert listed["agents"][0]["name"] == "Ann"

    for role in ("inspector", "trainer", "agent"):
        headers = token(client, role, "A1" if role == "agent" else None)
        assert client.get("/roster/agents", headers=headers).status_code == 403
        assert upload_roster(client, headers, ROSTER).status_code == 403
        assert (
            client.put("/roster/agents/A9", json={"start_date": "2026-11-24"}, headers=headers).status_code
            == 403
        )
    assert client.get("/roster/agents").status_code == 401


def test_a_bad_roster_names_every_bad_line_and_imports_nothing(client: TestClient) -> None:
    admin = token(client, "admin")
    bad = "agent_id,team,start_date\nA1,red,2026-11-20\n,red,2026-11-20\nA2,red,20/11/2026\n"
    bad += "A1,blue,2026-11-21\n"
    refused = upload_roster(client, admin, bad, "team.csv")
    assert refused.status_code == 200 and refused.json()["imported"] is False
    messages = refused.json()["errors"]
    assert messages[0].startswith("team.csv:3: agent_id:")
    assert messages[1] == "team.csv:4: start_date: Value error, expected a day as YYYY-MM-DD, e.g. 2026-11-02"
    assert messages[2] == "team.csv:5: agent_id: A1 is already on line 2"
    assert client.get("/roster/agents", headers=admin).json()["total"] == 0

    [header] = upload_roster(client, admin, "agent,start\nA1,2026-11-20\n").json()["errors"]
    assert header.startswith(
        "roster.csv:1: missing column(s) agent_id, start_date; unknown column(s) agent, start"
    )
    binary = client.post(
        "/roster/import", content=b"\xff\xfe\x00", headers={**admin, "Content-Type": "text/csv"}
    )
    assert binary.json()["errors"] == ["roster.csv: not a UTF-8 text file"]
    form = client.post(
        "/roster/import", files={"file": ("r.csv", ROSTER.encode(), "text/csv")}, headers=admin
    )
    assert form.status_code == 415 and "Content-Type: text/csv" in form.json()["detail"]
    bad_put = client.put("/roster/agents/A1", json={"start_date": "1700000000"}, headers=admin)
    assert bad_put.status_code == 422


def test_pass_rates_beside_the_machines(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    client.put(
        "/roster/agents/A1", json={"team": "red", "start_date": "2024-01-01"}, headers=token(client, "admin")
    )
    calls = [scored(services, "A1", hour) for hour in (9, 10, 14)] + [
        scored(services, "A1", 11, passed=False)
    ]
    select_day(services, DAY)
    for call_id in calls:
        if services.selections.of_call(call_id) is not None:
            reviewed(services, call_id, passed=call_id != calls[-1])

    for role in ("admin", "supervisor", "inspector"):
        response = client.get(
            "/reports/pass-rates",
            params={"by": "team", "from": DAY.isoformat(), "to": DAY.isoformat()},
            headers=token(client, role),
        )
        assert response.status_code == 200
    body = response.json()
    assert body["by"] == "team" and body["date_from"] == DAY.isoformat()
    red, everyone = body["rows"]
    assert red["group"] == "red" and everyone["group"] == "all"
    assert (red["calls"], red["machine_pass_rate"], red["reviewed"]) == (4, 0.75, 4)
    assert red["estimate"] == 0.75 and red["interval"] == {"low": 0.75, "high": 0.75}  # every call reviewed
    for role in ("trainer", "agent"):
        assert client.get("/reports/pass-rates", headers=token(client, role, "A1")).status_code == 403
    assert (
        client.get("/reports/pass-rates", params={"by": "queue"}, headers=token(client, "admin")).status_code
        == 422
    )
    assert (
        client.get(
            "/reports/pass-rates", params={"date_from": "2026-01-01"}, headers=token(client, "admin")
        ).status_code
        == 422
    )


def test_the_pass_rate_page(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    services.roster.put("A1", AgentProfile(team="red", start_date=date(2024, 1, 1)))
    calls = [scored(services, "A1", 10), scored(services, "A1", 11, passed=False)]
    select_day(services, DAY)
    reviewed(services, calls[1], passed=False)
    add_user(client, "ines", "inspector")
    add_user(client, "tom", "trainer")
    assert client.get("/ui/pass-rates", follow_redirects=False).status_code == 303
    sign_in(client, "ines")
    page = client.get("/ui/pass-rates", params={"by": "team", "date_from": DAY.isoformat(), "date_to": "x"})
    assert page.status_code == 200
    assert (
        'href="/ui/pass-rates"' in page.text
        and "Left out: to: not a day (YYYY-MM-DD): &#39;x&#39;" in page.text
    )
    red = re.search(
        r"<td>red</td>\s*<td>2</td>\s*<td>50%</td>\s*<td>2</td>\s*<td>1</td>\s*<td>0%</td>", page.text
    )
    assert red is not None, page.text
    sign_in(client, "tom")
    assert client.get("/ui/pass-rates").status_code == 403
