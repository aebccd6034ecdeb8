"""The agreement page in a real browser (Chromium driven by Playwright, real server), pictured for
the docs (docs/screenshots/agreement.png, made by `python -m benchmarks.screenshots`).

Two scored calls; one inspector keeps most of the machine's decisions, another overrides most; a
supervisor opens "Agreement" from the menu and narrows it to the card.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.results import ItemStatus
from services.reviewing import decide, review_state
from tests.support.browser import D11, D13, chromium, signed_in, store_call
from tests.support.web import PASSWORD

OVERRIDE = {ItemStatus.PASS: ItemStatus.FAIL, ItemStatus.FAIL: ItemStatus.PASS}


def test_a_supervisor_reads_agreement_per_item_and_per_inspector(
    request: pytest.FixtureRequest, screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    calls = [store_call(base, services, "d13.flac", D13, agent_id="D204")]
    calls.append(store_call(base, services, "d11.flac", D11, agent_id="D202"))
    for call_id, inspector in zip(calls, ("user ines (inspector)", "user ivan (inspector)"), strict=True):
        call = services.calls.get(call_id)
        assert call is not None
        for number, item in enumerate(review_state(services, call).machine.items):
            keep = inspector.startswith("user ines") or number % 3 == 0
            status = item.status if keep else OVERRIDE.get(item.status, ItemStatus.NA)
            if status != ItemStatus.UNDECIDABLE:
                decide(services, call, item.item_id, status, None, inspector)
    services.users.add("lin", PASSWORD, "supervisor")

    with signed_in(executable, base, "lin", height=900) as (page, problems):
        page.get_by_role("link", name="Agreement").click()
        by_inspector = page.locator("#by-inspector tbody tr")
        expect(by_inspector).to_have_count(2)
        expect(by_inspector.first).to_contain_text("ines")
        expect(by_inspector.last).to_contain_text("ivan")
        page.get_by_label("Scorecard").select_option("generic-en")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#by-item tbody tr").last).to_contain_text("all")
        ines = page.locator("#by-inspector tbody tr", has_text="ines").locator("strong")
        ivan = page.locator("#by-inspector tbody tr", has_text="ivan").locator("strong")
        assert int(ines.inner_text().rstrip("%")) > int(ivan.inner_text().rstrip("%"))
        page.screenshot(path=screenshots / "agreement.png", full_page=True)
        assert problems == [], problems
