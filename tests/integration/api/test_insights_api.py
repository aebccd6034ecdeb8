"""Reports and alerts through the real app, on SQLite and PostgreSQL: roles, CSV, the daily report
stored once after its time, alerts deduplicated and delivered to a real local webhook receiver
(signature checked) and a real local SMTP server."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from services.insights import check_alerts, daily_report_if_due, remake_stale_reports, stale_calls
from services.insights import reports as reports_of
from tests.support.api import token
from tests.support.insights import DAY, NOON, polite, stored_call, upset
from tests.support.schema import differences
from tests.support.web import as_user, csrf_of, services_of


def test_quality_report_json_csv_and_roles(client: TestClient) -> None:
    services = services_of(client)
    stored_call(services, "A1", polite(), NOON)
    stored_call(services, "A2", upset(), NOON + timedelta(hours=1), team="south")
    stored_call(services, "A2", polite(), NOON + timedelta(days=2))  # outside the day
    supervisor = token(client, "supervisor")
    body = client.get("/reports/quality", params={"date_from": str(DAY)}, headers=supervisor).json()
    assert body["overall"]["calls_scored"] == 2 and body["date_to"] == str(DAY)
    assert [g["key"] for g in body["by_agent"]] == ["A1", "A2"]
    assert [g["key"] for g in body["by_team"]] == ["north", "south"]
    assert body["overall"]["customer_end"]["negative"] == 1 and body["overall"]["routed_recovery"] == 1
    assert body["overall"]["items"] and body["overall"]["audited_pass_rate"] is None
    week = client.get("/reports/quality", params={"date_from": str(DAY), "days": 7}, headers=supervisor)
    assert week.json()["overall"]["calls_scored"] == 3 and len(week.json()["trend"]) == 14
    exported = client.get(
        "/reports/quality.csv", params={"date_from": str(DAY)}, headers=token(client, "inspector")
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["dimension"], r["key"], r["calls_scored"]) for r in rows][:3] == [
        ("all", "all", "2"),
        ("agent", "A1", "1"),
        ("agent", "A2", "1"),
    ]
    for role in ("trainer", "agent"):
        assert (
            client.get(
                "/reports/quality", params={"date_from": str(DAY)}, headers=token(client, role, "A1")
            ).status_code
            == 403
        )
    assert (
        client.get(
            "/reports/quality", params={"date_from": str(DAY), "days": 367}, headers=supervisor
        ).status_code
        == 422
    )
    assert (
        client.get(
            "/reports/quality", params={"date_from": str(DAY), "typo": 1}, headers=supervisor
        ).status_code
        == 422
    )
    edge = client.get("/reports/quality", params={"date_from": "9999-12-31", "days": 5}, headers=supervisor)
    assert edge.status_code == 200 and edge.json()["overall"]["calls_scored"] == 0


def test_daily_report_generated_once_after_its_time_and_kept(client: TestClient) -> None:
    services = services_of(client)
    stored_call(services, "A1", polite(), NOON)
    before_time = datetime(2026, 11, 20, 8, 59, tzinfo=UTC)
    assert daily_report_if_due(services, before_time) is None
    report = daily_report_if_due(services, before_time + timedelta(minutes=6))
    assert report is not None and report.date_from == DAY and report.overall.calls_scored == 1
    stored_call(services, "A2", polite(), NOON + timedelta(hours=2))  # a late upload: the stored one stays
    assert daily_report_if_due(services, before_time + timedelta(hours=3)) is None
    admin = token(client, "admin")
    listed = client.get("/reports/daily", headers=admin).json()
    assert [(r["date_from"], r["date_to"]) for r in listed] == [(str(DAY), str(DAY))]
    kept = client.get(f"/reports/daily/{DAY}", headers=admin).json()
    assert kept["overall"]["calls_scored"] == 1
    assert client.get("/reports/daily/2026-11-18", headers=admin).status_code == 404
    assert client.get("/reports/daily", headers=token(client, "trainer")).status_code == 403


def test_a_daily_report_missing_late_calls_says_so_and_is_remade(client: TestClient) -> None:
    services = services_of(client)
    stored_call(services, "A1", polite(), NOON)
    made_at = datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    assert daily_report_if_due(services, made_at) is not None
    (row,) = reports_of(services).daily(limit=5)
    assert stale_calls(services, row) == 0 and remake_stale_reports(services, made_at) == []
    stored_call(services, "A2", polite(), NOON + timedelta(hours=2))  # uploaded after the report
    assert stale_calls(services, row) == 1

    as_user(client, "sue", "supervisor")
    page = client.get(f"/ui/reports/daily/{DAY}")
    assert 'id="stale"' in page.text and "1 call of this period was scored" in page.text
    assert "Remake now" in page.text
    as_user(client, "ines", "inspector")
    assert "Remake now" not in client.get(f"/ui/reports/daily/{DAY}").text  # seen, not remade by them
    refused = client.post(f"/reports/daily/{DAY}/remake", headers=token(client, "inspector"))
    assert refused.status_code == 403
    missing = client.post("/reports/daily/2026-11-18/remake", headers=token(client, "supervisor"))
    assert missing.status_code == 404

    (remade,) = remake_stale_reports(services, made_at + timedelta(hours=3))  # the scheduled job
    assert remade.overall.calls_scored == 2
    (row,) = reports_of(services).daily(limit=5)
    assert stale_calls(services, row) == 0
    assert remake_stale_reports(services, made_at + timedelta(hours=4)) == []  # nothing new: left alone

    stored_call(services, "A4", polite(), NOON + timedelta(hours=4))
    as_user(client, "sam", "supervisor")
    form = client.post(
        f"/ui/reports/daily/{DAY}/remake", data={"csrf_token": csrf_of(client, f"/ui/reports/daily/{DAY}")}
    )
    assert form.status_code == 200 and 'id="remade"' in form.text and 'id="stale"' not in form.text
    late_again = made_at + timedelta(days=8)  # a week on, reports stay as they were sent
    stored_call(services, "A3", polite(), NOON + timedelta(hours=3))
    assert remake_stale_reports(services, late_again) == []
    by_hand = client.post(f"/reports/daily/{DAY}/remake", headers=token(client, "supervisor"))
    assert by_hand.status_code == 200 and by_hand.json()["overall"]["calls_scored"] == 4


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def receivers() -> Iterator[tuple[str, Inbox, int]]:
    """A real HTTP server for the webhook and a real SMTP server, on loopback ports."""
    Receiver.received, Receiver.status = [], 200
    http = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        yield (
            f"http://127.0.0.1:{http.server_address[1]}/hook",
            inbox,
            smtp_port,
        )
    finally:
        smtp.stop()
        http.shutdown()


def test_alerts_deduplicated_and_delivered_by_signed_webhook_and_email(
    settings: Settings, receivers: tuple[str, Inbox, int]
) -> None:
    url, inbox, smtp_port = receivers
    configured = settings.model_copy(
        update={
            "alert_webhook_url": url,
            "alert_webhook_secret": "s3cret",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "alert_email_to": ["qa-lead@example.com"],
            "public_url": "https://callqa.example",
        }
    )
    configured = Settings.model_validate(configured.model_dump())
    with TestClient(create_app(configured)) as client:
        services = services_of(client)
        now = datetime.now(UTC)
        recovery = stored_call(services, "A9", upset(), now - timedelta(hours=3))
        calm = stored_call(services, "A9", polite(), now - timedelta(hours=3))
        Receiver.status = 500
        raised = check_alerts(services, now + timedelta(hours=3))
        assert [(row.kind, row.call_ids) for row in raised] == [("recovery_overdue", [recovery])]
        supervisor = token(client, "supervisor")
        failed = client.get("/alerts", headers=supervisor).json()[0]
        assert failed["webhook_sent_at"] is None and failed["email_sent_at"] is not None
        assert failed["delivery_error"] == "webhook: HTTP 500" and failed["delivery_attempts"] == 1

        Receiver.status = 200
        assert check_alerts(services, now + timedelta(hours=4)) == []  # deduplicated, delivery retried
        headers, body = Receiver.received[-1]
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Callqa-Signature"] == expected
        notice = json.loads(body)
        assert notice["call_ids"] == [recovery]
        assert notice["call_links"] == [f"https://callqa.example/ui/calls/{recovery}"]
        assert len(inbox.messages) == 1
        mail = message_from_bytes(inbox.messages[0])
        assert mail["To"] == "qa-lead@example.com" and mail["Subject"].startswith(
            "[callqa] Customer not called back"
        )
        assert f"/ui/calls/{recovery}" in mail.get_payload()
        listed = client.get("/alerts", params={"kind": "recovery_overdue"}, headers=supervisor).json()
        assert listed[0]["webhook_sent_at"] is not None and listed[0]["delivery_error"] is None
        assert client.get("/alerts", headers=token(client, "agent", "A9")).status_code == 403

        handled = client.post(
            f"/calls/{recovery}/recovery-handled", json={"comment": "called back"}, headers=supervisor
        )
        assert handled.json() == {"call_id": recovery, "recorded": True}
        again = client.post(f"/calls/{recovery}/recovery-handled", headers=supervisor)
        assert again.status_code == 200 and again.json()["recorded"] is False
        assert client.post(f"/calls/{calm}/recovery-handled", headers=supervisor).status_code == 409
        assert (
            client.post(f"/calls/{recovery}/recovery-handled", headers=token(client, "trainer")).status_code
            == 403
        )
        assert client.post("/calls/nope/recovery-handled", headers=supervisor).status_code == 404


def test_library_excellent_calls_examples_error_cases_and_training_needs(client: TestClient) -> None:
    services = services_of(client)
    best = stored_call(services, "A1", polite(), NOON)
    for hour in range(3):
        stored_call(services, "A2", upset(), NOON + timedelta(hours=hour))
        stored_call(services, "A3", polite(), NOON + timedelta(hours=hour, minutes=30))
    trainer = token(client, "trainer")
    period = {"date_from": str(DAY), "days": 1}
    excellent = client.get("/library/excellent", params=period, headers=trainer).json()
    assert {row["example"]["agent_id"] for row in excellent} == {"A1", "A3"} and len(excellent) == 4
    assert best in {row["example"]["call_id"] for row in excellent}
    assert all(row["example"]["agent_id"] != "A2" for row in excellent)  # failed calls never qualify
    assert any("first contact" in signal for signal in excellent[0]["signals"])
    examples = client.get("/library/best-examples", params=period, headers=trainer).json()
    greeting = next(row for row in examples if row["item_id"] == "greeting")
    assert greeting["examples"][0]["moment"]["end"] > greeting["examples"][0]["moment"]["start"]
    assert greeting["examples"][0]["moment"]["quote"].lower().startswith("thank you for calling")
    errors = client.get("/library/error-cases", params={**period, "per_item": 2}, headers=trainer).json()
    assert errors and all(len(case["examples"]) <= 2 for case in errors)
    assert {e["agent_id"] for case in errors for e in case["examples"]} == {"A2"}
    needs = client.get("/library/training-needs", params=period, headers=trainer).json()
    assert needs and {need["key"] for need in needs} == {"A2"} and needs[0]["peer_rate"] < needs[0]["rate"]
    assert (
        client.get("/library/training-needs", params={**period, "by": "team"}, headers=trainer).json() == []
    )
    assert (
        client.get("/library/excellent", params=period, headers=token(client, "agent", "A1")).status_code
        == 403
    )
    assert (
        client.get("/library/excellent", params=period, headers=token(client, "inspector")).status_code == 403
    )
    assert client.get("/library/excellent", params={**period, "limit": 0}, headers=trainer).status_code == 422


def test_migration_0014_matches_the_tables(services: Services) -> None:
    """The reports and alerts tables as migrated are the tables the code declares (both databases)."""
    assert differences(services.engine, "'reports'", "'alerts'") == []


def test_the_embedded_scheduler_generates_the_daily_report_once_its_time_has_passed(
    sqlite_settings: Settings,
) -> None:
    from workers.celery import app as celery_app
    from workers.schedule import EmbeddedScheduler

    services = Services(sqlite_settings)
    try:
        stored_call(services, "A1", polite(), NOON)
        scheduler = EmbeddedScheduler(services)
        scheduler.tick(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
        assert reports_of(services).get(DAY, DAY) is None  # before 09:00
        scheduler.tick(datetime(2026, 11, 20, 8, 3, tzinfo=UTC))  # not due again yet: nothing runs
        scheduler.tick(datetime(2026, 11, 20, 9, 6, tzinfo=UTC))
        stored = reports_of(services).get(DAY, DAY)
        assert stored is not None and stored.data["overall"]["calls_scored"] == 1
    finally:
        services.close()
    beat = celery_app.conf.beat_schedule
    assert beat["callqa.daily_report"]["schedule"] == 300 and "callqa.check_alerts" in beat
    assert celery_app.conf.task_routes["callqa.daily_report"] == {"queue": "analysis"}
