"""The pass-rate page in a real browser (Chromium driven by Playwright, real server), pictured
for the README (docs/screenshots/pass-rates.png, made by `python -m benchmarks.screenshots`).

A day of calls of four agents in two teams, the machine flagging some; the day is sampled by
the rules and the selected calls get inspectors' verdicts (failing most flagged ones); a
supervisor opens the pass rates by team and then by agent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.sampling import select_day
from store.roster import AgentProfile
from tests.support.browser import chromium, signed_in
from tests.support.sampling import DAY, reviewed, scored
from tests.support.web import PASSWORD

AGENTS = (("S301", "billing"), ("S302", "billing"), ("S303", "moves"), ("S304", "moves"))


def test_a_supervisor_reads_the_pass_rates(request: pytest.FixtureRequest, screenshots: Path) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    flagged: set[str] = set()
    for number, (agent, team) in enumerate(AGENTS):
        services.roster.put(agent, AgentProfile(team=team, start_date=DAY.replace(year=2025)))
        for hour in range(8, 20):
            failing = (hour + number) % (3 + number) == 0
            call_id = scored(services, agent, hour, passed=not failing)
            if failing:
                flagged.add(call_id)
    for done in select_day(services, DAY):
        for selection in done.plan.selections:
            reviewed(
                services,
                selection.call_id,
                passed=selection.call_id not in flagged or int(selection.call_id[:4], 16) % 4 == 0,
            )
    services.users.add("lin", PASSWORD, "supervisor")

    with signed_in(executable, base, "lin", height=600) as (page, problems):
        page.get_by_role("link", name="Pass rates").click()
        expect(page.locator("table.pass-rates tbody tr")).to_have_count(len(AGENTS) + 1)
        page.get_by_label("By").select_option("team")
        page.get_by_label("From").fill(DAY.isoformat())
        page.get_by_role("button", name="Show").click()
        rows = page.locator("table.pass-rates tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.first).to_contain_text("billing")
        expect(rows.last).to_contain_text("all")
        page.screenshot(path=screenshots / "pass-rates.png", full_page=True)
        assert problems == [], problems
