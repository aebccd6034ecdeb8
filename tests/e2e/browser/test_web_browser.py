"""The web workspace in a real browser: Chromium driven by Playwright against the real server.

What a reviewer does on a first morning: open the queue (and be sent to sign in), sign in,
filter, claim a call and give it back, sign out; a supervisor signs in with a token; an agent
is kept out of the queue. The sign-in page and the queue are pictured, in tmp_path (the README's
docs/screenshots/ when `python -m benchmarks.screenshots` runs it; call ids masked, dates fixed,
so a rerun gives the same picture).

Chromium comes from Debian's `chromium` package (Playwright's own browser download cannot
work offline). Without it or Playwright the test skips with the reason, except under
CALLQA_REQUIRE_SERVICES=1 (CI), where it fails.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.services import Services
from tests.support.browser import chromium
from tests.support.web import PASSWORD, review_call

if TYPE_CHECKING:
    pass


def seed(services: Services) -> str:
    """Three calls for review, two reviewers and an agent; returns a supervisor's token."""
    day = datetime(2026, 11, 2, 9, 14, tzinfo=UTC)
    review_call(
        services,
        "D203",
        ["critical item failed: Recording disclosure (not said by the agent)", "below the pass mark"],
        0.95,
        "billing",
        day,
        score=80,
    )
    review_call(
        services,
        "D202",
        ["failed: Greeting (not said by the agent in the first 20 s)", "near the pass mark: 83 < 90"],
        0.6,
        "moves",
        day + timedelta(hours=2),
        verdict="pass",
        score=83,
    )
    audit = ["random audit sample (rate 5%)"]
    review_call(services, "D204", audit, 0.1, "billing", day + timedelta(days=1), verdict="pass", score=95)
    services.users.add("alice", PASSWORD, "inspector", team="billing")
    services.users.add("grace", PASSWORD, "agent", agent_id="D204")
    return services.tokens.create("supervisor", "team lead")[1]


def test_a_reviewer_signs_in_works_the_queue_and_signs_out(
    site: tuple[str, Services], screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    base, services = site
    supervisor_token = seed(services)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-GB", timezone_id="UTC")

        page.goto(f"{base}/ui/queue?verdict=fail")  # not signed in: to the sign-in page, and back
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.screenshot(path=screenshots / "sign-in.png")
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{base}/ui/queue?verdict=fail")
        rows = page.locator("tbody tr[data-call]")
        expect(rows).to_have_count(1)  # the filter asked for before signing in: failed calls
        page.goto(f"{base}/ui/queue")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text("critical item failed: Recording disclosure")
        expect(rows.nth(2)).to_contain_text("random audit sample")

        page.get_by_label("Reason").select_option("near")
        page.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(1)
        expect(rows.nth(0)).to_contain_text("D202")
        page.get_by_role("link", name="Clear").click()
        expect(rows).to_have_count(3)

        rows.nth(0).get_by_role("button", name="Claim").click()
        expect(rows.nth(0)).to_contain_text("alice")
        expect(rows.nth(0).get_by_role("button", name="Claim")).to_have_count(0)
        page.screenshot(
            path=screenshots / "review-queue.png", full_page=True, mask=_call_ids(page), mask_color="#c9d1dc"
        )
        rows.nth(0).get_by_role("button", name="Release").click()
        expect(rows.nth(0).get_by_role("button", name="Claim")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.goto(f"{base}/ui/queue")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

        page.get_by_text("Sign in with an API token").click()
        page.get_by_label("Token").fill(supervisor_token)
        page.get_by_role("button", name="Sign in with token").click()
        expect(page.locator(".who")).to_contain_text("supervisor")
        expect(rows).to_have_count(3)
        expect(rows.nth(0).get_by_role("button", name="Assign")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()

        page.get_by_label("User name").fill("grace")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("heading", name="Signed in as grace")).to_be_visible()
        expect(page.get_by_role("link", name="Review queue")).to_have_count(0)
        page.goto(f"{base}/ui/queue")
        expect(page.get_by_role("alert")).to_contain_text("may not open this page")
        browser.close()
    for name in ("sign-in.png", "review-queue.png"):
        assert (screenshots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _call_ids(page: Any) -> list[Any]:
    """The call-id links: random per run, masked so the screenshot is the same every time."""
    return [page.locator("a.call-id")]


def scored_call(services: Services, agent_id: str) -> str:
    """A call with a real analysis of a short transcript (no ASR needed): several items fail."""
    import uuid

    from scoring.catalog import ScorecardCatalog
    from scoring.evaluate import analyse
    from scoring.routing import route
    from store.metadata import CallMetadata
    from tests.support.transcripts import segment, transcript

    metadata = CallMetadata(agent_id=agent_id, started_at=datetime(2026, 11, 2, 9, 14, tzinfo=UTC))
    call_id = services.calls.ingest_chunks([uuid.uuid4().bytes * 64], "call.wav", metadata).call.id
    said = transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, this call is recorded."),
            segment("customer", 4.0, 9.0, "I would like to change my plan, please."),
        ]
    )
    analysis = analyse(said, ScorecardCatalog.load().get("generic-en"))
    services.results.save_transcript(call_id, "test", said)
    decision = route(call_id, analysis.score, 0.0, analysis.sentiment, analysis.escalation)
    services.results.save_analysis(call_id, "generic-en@2", analysis, decision)
    return call_id


def _sign_in(page: Any, base: str, name: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/ui/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator(".who")).to_contain_text(name)


def test_an_agent_disputes_two_items_and_a_supervisor_rejects_one_and_accepts_the_other(
    site: tuple[str, Services],
) -> None:
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    base, services = site
    call_id = scored_call(services, "D204")
    services.users.add("grace", PASSWORD, "agent", agent_id="D204")
    services.users.add("sam", PASSWORD, "supervisor")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="UTC")

        _sign_in(page, base, "grace")
        page.goto(f"{base}/ui/calls/{call_id}")
        expect(page.locator("#dispute-window")).to_contain_text("You may dispute an item until")
        failed = page.locator("article.item.status-fail")
        first, second = failed.nth(0).get_attribute("id"), failed.nth(1).get_attribute("id")
        for item, reason in ((first, "I greeted the customer"), (second, "I closed the call properly")):
            article = page.locator(f"article#{item}")
            article.get_by_placeholder("why this result is wrong").fill(reason)
            article.get_by_role("button", name="Dispute").click()
            expect(page.locator(f"article#{item}")).to_contain_text("dispute open")
        expect(page.get_by_role("link", name="Disputes")).to_have_count(0)
        page.get_by_role("button", name="Sign out").click()

        _sign_in(page, base, "sam")
        page.get_by_role("link", name="Disputes").click()
        rows = page.locator("table.disputes tbody tr")
        expect(rows).to_have_count(2)
        rejected = rows.filter(has_text="I closed the call properly")
        rejected.get_by_placeholder("comment (why)").fill("not said in the recording")
        rejected.get_by_role("button", name="Reject").click()
        expect(rows).to_have_count(1)
        expect(page.locator("#final-score")).to_have_count(0)

        rows.nth(0).get_by_role("link").click()
        decide = page.locator(f"article#{first} form.dispute-decide")  # beside the inspector's form
        decide.get_by_label("the item's status if accepted").select_option("pass")
        decide.get_by_placeholder("comment (why)").fill("heard it at 0:01")
        decide.get_by_role("button", name="Accept").click()
        expect(page.locator(f"article#{first}")).to_have_class(re.compile(r"\bstatus-pass\b"))
        expect(page.locator(f"article#{first}")).to_contain_text("dispute accepted")
        expect(page.locator(f"article#{second}")).to_contain_text("dispute rejected")
        expect(page.locator("#final-score")).to_be_visible()
        expect(page.locator("table.history")).to_contain_text("dispute_accepted")
        browser.close()
