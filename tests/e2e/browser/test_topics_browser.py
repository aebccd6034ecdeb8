"""The complaint topics pages in a real browser (Chromium driven by Playwright, real server).

A QA lead opens Topics, sees the named topics with their trend bars (SVG drawn on the server),
opens the price topic's calls and follows one to the call page at the complaint, where the line
said then is highlighted. The topics page is pictured (docs/screenshots/topics.png when
`python -m benchmarks.screenshots` runs it; in tmp_path otherwise).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.topics import refresh_topics
from tests.support.browser import chromium, signed_in
from tests.support.topics import NOW, seed
from tests.support.web import PASSWORD


def test_a_qa_lead_opens_a_topic_and_follows_a_call_to_the_complaint(
    request: pytest.FixtureRequest, screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    ids = seed(services)
    refresh_topics(services, NOW)
    services.users.add("lin", PASSWORD, "supervisor")
    with signed_in(executable, base, "lin") as (page, problems):
        page.get_by_role("link", name="Topics").click()
        page.get_by_label("From").fill("2026-11-10")
        page.get_by_label("Days").fill("5")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_role("heading", name="Complaint topics")).to_contain_text("17 calls scored")
        rows = page.locator("table.topics tbody tr")
        assert rows.count() >= 4
        expect(page.locator("svg.spark")).to_have_count(rows.count())
        expect(page.locator("a.topic", has_text="包裹")).to_have_count(1)
        page.screenshot(path=screenshots / "topics.png", full_page=True)

        page.locator("a.topic", has_text="price").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("price")
        calls = page.locator("table.topic-calls tbody tr")
        expect(calls).to_have_count(4)
        expect(calls.first).to_contain_text("billing")
        calls.first.locator("a.call-id").click()
        page.wait_for_url(re.compile(r"/ui/calls/[0-9a-f]{32}\?t=4$"))
        assert page.url.split("/ui/calls/")[1].split("?")[0] in ids["price"]
        expect(page.locator("#transcript .segment").nth(1)).to_have_class(re.compile(r"\bmoment\b"))
        assert problems == [], problems  # no content-policy violation, nothing failed to load
