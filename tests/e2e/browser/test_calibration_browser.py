"""Machine calibration in a real browser: an admin runs a calibration from the page, reads what
it learnt and the agreement before and after, and rolls it back (pictured: the README's
docs/screenshots/machine-calibration.png, made by `python -m benchmarks.screenshots`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.settings import Settings
from tests.support.browser import chromium, signed_in
from tests.support.calibration import reviewed_calls, with_test_card
from tests.support.web import PASSWORD


@pytest.fixture
def sqlite_settings(sqlite_settings: Settings, tmp_path: Path) -> Settings:
    return with_test_card(sqlite_settings, tmp_path)


def test_an_admin_calibrates_reads_the_comparison_and_rolls_back(
    request: pytest.FixtureRequest, screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    reviewed_calls(services, 8)
    services.users.add("ada", PASSWORD, "admin")
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
        page.screenshot(path=str(screenshots / "machine-calibration.png"), full_page=True)
        page.get_by_role("button", name="Roll back version").click()
        expect(page.locator("#card-cal\\@3 h2")).to_contain_text("scored as written")
        assert problems == [], problems
