"""Chromium driven by Playwright: finding the browser, signing in, and the call page's recordings
(samples/d13.flac, d11.flac) stored with their reference transcripts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from asr.transcript import Speaker
from runtime.services import Services
from scoring.evaluate import analyse
from scoring.routing import route
from services.pipeline import analyse_stage
from tests.support.audio import SAMPLES
from tests.support.transcripts import segment, transcript
from tests.support.web import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def chromium() -> str:
    """The Chromium executable, or skip (fail under CALLQA_REQUIRE_SERVICES=1) saying what is missing."""
    executable = shutil.which("chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        executable, missing = None, "the playwright package is not installed (pip install -e '.[dev]')"
    else:
        missing = "Chromium is not installed (apt-get install chromium)"
    if executable is not None:
        return executable
    if os.environ.get("CALLQA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{missing} and CALLQA_REQUIRE_SERVICES=1")
    pytest.skip(missing)


@contextmanager
def signed_in(executable: str, base: str, user: str, height: int = 900) -> Iterator[tuple[Page, list[str]]]:
    """A Chromium page signed in to the workspace as `user` (password PASSWORD), and the console
    errors it logs: a page that logs one broke its content policy or failed to load something."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": height}, locale="en-GB", timezone_id="UTC")
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.goto(f"{base}/ui/login")
        page.get_by_label("User name").fill(user)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        yield page, problems
        browser.close()


Line = tuple[Speaker, float, float, str]


D13: list[Line] = [
    ("agent", 1.326, 5.6, "Morning! Contoso Energy, Grace here. What can I do for you?"),
    ("agent", 5.964, 11.077, "Please be advised that calls to Contoso Energy are recorded "
                             "for training and monitoring."),
    ("customer", 11.721, 15.292, "Hi Grace, I'd like to book a smart meter installation, please."),
    ("agent", 15.739, 19.365, "Lovely. Can I take your account number and your full name?"),
    ("customer", 20.189, 23.006, "It's nine three zero five five two, Oliver Grant."),
    ("agent", 23.53, 30.014, "Thank you, Mr. Grant, that matches. "
                             "The earliest slot is next Tuesday, between eight and twelve."),
    ("customer", 33.514, 36.439, "Sorry, I was checking my calendar. Tuesday works."),
    ("agent", 37.152, 42.393, "Booked. The engineer will call thirty minutes before arriving, "
                              "and the installation is free."),
    ("customer", 42.934, 44.951, "Fantastic, thanks a lot. Bye!"),
]  # fmt: skip


D11: list[Line] = [
    ("agent", 1.159, 3.93, "Yep, go ahead, what's the account number?"),
    ("customer", 4.972, 12.584, "Oh, hi. It's four zero eight eight one six. "
                                "I'm moving out on Saturday, and I want to close my account."),
    ("agent", 13.214, 18.244, "Please be advised that calls to Contoso Energy are recorded "
                              "for training and monitoring."),
    ("agent", 18.793, 21.94, "Can you confirm the name on the account and your date of birth?"),
    ("customer", 22.866, 26.284, "Steven Park, August third, nineteen eighty seven."),
    ("agent", 27.375, 33.366, "Thanks. I'll need a final meter reading on Saturday. "
                              "You can text it to us or enter it online."),
    ("customer", 32.466, 35.122, "Okay. And where will the final bill go?"),
    ("agent", 35.5, 40.978, "To your email, within two weeks. "
                            "Any credit left on the account will be refunded to your bank."),
    ("customer", 41.712, 43.347, "Sounds good, thanks."),
    ("agent", 44.056, 46.444, "Is there anything more I can do for you today?"),
    ("customer", 47.427, 49.01, "Nothing else, cheers."),
    ("agent", 49.453, 52.998, "Thanks for choosing Contoso Energy, and goodbye for now."),
]  # fmt: skip

WAIT_MS = 10_000
"""The longest any one thing is waited for: a page, a seek, playback starting."""


def store_call(base: str, services: Services, name: str, lines: list[Line], **metadata: str) -> str:
    """Upload samples/`name` through the API, then store its transcript and analysis."""
    token = services.tokens.create("admin", "seeding the call page test")[1]
    with (SAMPLES / name).open("rb") as audio:
        response = httpx.post(
            f"{base}/calls",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": (name, audio, "audio/flac")},
            data=metadata,
            timeout=30,
        )
    assert response.status_code == 202, response.text
    call_id: str = response.json()["id"]
    stored = services.calls.get(call_id)
    assert stored is not None and stored.duration_s is not None
    duration = stored.duration_s
    said = transcript(
        [segment(who, start, end, text, 0 if who == "agent" else 1) for who, start, end, text in lines],
        duration=duration,
    )
    assert said.segments[-1].end < duration  # every line inside the recording
    analysis = analyse(said, services.scorecards.get("generic-en"))
    decision = route(call_id, analysis.score, 0.0, analysis.sentiment, analysis.escalation)
    services.results.save_transcript(call_id, "reference", said)
    services.results.save_analysis(call_id, "generic-en@2", analysis, decision)
    return call_id


def import_text(base: str, services: Services, conversation: dict[str, object]) -> str:
    """Import a text conversation through the API (`POST /conversations`) and score it, as a
    worker would."""
    token = services.tokens.create("admin", "seeding a text conversation")[1]
    response = httpx.post(
        f"{base}/conversations", headers={"Authorization": f"Bearer {token}"}, json=conversation, timeout=30
    )
    assert response.status_code == 202, response.text
    call_id: str = response.json()["id"]
    assert analyse_stage(services, call_id)
    return call_id


def until(page: Any, condition: str, x: float = 0) -> None:
    """Wait (at most WAIT_MS) until `condition` holds of the player `a` (and the number `x`).
    A function, not a string expression: the page's CSP forbids eval, and rightly."""
    predicate = f"x => {{ const a = document.getElementById('player'); return {condition}; }}"
    page.wait_for_function(predicate, arg=x)


def sign_in(page: Any, name: str) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
