"""Complaint topics through the real pipeline, store and app, on SQLite and PostgreSQL: calls
scored and indexed (their turn vectors stored by the search index, reused here), topics refreshed,
ids kept across runs, new calls assigned, the API's roles and masking, the rising-topic alert,
the CLI."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from insights.alerts import AlertThresholds
from runtime.services import Services
from runtime.settings import Settings, get_settings
from services.topics import (
    assign_new_calls,
    check_topic_alerts,
    refresh_due,
    refresh_topics,
    topics,
    topics_if_due,
)
from tests.support.api import token
from tests.support.schema import differences
from tests.support.topics import CARD, DELIVERY, NOW, PRICE, complaint_call, seed
from tests.support.web import as_user, csrf_of, services_of


def test_topics_are_found_kept_assigned_and_served_by_role(client: TestClient) -> None:
    services = services_of(client)
    ids = seed(services)
    supervisor, trainer = token(client, "supervisor"), token(client, "trainer")
    period = {"date_from": "2026-11-10", "days": 5}
    assert client.get("/topics", params=period).status_code == 401
    assert client.get("/topics", params=period, headers=token(client, "agent", "A1")).status_code == 403
    empty = client.get("/topics", params=period, headers=supervisor).json()
    assert empty["run"] is None and empty["topics"] == [] and empty["calls_scored"] == 17

    run = refresh_topics(services, NOW)
    assert run.topics >= 3 and run.complaints >= 17  # every complaint call's two customer turns
    body = client.get("/topics", params=period, headers=supervisor).json()
    by_name = {t["name"]: t for t in body["topics"]}
    price = next(t for name, t in by_name.items() if "price" in name)
    delivery = next(t for name, t in by_name.items() if "deliver" in name or "parcel" in name)
    chinese = next(t for t in body["topics"] if t["language"] == "zh")
    assert price["calls"] == 4 and price["queues"] == [{"queue": "billing", "calls": 4}]
    assert [d["calls"] for d in price["days"]] == [0, 0, 0, 0, 4]
    assert delivery["queues"][0]["queue"] == "shop" and delivery["calls"] >= 3
    assert "包裹" in chinese["name"] and chinese["queues"] == [{"queue": "shop-zh", "calls": 4}]
    assert all(CARD not in phrase for t in body["topics"] for phrase in t["phrases"])
    assert body["run"]["id"] == run.id and body["calls_scored"] == 17
    billing = client.get("/topics", params={**period, "queue": "billing"}, headers=supervisor).json()
    assert billing["calls_scored"] == 8 and {t["id"] for t in billing["topics"]} >= {price["id"]}

    seen = client.get(f"/topics/{price['id']}/calls", params=period, headers=supervisor).json()
    assert {c["call_id"] for c in seen["calls"]} == set(ids["price"]) and not seen["redacted"]
    first = next(c for c in seen["calls"] if c["call_id"] == ids["price"][0])
    assert CARD in first["text"] and first["at"] == 4.0
    assert first["link"] == f"/ui/calls/{ids['price'][0]}?t=4"
    masked = client.get(f"/topics/{price['id']}/calls", params=period, headers=trainer).json()
    assert masked["redacted"] and all("4111" not in c["text"] for c in masked["calls"])
    assert any("[CARD]" in c["text"] for c in masked["calls"])
    paged = client.get(f"/topics/{price['id']}/calls", params={**period, "limit": 3}, headers=trainer).json()
    assert len(paged["calls"]) == 3 and paged["has_more"]
    assert client.get("/topics/99999/calls", headers=supervisor).status_code == 404
    assert client.get("/topics", params={"days": 0}, headers=supervisor).status_code == 422
    assert client.get("/topics", params={"date_from": "11/10/2026"}, headers=supervisor).status_code == 422

    again = refresh_topics(services, NOW + timedelta(days=1))
    assert again.id != run.id
    kept = client.get("/topics", params=period, headers=supervisor).json()
    assert {t["id"] for t in kept["topics"]} == {t["id"] for t in body["topics"]}

    late = complaint_call(services, PRICE[4], NOW + timedelta(hours=1), "billing")
    assert assign_new_calls(services) == 1
    mentions = topics(services).mentions(NOW, NOW + timedelta(hours=2))
    assert {m.call_id for m in mentions} == {late} and price["id"] in {m.topic_id for m in mentions}


def test_topics_appear_within_the_hour_of_a_first_import_and_refresh_from_the_page(
    client: TestClient,
) -> None:
    services = services_of(client)
    assert refresh_due(services, NOW)  # never run
    topics_if_due(services, NOW)  # the scheduler at start, before any call: nothing to cluster
    assert topics(services).latest_run().topics == 0  # type: ignore[union-attr]
    seed(services)  # the first calls, imported after that run
    assert refresh_due(services, NOW + timedelta(hours=1))  # not tomorrow: within the hour
    topics_if_due(services, NOW + timedelta(hours=1))
    assert topics(services).latest_run().topics >= 3  # type: ignore[union-attr]
    assert not refresh_due(services, NOW + timedelta(hours=2))  # found: new calls only join them

    as_user(client, "tess", "trainer")
    assert "Refresh topics now" not in client.get("/ui/topics").text
    as_user(client, "sue", "supervisor")
    page = client.get("/ui/topics")
    assert "Refresh topics now" in page.text and 'id="topic-run"' in page.text
    done = client.post("/ui/topics/refresh", data={"csrf_token": csrf_of(client, "/ui/topics")})
    assert done.status_code == 200 and 'id="refreshed"' in done.text and "complaint turns." in done.text


def test_a_rising_topic_raises_one_alert_with_its_calls(settings: Settings) -> None:
    limits = AlertThresholds(topic_min_queue_calls=3, topic_min_calls=3)
    services = Services(settings.model_copy(update={"alerts": limits}))
    try:
        ids = seed(services)
        refresh_topics(services, NOW)
        raised = check_topic_alerts(services, NOW)
        assert {(r.kind, r.queue) for r in raised} == {("complaint_topic", "billing")}  # shop: no call today
        (price,) = [r for r in raised if "price" in r.title]
        assert set(price.call_ids) == set(ids["price"]) and "100% of calls (was 0%)" in price.title
        assert check_topic_alerts(services, NOW + timedelta(hours=1)) == []  # once per window
    finally:
        services.close()


def test_the_cli_refreshes_and_prints_topics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path / "data", scorecard_dir=None, default_language=None, queues={})
    services = Services(settings)
    for n, said in enumerate(PRICE + DELIVERY):
        complaint_call(services, said, datetime.now(UTC) - timedelta(days=1, hours=n), "billing")
    services.close()
    for name in [k for k in os.environ if k.startswith("CALLQA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CALLQA_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        table = runner.invoke(app, ["topics", "--refresh"], env={"COLUMNS": "200"})
        assert table.exit_code == 0, table.output
        assert "topics refreshed" in table.stderr and "price" in table.stdout and "billing" in table.stdout
        found = json.loads(runner.invoke(app, ["topics", "--json"]).stdout)
        assert found["calls_scored"] == 10 and len(found["topics"]) >= 2
        refused = runner.invoke(app, ["topics", "--from", "2026-11-10", "--to", "2026-11-01"])
        assert refused.exit_code == 2 and "before" in refused.stderr
    finally:
        get_settings.cache_clear()


def test_migration_0019_matches_the_tables(services: Services) -> None:
    """The topic tables as migrated are the tables the code declares (both databases)."""
    assert differences(services.engine, "'topic_runs'", "'complaint_topics'", "'topic_assignments'") == []
