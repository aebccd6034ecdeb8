"""The report and alert pages in a real browser (Chromium driven by Playwright, real server).

A QA lead opens the morning's daily report: the figures, the trend and the item failure chart
(SVG drawn on the server: nothing is fetched, the content policy allows no inline script or
style), downloads the CSV, then goes to the alerts and marks a customer called back. The report
and alerts pages are pictured from fixed dates, so a rerun gives the same picture (in tmp_path;
in docs/screenshots/ when `python -m benchmarks.screenshots` runs it).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from asr.transcript import Transcript
from runtime.services import Services
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.routing import route
from services.insights import check_alerts, daily_report_if_due
from store.db import session_factory
from store.metadata import CallMetadata
from store.tables import AnalysisRow
from tests.support.browser import chromium, signed_in
from tests.support.insights import polite, upset
from tests.support.transcripts import segment, transcript
from tests.support.web import PASSWORD

LAST_DAY = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)
AGENTS = (("D201", "billing"), ("D202", "billing"), ("D203", "moves"), ("D204", "moves"))


def abrupt() -> Transcript:
    """A call the agent ends without a closing or the recording disclosure."""
    return transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile."),
            segment("customer", 4.0, 7.0, "I need to change my address please."),
            segment("agent", 8.0, 12.0, "Done, your address is changed now."),
        ],
        duration=13.0,
    )


def seed(services: Services) -> None:
    """Two weeks of calls of four agents in two teams: mostly good, some abrupt, a few upset
    customers; D203 slipping over the last days, and on the last morning three agents of four
    dropping the disclosure and the closing (a systemic issue). Each call is scored five minutes
    after it started (as the pipeline would have), so the recovery targets fall on fixed times."""
    card = ScorecardCatalog.load().get("generic-en")
    good, bad, angry = ((said, analyse(said, card)) for said in (polite(), abrupt(), upset()))
    for day in range(14):
        for index, (agent, team) in enumerate(AGENTS):
            for n in range(1 + (day * 3 + index) % 3):
                turn = day * 7 + index * 3 + n
                slipping = (agent == "D203" and day > 10) or (day == 13 and agent != "D202")
                said, analysis = angry if turn % 11 == 0 else bad if turn % 4 == 0 or slipping else good
                started = LAST_DAY - timedelta(days=13 - day, minutes=40 * (n + index))
                metadata = CallMetadata(agent_id=agent, team=team, queue="energy-en", started_at=started)
                call = services.calls.ingest_chunks([uuid.uuid4().bytes * 64], "call.wav", metadata).call
                decision = route(call.id, analysis.score, 0.0, analysis.sentiment, analysis.escalation)
                services.results.save_transcript(call.id, "test", said)
                services.results.save_analysis(call.id, "generic-en@2", analysis, decision)
                with session_factory(services.engine).begin() as session:
                    session.execute(
                        update(AnalysisRow)
                        .where(AnalysisRow.call_id == call.id)
                        .values(created_at=started + timedelta(minutes=5))
                    )
    services.users.add("lin", PASSWORD, "supervisor")


def test_a_qa_lead_reads_the_daily_report_and_handles_an_alert(
    request: pytest.FixtureRequest, screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    seed(services)
    assert daily_report_if_due(services, LAST_DAY + timedelta(days=1)) is not None
    raised = check_alerts(services, LAST_DAY + timedelta(hours=1))
    assert {"systemic_item", "score_drop", "recovery_overdue"} <= {row.kind for row in raised}
    with signed_in(executable, base, "lin") as (page, problems):
        page.get_by_role("link", name="Reports").click()
        page.get_by_role("link", name="2026-11-15").click()
        expect(page.get_by_role("heading", name="Quality report")).to_contain_text("daily report generated")
        expect(page.locator("svg.chart")).to_have_count(2)
        expect(page.locator("svg.trend rect.bar")).to_have_count(14)
        assert page.locator("svg.bars rect.bar").count() >= 1
        expect(page.locator("table.report-groups").first.locator("tbody tr")).to_have_count(4)
        page.screenshot(path=screenshots / "report.png", full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="CSV").click()
        assert download.value.suggested_filename == "callqa-report-2026-11-15-2026-11-15.csv"

        page.get_by_role("link", name="Alerts").click()
        expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
        page.screenshot(path=screenshots / "alerts.png", full_page=True)
        buttons = page.get_by_role("button", name="Mark called back")
        before = buttons.count()
        buttons.first.click()
        expect(page.get_by_role("button", name="Mark called back")).to_have_count(before - 1)

        page.get_by_role("link", name="Library").click()
        page.get_by_label("From", exact=True).fill("2026-11-09")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("table.excellent tbody tr")).to_have_count(10)
        expect(page.locator("table.needs tbody tr").first).to_contain_text("D203")
        page.screenshot(path=screenshots / "library.png", full_page=True)
        assert problems == [], problems  # no content-policy violation, nothing failed to load
