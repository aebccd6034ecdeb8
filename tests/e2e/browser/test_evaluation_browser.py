"""An evaluation from draft to done in a real browser (Chromium driven by Playwright, real
server): an inspector decides every item on the call page, completes the review, and the call
leaves the queue for its Completed tab; the call's agent acknowledges it."""

from __future__ import annotations

import pytest

from tests.support.browser import D13, chromium, signed_in, store_call
from tests.support.web import PASSWORD


def test_an_inspector_completes_a_review_and_the_agent_acknowledges_it(
    request: pytest.FixtureRequest,
) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    call_id = store_call(base, services, "d13.flac", D13, agent_id="D204", queue="energy-en")
    services.users.add("ines", PASSWORD, "inspector")
    services.users.add("grace", PASSWORD, "agent", agent_id="D204")

    with signed_in(executable, base, "ines") as (page, problems):
        page.goto(f"{base}/ui/queue")
        expect(page.locator(f'tr[data-call="{call_id}"]')).to_have_count(1)
        page.goto(f"{base}/ui/calls/{call_id}")
        complete = page.locator("#complete-review")
        expect(complete).to_be_disabled()
        expect(page.locator("#review-draft")).to_contain_text("not decided yet")
        items = page.locator("#sheet article.item")
        for index in range(items.count()):
            item = items.nth(index)
            if item.locator("form.decide").count() == 0:
                continue
            status = item.get_attribute("class") or ""
            if "status-na" in status:
                continue
            item.get_by_label("comment on").fill("checked by ear")
            item.get_by_role("button", name="Pass").click()
            page.wait_for_load_state()
        expect(page.locator("#complete-review")).to_be_enabled()
        page.locator("#complete-review").click()
        expect(page.locator("#review-completed")).to_contain_text("Reviewed by user ines (inspector)")
        expect(page.locator("form.decide")).to_have_count(0)  # settled until a supervisor reopens it

        page.goto(f"{base}/ui/queue")
        expect(page.locator(f'tr[data-call="{call_id}"]')).to_have_count(0)
        page.get_by_role("link", name="Completed").click()
        row = page.locator(f'tr[data-call="{call_id}"]')
        expect(row).to_contain_text("reviewed by user ines (inspector)")
        assert problems == [], problems

    with signed_in(executable, base, "grace") as (page, problems):
        page.goto(f"{base}/ui/calls/{call_id}")
        page.locator("#acknowledge").click()
        expect(page.locator("#review-completed")).to_contain_text("Acknowledged by the agent")
        expect(page.locator("#acknowledge")).to_have_count(0)
        assert problems == [], problems
