"""A calibration session in a real browser: Chromium driven by Playwright against the real server.

A supervisor picks two real recordings (samples/d13 and d11, stored with their reference
transcripts and scored as in the call page's browser test) and two inspectors; each inspector
listens and scores every call blind on the session's own page and submits; the supervisor opens
the report. The report is pictured, in tmp_path (docs/screenshots/calibration-session.png when
`python -m benchmarks.screenshots` runs it; call ids masked, so a rerun gives the same picture).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import D11, D13, WAIT_MS, chromium, sign_in, store_call, until
from tests.support.web import PASSWORD


def score_sheet(page: Any, answers: dict[str, tuple[str, str]]) -> None:
    """Answer every item on the page: Pass, unless `answers` gives (label, comment) for it."""
    for article in page.locator("#sheet .item").all():
        item_id = article.get_attribute("data-item")
        label, comment = answers.get(item_id, ("Pass", ""))
        article.get_by_label(label, exact=True).check()
        if comment:
            article.get_by_role("textbox").fill(comment)


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_a_supervisor_runs_a_blind_calibration_session_with_two_inspectors(
    request: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    base, services = request.getfixturevalue("site")
    booking = store_call(
        base, services, "d13.flac", D13, agent_id="D204", agent_name="Grace", team="billing",
        queue="energy-en", started_at="2026-11-02T09:14:00Z",
    )  # fmt: skip
    move_out = store_call(
        base, services, "d11.flac", D11, agent_id="D202", agent_name="Maria", team="moves",
        queue="energy-en", started_at="2026-11-02T10:02:00Z",
    )  # fmt: skip
    services.users.add("sam", PASSWORD, "supervisor")
    services.users.add("ann", PASSWORD, "inspector", team="billing")
    services.users.add("bob", PASSWORD, "inspector", team="moves")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1100}, locale="en-GB", timezone_id="UTC")
        page.set_default_timeout(WAIT_MS)

        # the supervisor opens a session on both calls for ann and bob
        page.goto(f"{base}/ui/calibration")
        sign_in(page, "sam")
        page.wait_for_url(f"{base}/ui/calibration")
        page.get_by_role("link", name="New session").click()
        page.get_by_label("Name").fill("November calibration")
        page.get_by_label("Due").fill("2026-12-04")
        for call_id in (booking, move_out):
            page.locator(f"#pick-{call_id}").check()
        for name in ("ann", "bob"):
            page.get_by_label(name).check()
        page.get_by_role("button", name="Open the session").click()
        page.wait_for_url(re.compile(r".*/ui/calibration/\d+$"))
        session_url = page.url
        expect(page.get_by_role("heading", level=1)).to_contain_text("November calibration")
        expect(page.locator(".participants li")).to_have_text(["ann: not yet", "bob: not yet"])
        sign_out(page)

        # each inspector listens and scores blind, call by call, then submits
        choices = {
            "ann": {},
            "bob": {
                booking: {
                    "closing": ("Fail", "never closed the call"),
                    "dead_air": ("Fail", "3.5 s silence at 0:30"),
                },
                move_out: {"greeting": ("N/A", "picked up mid-transfer")},
            },
        }
        for name, answers in choices.items():
            page.goto(session_url)
            sign_in(page, name)
            page.wait_for_url(session_url)
            order = page.locator(".session-calls tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.call)"
            )
            assert sorted(order) == sorted([booking, move_out])
            page.locator(".session-calls tbody a").first.click()
            for at, call_id in enumerate(order):
                page.wait_for_url(f"{session_url}/calls/{call_id}")
                if call_id == booking:
                    expect(page.locator("#transcript .segment")).to_have_count(len(D13))
                    page.locator("#transcript .segment").nth(3).locator("button.time").click()  # to 0:15
                    until(page, "a.currentTime >= 15.7")
                    page.keyboard.press(" ")
                # blind: no machine status, finding, tag or marker; no colleague's answer
                for hidden in (".status", ".tag", ".marker", ".evidence", "input:checked"):
                    expect(page.locator(hidden)).to_have_count(0)
                stored = services.results.analysis(call_id)
                assert stored is not None
                for item in stored.analysis.score.items:
                    if item.reason:
                        expect(page.locator("main")).not_to_contain_text(item.reason)
                score_sheet(page, answers.get(call_id, {}))
                last = at == len(order) - 1
                page.get_by_role("button", name="Save" if last else "Save and next call", exact=True).click()
            page.wait_for_url(session_url)
            expect(page.locator(".progress")).to_have_text(["6 of 6", "6 of 6"])
            page.get_by_role("button", name="Submit my answers").click()
            expect(page.locator("#you-submitted")).to_be_visible()
            sign_out(page)

        # the supervisor follows the progress and opens the report
        page.goto(session_url)
        sign_in(page, "sam")
        page.wait_for_url(session_url)
        expect(page.locator(".participants li")).to_have_text(["ann: submitted", "bob: submitted"])
        page.get_by_role("link", name="Report", exact=True).click()
        page.wait_for_url(f"{session_url}/report")
        overall = page.locator('.report-items tr[data-item="all"]')
        expect(overall).to_contain_text("Cohen, 2 raters")
        expect(overall).to_contain_text("Fleiss, 3 raters")
        expect(overall).to_contain_text("75%")  # ann and bob differ on 3 of 12 items
        expect(page.locator('tr[data-rater="machine"]')).to_be_visible()
        booking_rows = page.locator(f'table.report-call[data-call="{booking}"] tbody tr')
        closing = booking_rows.filter(has_text="Closing")
        expect(closing).to_contain_text("never closed the call")
        expect(closing.locator("td").last).to_have_text("tie")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(
            path=screenshots / "calibration-session.png",
            full_page=True,
            mask=[page.locator(".call-id")],
            mask_color="#c9d1dc",
        )
        browser.close()
    assert (screenshots / "calibration-session.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
