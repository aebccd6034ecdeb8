"""Calibration versions over HTTP and on the machine-calibration page: history with before/after,
a dry and a real run, rollback, and who may do which (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runtime.settings import Settings
from tests.support.api import token
from tests.support.calibration import reviewed_calls, with_test_card
from tests.support.web import add_user, csrf_of, sign_in


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_test_card(settings, tmp_path)


def item(assessment: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(row for row in assessment["items"] if row["item"] == name)


def test_calibrations_run_list_and_roll_back_over_http(client: TestClient) -> None:
    reviewed_calls(client.app.state.services, 4)  # type: ignore[attr-defined]
    supervisor, admin = token(client, "supervisor"), token(client, "admin")

    dry = client.post("/calibrations/run", json={"card": "cal", "dry_run": True}, headers=supervisor)
    assert dry.status_code == 200
    (outcome,) = dry.json()["outcomes"]
    assert dry.json()["dry_run"] and outcome["scorecard"] == "cal@3" and outcome["examples"] == 4
    assert outcome["version"] is None and outcome["activate"] is True
    assert outcome["summary"] == "cal@3: dry run, would be activated"
    verification = item(outcome["assessment"], "verification")
    assert verification["after"]["accuracy"] > verification["before"]["accuracy"]
    assert set(verification["after"]["accuracy_ci"]) == {"low", "high"}
    assert client.get("/calibrations", headers=supervisor).json() == {"cards": []}  # nothing stored

    done = client.post("/calibrations/run", json={"card": "cal@3"}, headers=supervisor).json()
    stored = done["outcomes"][0]["version"]
    assert stored["state"] == "active" and stored["created_by"].endswith("(supervisor)")
    assert done["outcomes"][0]["summary"] == f"cal@3: version {stored['version']} active"

    (card,) = client.get("/calibrations", headers=supervisor).json()["cards"]
    assert card["scorecard"] == "cal@3" and card["active"] == stored["version"]
    (version,) = card["versions"]
    assert version["why"] is None and version["assessment"]["held_out"] == 4
    assert item(version["assessment"], "verification") == verification  # the figures the dry run showed
    learnt = next(i for i in version["learnt"]["items"] if i["item_id"] == "verification")
    assert learnt["corrections"] == 4 and version["learnt"]["examples"] == 4

    back = client.post("/calibrations/cal/rollback", headers=admin)
    assert back.status_code == 200
    assert back.json()["withdrawn"]["version"] == stored["version"] and back.json()["restored"] is None
    assert back.json()["withdrawn"]["state"] == "rejected"
    assert back.json()["withdrawn"]["why"].startswith("rolled back by token")
    assert (
        client.get("/calibrations", params={"card": "cal"}, headers=admin).json()["cards"][0]["active"]
        is None
    )
    again = client.post("/calibrations/cal/rollback", headers=admin)
    assert again.status_code == 409
    assert again.json()["detail"] == "cal@3 has no active calibration to roll back"


def test_bad_calibration_requests_are_named(client: TestClient) -> None:
    admin = token(client, "admin")
    for response in (
        client.get("/calibrations", params={"card": "nope"}, headers=admin),
        client.post("/calibrations/run", json={"card": "nope"}, headers=admin),
        client.post("/calibrations/nope/rollback", headers=admin),
    ):
        assert response.status_code == 404 and "unknown scorecard 'nope'" in response.json()["detail"]
    extra = client.post("/calibrations/run", json={"cards": "cal"}, headers=admin)
    assert extra.status_code == 422 and "cards" in extra.json()["detail"]
    for body in ({"dry_run": 0}, {"card": ""}):  # a number is not a yes, an empty card not "every card"
        refused = client.post("/calibrations/run", json=body, headers=admin)
        assert refused.status_code == 422 and next(iter(body)) in refused.json()["detail"]
    nothing = client.post("/calibrations/run", headers=admin)  # every card, nothing reviewed yet
    assert nothing.status_code == 200
    assert {o["summary"] for o in nothing.json()["outcomes"]} >= {
        "cal@3: no reviewed items yet, nothing to learn from"
    }


def test_only_admins_and_supervisors_calibrate_and_only_admins_roll_back(client: TestClient) -> None:
    for role in ("inspector", "trainer", "agent"):
        headers = token(client, role, "A1" if role == "agent" else None)
        assert client.get("/calibrations", headers=headers).status_code == 403
        assert client.post("/calibrations/run", json={}, headers=headers).status_code == 403
        assert client.post("/calibrations/cal/rollback", headers=headers).status_code == 403
    assert client.post("/calibrations/cal/rollback", headers=token(client, "supervisor")).status_code == 403
    assert client.get("/calibrations").status_code == 401
    assert client.post("/calibrations/run", json={}).status_code == 401
    assert client.post("/calibrations/cal/rollback").status_code == 401


def test_the_machine_calibration_page(client: TestClient) -> None:
    reviewed_calls(client.app.state.services, 3)  # type: ignore[attr-defined]
    for name, role in (("sue", "supervisor"), ("ada", "admin"), ("ines", "inspector")):
        add_user(client, name, role)

    sign_in(client, "ines")
    assert client.get("/ui/calibrations").status_code == 403
    assert 'href="/ui/calibrations"' not in client.get("/ui/queue").text

    sign_in(client, "sue")
    page = client.get("/ui/calibrations").text
    assert 'href="/ui/calibrations"' in page and "No calibration stored yet" in page
    assert "<option>cal@3</option>" in page
    csrf = csrf_of(client, "/ui/calibrations")
    assert (
        client.post("/ui/calibrations/run", data={"card": "cal", "csrf_token": "forged"}).status_code == 403
    )
    dry = client.post("/ui/calibrations/run", data={"card": "cal", "dry_run": "on", "csrf_token": csrf}).text
    assert "Dry run: nothing stored" in dry and "cal@3: dry run, would be activated" in dry
    assert re.search(r"<td>verification</td><td>3</td>", dry) and "No calibration stored yet" in dry
    done = client.post("/ui/calibrations/run", data={"card": "cal", "csrf_token": csrf}).text
    version = re.search(r"cal@3: version (\d+) active", done)
    assert version is not None and "Roll back version" not in done  # a supervisor may not
    assert f'<tr data-version="{version.group(1)}">' in done
    assert (
        client.post("/ui/calibrations/rollback", data={"card": "cal", "csrf_token": csrf}).status_code == 403
    )

    sign_in(client, "ada")
    csrf = csrf_of(client, "/ui/calibrations")
    assert f"Roll back version {version.group(1)}" in client.get("/ui/calibrations").text
    back = client.post(
        "/ui/calibrations/rollback", data={"card": "cal@3", "csrf_token": csrf}, follow_redirects=False
    )
    assert back.status_code == 303 and back.headers["location"] == "/ui/calibrations"
    after = client.get("/ui/calibrations").text
    assert "scored as written" in after and "rolled back by user ada (admin)" in after
    again = client.post("/ui/calibrations/rollback", data={"card": "cal@3", "csrf_token": csrf})
    assert again.status_code == 409 and "cal@3 has no active calibration to roll back" in again.text
