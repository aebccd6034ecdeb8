"""One item an inspector overrode, followed through every surface that counts item results: the
report (JSON and CSV), the library's error cases and best examples, training needs and the alert
rules see the inspector's status, and each figure says how many of its calls a person reviewed
(SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient

from services.insights import period_facts
from tests.support.api import token
from tests.support.insights import DAY, NOON, polite, stored_call, upset
from tests.support.web import services_of


def test_an_item_overridden_to_pass_counts_as_passed_everywhere(client: TestClient) -> None:
    services = services_of(client)
    overridden = stored_call(services, "A1", upset(), NOON)
    kept = [stored_call(services, "A1", upset(), NOON + timedelta(hours=h)) for h in (1, 5)]
    for hour in (2, 3, 4):  # peers who greet: the greeting is a training need for A1
        stored_call(services, f"B{hour}", polite(), NOON + timedelta(hours=hour), team="south")
    inspector, supervisor = token(client, "inspector"), token(client, "supervisor")
    items = client.get(f"/calls/{overridden}/review", headers=inspector).json()["machine"]["items"]
    greeting = next(item for item in items if item["item_id"] == "greeting")
    assert greeting["status"] == "fail"
    decided = client.put(
        f"/calls/{overridden}/review/items/greeting",
        json={"status": "pass", "comment": "greeted before the recording started"},
        headers=inspector,
    )
    assert decided.status_code == 200, decided.text

    day = {"date_from": str(DAY)}
    report = client.get("/reports/quality", params=day, headers=supervisor).json()
    (row,) = [i for i in report["overall"]["items"] if i["item_id"] == "greeting"]
    assert (row["failed"], row["decided"], row["reviewed"]) == (2, 6, 1)  # the machine said 3 failed
    assert report["overall"]["reviewed"] == 1
    exported = client.get("/reports/quality.csv", params=day, headers=supervisor).text
    overall = next(csv.DictReader(io.StringIO(exported)))
    assert "greeting 2/6 (1 reviewed)" in overall["failed_items"]

    cases = client.get("/library/error-cases", params=day, headers=supervisor).json()
    (greeting_cases,) = [c for c in cases if c["item_id"] == "greeting"]
    assert [e["call_id"] for e in greeting_cases["examples"]] == kept[::-1]  # not the overridden call
    assert greeting_cases["reviewed"] == 1

    needs = client.get("/library/training-needs", params=day, headers=supervisor).json()
    (need,) = [n for n in needs if n["key"] == "A1" and n["item_id"] == "greeting"]
    assert (need["failed"], need["decided"], need["reviewed"]) == (2, 3, 1)

    facts = {f.call_id: f for f in period_facts(services, DAY, DAY)}  # what the alert rules read
    assert "greeting" not in {i.item_id for i in facts[overridden].failed_items}
    assert "greeting" in {i.item_id for i in facts[kept[0]].failed_items}
    assert facts[overridden].reviewed and not facts[kept[0]].reviewed

    refail = client.put(
        f"/calls/{overridden}/review/items/greeting", json={"status": "fail"}, headers=inspector
    )
    assert refail.status_code == 200  # the newest decision wins
    again = client.get("/reports/quality", params=day, headers=supervisor).json()
    (row,) = [i for i in again["overall"]["items"] if i["item_id"] == "greeting"]
    assert (row["failed"], row["reviewed"]) == (3, 1)
