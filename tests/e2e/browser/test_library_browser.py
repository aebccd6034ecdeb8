"""The library's saved calls in a real browser (Chromium driven by Playwright, real server).

A trainer saves an excellent call from the library page with tags and a note, and a best
example at its moment; sees them under Saved, filters by a tag, edits a note, exports a clip
(downloaded: the redacted transcript, since trainers do not listen to recordings by default)
and deletes one. The page is pictured (docs/screenshots/library-saved.png when
`python -m benchmarks.screenshots` runs it; in tmp_path otherwise).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tests.support.browser import chromium, signed_in
from tests.support.insights import NOON, polite, stored_call
from tests.support.web import PASSWORD

DAY = date(2026, 11, 19)


def test_a_trainer_saves_tags_edits_exports_and_deletes(
    request: pytest.FixtureRequest, screenshots: Path
) -> None:
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    for agent in ("T301", "T302"):
        stored_call(services, agent, polite(), NOON)
    services.users.add("tess", PASSWORD, "trainer")
    with signed_in(executable, base, "tess") as (page, problems):
        page.get_by_role("link", name="Library").click()
        page.get_by_label("From", exact=True).fill(str(DAY))
        page.get_by_label("Days").fill("1")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_text("Nothing saved yet")).to_be_visible()

        saved = page.locator("table.bookmarks tbody tr")
        page.locator("table.excellent").get_by_role("link", name="save").first.click()
        form = page.locator("#save-form")
        expect(form.get_by_label("Call")).not_to_have_value("")
        form.get_by_label("Tags").fill("Empathy, 新人培训")
        form.get_by_label("Note").fill("A warm greeting to play to new starters")
        form.get_by_role("button", name="Save to library").click()
        expect(saved).to_have_count(1)
        expect(saved.first).to_contain_text("新人培训")

        page.goto(f"{base}/ui/library?date_from={DAY}&days=1")
        page.locator("section.card").filter(has_text="Best examples").get_by_role(
            "link", name="save"
        ).first.click()
        expect(form.get_by_label("From (s)")).not_to_have_value("")
        form.get_by_label("Tags").fill("closing")
        form.get_by_role("button", name="Save to library").click()
        expect(saved).to_have_count(2)

        page.locator("nav.chips").get_by_role("link", name="新人培训").click()
        expect(saved).to_have_count(1)
        row = saved.first
        row.get_by_text("Edit").click()
        row.get_by_label("Note").fill("A warm greeting; note the pause before the offer")
        row.get_by_role("button", name="Save changes").click()
        expect(saved.first.locator("td.note")).to_have_text(
            "A warm greeting; note the pause before the offer"
        )
        expect(saved.first).to_contain_text("changed by user tess (trainer)")

        page.locator("nav.chips").get_by_role("link", name="all").click()
        expect(saved).to_have_count(2)
        page.goto(f"{base}/ui/library?date_from={DAY}&days=1")
        page.screenshot(path=screenshots / "library-saved.png", full_page=True)
        with page.expect_download() as download:
            saved.last.get_by_role("link", name="Export clip").click()
        assert download.value.suggested_filename.startswith("callqa-clip-")
        with zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())) as archive:
            assert set(archive.namelist()) == {"transcript.txt", "transcript.json"}
            assert "Tags: empathy, 新人培训" in archive.read("transcript.txt").decode()

        saved.last.get_by_role("button", name="Delete").click()
        expect(saved).to_have_count(1)
        expect(saved.first).to_contain_text("closing")
        assert problems == [], problems  # no content-policy violation, nothing failed to load
