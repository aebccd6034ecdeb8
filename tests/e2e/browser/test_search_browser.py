"""The search page in a real browser: Chromium driven by Playwright against the real server.

Two real recordings (samples d13 and d11, with the eval corpus's reference lines, as the call
page's test stores them) and a Chinese call are scored and indexed. A supervisor searches a
phrase in both languages, narrows it to the agent's side, opens a hit and the call page starts
where the words are said; a trainer finds only masked text; an unreadable query says why. The
results page is pictured (docs/screenshots/search.png when `python -m benchmarks.screenshots`
runs it; in tmp_path otherwise).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.services import Services
from services.search_index import index_stage
from tests.support.browser import D11, D13, WAIT_MS, chromium, sign_in, store_call, until
from tests.support.search import scored_call
from tests.support.transcripts import segment
from tests.support.web import PASSWORD


def seed(base: str, services: Services) -> dict[str, str]:
    booking = store_call(
        base, services, "d13.flac", D13, agent_id="D204", team="billing", queue="energy-en",
        started_at="2026-11-02T09:14:00Z", external_id="REC-0914",
    )  # fmt: skip
    move_out = store_call(
        base, services, "d11.flac", D11, agent_id="D202", team="moves", queue="energy-en",
        started_at="2026-11-02T10:02:00Z", external_id="REC-1002",
    )  # fmt: skip
    for call_id in (booking, move_out):
        assert index_stage(services, call_id)
    chinese = scored_call(
        services,
        "D301",
        "billing",
        3,
        [
            segment("agent", 0.5, 3.0, "您好，请问您的账户号码是多少？"),
            segment("customer", 4.0, 8.0, "账户号码我不记得了，我想退款，然后取消服务。"),
        ],
        language="zh",
        external_id="REC-0311",
    )
    services.users.add("sam", PASSWORD, "supervisor")
    services.users.add("tara", PASSWORD, "trainer")
    return {"booking": booking, "move_out": move_out, "chinese": chinese}


def test_a_supervisor_searches_marks_and_opens_the_moment(
    request: pytest.FixtureRequest, screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    base, services = request.getfixturevalue("site")
    ids = seed(base, services)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 760}, locale="en-GB", timezone_id="UTC")
        page.set_default_timeout(WAIT_MS)

        page.goto(f"{base}/ui/search")
        sign_in(page, "sam")
        page.wait_for_url(f"{base}/ui/search")
        expect(page.get_by_role("link", name="Search")).to_have_attribute("aria-current", "page")
        page.get_by_label("query").fill('"account number" OR 账户号码 OR refund*')
        page.get_by_role("button", name="Search").click()
        rows = page.locator("table.hits tbody tr")
        expect(rows).to_have_count(5)  # newest call first, then in the order said
        expect(rows.nth(1)).to_contain_text("账户号码我不记得了")
        expect(rows.nth(2)).to_contain_text("REC-1002")
        marks = page.locator("table.hits mark")
        expect(marks).to_have_text(["账户号码", "账户号码", "account number", "refunded", "account number"])
        page.screenshot(path=screenshots / "search.png", full_page=True)

        page.get_by_label("Speaker").select_option("agent")
        page.get_by_label("Team").fill("billing")
        page.get_by_role("button", name="Search").click()
        expect(rows).to_have_count(2)
        expect(rows.nth(1)).to_contain_text("Can I take your account number")
        rows.nth(1).get_by_role("link", name="0:15").click()  # the agent asks for it at 15.7 s
        page.wait_for_url(re.compile(rf"/ui/calls/{ids['booking']}\?t=15\.74$"))
        until(page, "Math.abs(a.currentTime - 15.74) < 0.05 && !a.seeking")
        expect(page.locator("#transcript .segment").nth(3)).to_have_class(re.compile(r"\bcurrent\b"))

        page.goto(f"{base}/ui/search?q=refund+NEAR")
        expect(page.get_by_role("alert")).to_contain_text("NEAR needs a word or phrase on each side")
        page.goto(f"{base}/ui/search?q=refund&score_min=lots")
        expect(page.get_by_role("alert")).to_contain_text("score from: not a number")
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, "tara")  # a trainer: the masked text only
        page.goto(f"{base}/ui/search?q=%22nine+three+zero%22")
        expect(page.get_by_text("Nothing found.")).to_be_visible()
        page.goto(f"{base}/ui/search?q=%22take+your+account%22")
        expect(rows).to_have_count(1)
        page.goto(f"{base}/ui/search?q=Oliver+Grant&speaker=customer")
        expect(rows).to_have_count(1)
        expect(rows.nth(0)).not_to_contain_text("nine three zero")
        browser.close()
    assert (screenshots / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
