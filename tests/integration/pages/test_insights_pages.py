"""The report and alert pages through the real app, on SQLite and PostgreSQL: who may open them,
the charts drawn on the server, the CSV download, a recovery call marked called back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from services.insights import check_alerts, daily_report_if_due
from tests.support.insights import DAY, NOON, polite, stored_call, upset
from tests.support.web import add_user, csrf_of, services_of, sign_in


def test_report_page_with_charts_csv_and_roles(client: TestClient) -> None:
    services = services_of(client)
    stored_call(services, "A1", polite(), NOON)
    stored_call(services, "<b>A2</b>", upset(), NOON)
    add_user(client, "lead", "supervisor")
    sign_in(client, "lead")
    page = client.get("/ui/reports", params={"date_from": str(DAY)})
    assert page.status_code == 200 and "Quality report" in page.text
    assert page.text.count("<svg") == 2 and "Items failed most often" in page.text
    assert "&lt;b&gt;A2&lt;/b&gt;" in page.text and "<b>A2</b>" not in page.text
    assert 'href="/ui/reports"' in page.text and 'href="/ui/alerts"' in page.text
    exported = client.get("/ui/reports/csv", params={"date_from": str(DAY)})
    assert exported.headers["content-type"].startswith("text/csv") and exported.text.startswith("dimension,")
    week = client.get("/ui/reports", params={"date_from": str(DAY), "days": "soon"})
    assert "days: a whole number from 1 to 366" in week.text
    assert client.get("/ui/reports/daily/2026-11-18").status_code == 404
    daily_report_if_due(services, NOON + timedelta(days=1))
    kept = client.get(f"/ui/reports/daily/{DAY}")
    assert kept.status_code == 200 and "daily report generated" in kept.text
    for role in ("trainer", "agent"):
        client.cookies.clear()
        add_user(client, f"someone-{role}", role, "A1" if role == "agent" else None)
        sign_in(client, f"someone-{role}")
        assert client.get("/ui/reports").status_code == 403
        assert client.get("/ui/alerts").status_code == 403
        assert 'href="/ui/reports"' not in client.get("/ui/").text


def test_alerts_page_lists_calls_and_marks_a_recovery_called_back(client: TestClient) -> None:
    services = services_of(client)
    now = datetime.now(UTC)
    recovery = stored_call(services, "A9", upset(), now)
    check_alerts(services, now + timedelta(hours=3))
    add_user(client, "qa", "inspector")
    sign_in(client, "qa")
    page = client.get("/ui/alerts")
    assert "Customer not called back" in page.text and f"/ui/calls/{recovery}" in page.text
    assert "Mark called back" in page.text
    done = client.post(
        f"/ui/calls/{recovery}/recovery-handled",
        data={"csrf_token": csrf_of(client, "/ui/alerts")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/ui/alerts"
    assert "Mark called back" not in client.get("/ui/alerts").text
    forged = client.post(f"/ui/calls/{recovery}/recovery-handled", data={"csrf_token": "x"})
    assert forged.status_code == 403
    assert "Left out: kind" in client.get("/ui/alerts", params={"kind": "nope"}).text


def test_library_page_for_trainers_not_inspectors(client: TestClient) -> None:
    services = services_of(client)
    good = stored_call(services, "A1", polite(), NOON)
    stored_call(services, "A2", upset(), NOON)
    add_user(client, "tess", "trainer")
    sign_in(client, "tess")
    page = client.get("/ui/library", params={"date_from": str(DAY), "days": "1"})
    assert page.status_code == 200 and "Excellent calls" in page.text and f"/ui/calls/{good}" in page.text
    assert f"/ui/calls/{good}#item-greeting" in page.text and "Error cases" in page.text
    assert 'href="/ui/library"' in page.text and 'href="/ui/reports"' not in page.text
    client.cookies.clear()
    add_user(client, "ivan", "inspector")
    sign_in(client, "ivan")
    assert client.get("/ui/library").status_code == 403
