"""Machine calibration in a real browser: an admin runs a calibration from the page, reads what
it learnt and the agreement before and after, and rolls it back (saves
docs/screenshots/machine-calibration.png for the README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.settings import Settings
from tests.test_api_contract import live_server  # noqa: F401  (the real server, a fixture)
from tests.test_calibration_store import reviewed_calls, with_test_card
from tests.test_web import PASSWORD
from tests.test_web_browser import SCREENSHOTS, chromium, signed_in, site  # noqa: F401  (fixtures)


@pytest.fixture
def sqlite_settings(sqlite_settings: Settings, tmp_path: Path) -> Settings:
    return with_test_card(sqlite_settings, tmp_path)


def test_an_admin_calibrates_reads_the_comparison_and_rolls_back(request: pytest.FixtureRequest) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    reviewed_calls(services, 8)
    services.users.add("ada", PASSWORD, "admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with signed_in(executable, base, "ada") as (page, problems):
        page.get_by_role("link", name="Machine calibration").click()
        expect(page.get_by_role("heading", name="Machine calibration")).to_be_visible()
        page.get_by_label("Card").select_option("cal@3")
        page.get_by_label("dry run (store nothing)").uncheck()
        page.get_by_role("button", name="Run calibration").click()
        expect(page.locator("#run-result h3")).to_contain_text("cal@3: version")
        compared = page.locator("#run-result table.compared tr", has_text="verification")
        expect(compared).to_contain_text("0.00")  # before: the machine failed what inspectors passed
        expect(compared).to_contain_text("1.00")  # after, on held-out calls: it learnt their wording
        expect(page.locator("#card-cal\\@3 table.versions tbody tr")).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / "machine-calibration.png"), full_page=True)
        page.get_by_role("button", name="Roll back version").click()
        expect(page.locator("#card-cal\\@3 h2")).to_contain_text("scored as written")
        assert problems == [], problems
