"""The call page in a real browser: Chromium driven by Playwright against the real server.

Two real recordings from samples/ are uploaded through the API (d13: a smart-meter booking
that never closes; d11: a move-out that never greets), each stored with a transcript whose
lines are the eval corpus's reference lines at the times they are spoken in the recording
(shared/eval/dev/calls/), scored by `scoring.evaluate.analyse` and routed, as a worker would;
no ASR runs. An inspector listens, reads along, seeks, works the score sheet from the keyboard,
overrides an item with a comment and moves to the next call; the agent reads their own call
redacted. The page is pictured for the README (docs/screenshots/call-page.png, made by
`python -m benchmarks.screenshots`; in tmp_path on a test run), paused at a fixed time (the
call id, the history's times and the player, whose bar shows how much has loaded, masked, so a
rerun gives the same picture).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    D11,
    D13,
    WAIT_MS,
    chromium,
    import_text,
    sign_in,
    signed_in,
    store_call,
    until,
)
from tests.support.conversations import CARD_LIKE, URL, long_chat
from tests.support.web import PASSWORD


def test_an_inspector_listens_reads_along_and_decides_from_the_keyboard(
    request: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    base, services = request.getfixturevalue("site")  # the real server, and services on its database
    booking = store_call(
        base, services, "d13.flac", D13, agent_id="D204", agent_name="Grace", team="billing",
        queue="energy-en", started_at="2026-11-02T09:14:00Z",
    )  # fmt: skip
    move_out = store_call(
        base, services, "d11.flac", D11, agent_id="D202", agent_name="Maria", team="moves",
        queue="energy-en", started_at="2026-11-02T10:02:00Z",
    )  # fmt: skip
    services.users.add("ines", PASSWORD, "inspector", team="billing")
    services.users.add("grace", PASSWORD, "agent", agent_id="D204")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1250}, locale="en-GB", timezone_id="UTC")
        page.set_default_timeout(WAIT_MS)
        audio_answers: list[Any] = []
        page.on("response", lambda r: audio_answers.append(r) if r.url.endswith("/audio") else None)

        page.goto(f"{base}/ui/calls/{booking}")  # not signed in: sign in, and back to the call
        sign_in(page, "ines")
        page.wait_for_url(f"{base}/ui/calls/{booking}")
        expect(page.get_by_role("heading", name=re.compile("^Call"))).to_contain_text("d13.flac")
        player = page.locator("#player")
        lines = page.locator("#transcript .segment")
        expect(lines).to_have_count(len(D13))
        expect(lines.nth(4)).to_contain_text("nine three zero five five two")  # inspectors read it all

        # the recording loads, plays and pauses with the space bar, and was fetched in ranges
        until(page, "a.duration > 0")
        assert abs(player.evaluate("a => a.duration") - 46.0) < 0.1
        page.keyboard.press(" ")
        until(page, "a.currentTime > 0.5")
        page.keyboard.press(" ")
        until(page, "a.paused")
        assert any(answer.status == 206 for answer in audio_answers), [a.status for a in audio_answers]
        player.focus()  # as after a click on the player's own controls: space still plays and pauses
        page.keyboard.press(" ")
        until(page, "!a.paused")
        page.keyboard.press(" ")
        until(page, "a.paused")

        # a transcript line's time seeks there, and the line being heard is marked as it plays
        lines.nth(3).locator("button.time").click()  # 0:15, the agent asks for the account
        until(page, "a.currentTime >= 15.7")
        expect(lines.nth(3)).to_have_class(re.compile(r"\bcurrent\b"))
        expect(lines.nth(4)).to_have_class(re.compile(r"\bcurrent\b"), timeout=WAIT_MS)  # played on to 0:20
        expect(lines.nth(3)).not_to_have_class(re.compile(r"\bcurrent\b"))
        page.keyboard.press(" ")  # pause
        until(page, "a.paused")
        at = player.evaluate("a => a.currentTime")
        page.keyboard.press("b")  # back 5 s
        until(page, "Math.abs(a.currentTime - x) < 0.05", at - 5)
        heard = [i for i, (_, start, end, _) in enumerate(D13) if start <= at - 5 < end]
        expect(page.locator("#transcript .segment.current")).to_have_count(len(heard))
        for index in heard:
            expect(lines.nth(index)).to_have_class(re.compile(r"\bcurrent\b"))

        # the findings sit on the timeline where they happened: greeting, disclosure, the 3.5 s silence
        markers = page.locator("#timeline .marker")
        expect(markers).to_have_count(3)
        bar = box(page.locator("#timeline"))
        for index, (kind, start) in enumerate((("phrase", 3.269), ("phrase", 9.251), ("silence", 30.014))):
            expect(markers.nth(index)).to_have_class(re.compile(rf"\bkind-{kind}\b"))
            found = box(markers.nth(index))
            assert found["width"] > 0
            assert bar["x"] <= found["x"] and found["x"] + found["width"] <= bar["x"] + bar["width"]
            assert abs(found["x"] - bar["x"] - bar["width"] * start / 46.014) < 3  # px
        expect(markers.nth(0)).to_have_attribute("title", "Greeting at 0:03")
        expect(page.locator(".legend li")).to_have_text(["scorecard item", "silence"])

        # the score sheet from the keyboard: c confirms, j/k move, f fails; each a form post
        items = page.locator("#sheet .item")
        expect(items.nth(0)).to_have_class(re.compile(r"\bselected\b"))  # the first item not decided
        expect(items.nth(0)).to_contain_text("Greeting")
        page.keyboard.press("c")
        page.wait_for_url(f"{base}/ui/calls/{booking}#item-greeting")
        expect(item(page, "greeting").locator(".statuses")).to_contain_text("inspector: pass")
        expect(page.locator("#final-score")).to_contain_text("Reviewed")
        for _ in range(5):
            page.keyboard.press("j")
        expect(item(page, "closing")).to_have_class(re.compile(r"\bselected\b"))
        page.keyboard.press("j")  # the last item stays selected
        expect(item(page, "closing")).to_have_class(re.compile(r"\bselected\b"))
        page.keyboard.press("f")  # the agent never closed the call: the machine was right
        page.wait_for_url(f"{base}/ui/calls/{booking}#item-closing")
        expect(item(page, "closing").locator(".statuses")).to_contain_text("inspector: fail")
        page.keyboard.press("k")
        expect(item(page, "forbidden_phrases")).to_have_class(re.compile(r"\bselected\b"))
        expect(item(page, "closing")).not_to_have_class(re.compile(r"\bselected\b"))

        # an override with a comment: shown on the item and in the history; the reviewed score follows
        comment = "3.5 s silence at 0:30 not filled: no hold offered before the booking"
        dead_air = item(page, "dead_air")
        expect(dead_air.locator(".statuses")).to_contain_text("machine: pass")
        dead_air.get_by_role("textbox").press_sequentially(comment)  # its c, f, n, b, k: text, not keys
        expect(dead_air).to_have_class(re.compile(r"\bselected\b"))  # typing in an item selects it
        dead_air.get_by_role("textbox").press("Enter")  # decides nothing (it would confirm the pass)
        expect(page).to_have_url(f"{base}/ui/calls/{booking}#item-closing")
        expect(page.locator("table.history tbody tr")).to_have_count(2)
        dead_air.get_by_role("button", name="Fail").click()
        page.wait_for_url(f"{base}/ui/calls/{booking}#item-dead_air")
        expect(item(page, "dead_air").locator(".statuses")).to_contain_text("inspector: fail")
        expect(item(page, "dead_air").locator(".statuses")).to_contain_text(comment)
        history = page.locator("table.history tbody tr")
        expect(history).to_have_count(3)
        expect(history.filter(has_text="dead_air")).to_contain_text(comment)
        final = services.calls.get(booking)
        assert final is not None and final.final_score is not None and final.final_verdict is not None
        expect(page.locator("#final-score")).to_contain_text(f"{final.final_score:.0f}")
        expect(page.locator("#final-score")).to_contain_text(final.final_verdict.upper())

        # the README's picture: paused on the line where the agent asks for the account
        player.evaluate("a => { a.pause(); a.currentTime = 16; }")
        until(page, "a.currentTime === 16 && !a.seeking")
        expect(lines.nth(3)).to_have_class(re.compile(r"\bcurrent\b"))
        playhead = box(page.locator("#playhead"))
        assert abs(playhead["x"] - bar["x"] - bar["width"] * 16 / 46.014) < 3  # px
        page.locator("#sheet").evaluate("s => s.scrollTop = 0")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(
            path=screenshots / "call-page.png",
            full_page=True,
            # masked: the call id, the decisions' times, and the player (its bar shows how much is loaded)
            mask=[page.locator(".call-id"), page.locator("table.history td:first-child"), player],
            mask_color="#c9d1dc",
        )

        # n: the next call in the queue that no one has reviewed
        page.keyboard.press("n")
        page.wait_for_url(f"{base}/ui/calls/{move_out}")
        expect(page.get_by_role("heading", name=re.compile("^Call"))).to_contain_text("d11.flac")
        expect(page.locator("#next-call")).to_have_count(0)  # the booking is reviewed: nothing after this one
        page.get_by_role("button", name="Sign out").click()

        # the agent reads their own call with the account number masked, and cannot listen or decide
        page.goto(f"{base}/ui/calls/{booking}")
        sign_in(page, "grace")
        page.wait_for_url(f"{base}/ui/calls/{booking}")
        expect(lines.nth(4)).to_contain_text("It's [DIGITS], Oliver Grant.")
        expect(page.locator("#transcript")).not_to_contain_text("nine three zero")
        expect(page.locator("audio")).to_have_count(0)
        expect(page.locator("form.decide")).to_have_count(0)
        expect(item(page, "dead_air").locator(".statuses")).to_contain_text("inspector: fail")
        expect(page.locator("#next-call")).to_have_count(0)
        assert page.request.get(f"{base}/ui/calls/{booking}/audio").status == 403
        browser.close()
    assert (screenshots / "call-page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


LAYOUT = """() => {
  const bar = document.getElementById("timeline").getBoundingClientRect();
  const transcript = document.getElementById("transcript");
  return {
    page: document.documentElement.scrollWidth,
    transcript: transcript.scrollWidth - transcript.clientWidth,
    markers: [...document.querySelectorAll("#timeline .marker")].map((marker) => {
      const at = marker.getBoundingClientRect();
      return [100 * (at.left - bar.left) / bar.width, 100 * (at.right - bar.left) / bar.width];
    }),
  };
}"""
"""How the call page is laid out: the page's width, how far the transcript's lines stick out of
it, and each timeline marker's left and right edge in % of the timeline."""


def test_a_text_conversation_is_laid_out_for_text_and_a_voice_call_as_before(
    request: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    """Two long chats (200 turns, paragraphs, an unbroken URL and a card-number-like token), one
    with times and one without, beside the d13 recording: at 1280 px and at 400 px no page is
    wider than the window and no line sticks out of the transcript, every timeline marker lies
    on the timeline, the length reads as the chat's span, its turns or the recording's length,
    only the recording has a player and its keys, and a chat's marker brings its turn into view
    where the recording's seeks (pictured: docs/screenshots/text-conversation.png)."""
    executable = chromium()
    from playwright.sync_api import expect

    base, services = request.getfixturevalue("site")
    timed = import_text(base, services, long_chat("CHAT-TIMED", timed=True))
    untimed = import_text(base, services, long_chat("CHAT-UNTIMED", timed=False))
    voice = store_call(base, services, "d13.flac", D13, agent_id="D204", queue="energy-en")
    services.users.add("ines", PASSWORD, "inspector")
    expected = {timed: ("66:38", 0), untimed: ("200 turns", 0), voice: ("0:46", 1)}
    with signed_in(executable, base, "ines", height=1000) as (page, problems):
        page.set_default_timeout(WAIT_MS)
        page.wait_for_url(f"{base}/ui/queue")  # signed in
        for width in (1280, 400):
            page.set_viewport_size({"width": width, "height": 1000})
            for call_id, (length, players) in expected.items():
                page.goto(f"{base}/ui/calls/{call_id}")
                layout = page.evaluate(LAYOUT)
                where = f"{length} at {width} px"
                assert layout["page"] <= width and layout["transcript"] <= 0, (where, layout["page"])
                assert layout["markers"], where
                assert all(0 <= left <= right <= 100.01 for left, right in layout["markers"]), where
                expect(page.locator(".facts div").filter(has_text="Length").locator("dd")).to_have_text(
                    length
                )
                expect(page.locator("audio")).to_have_count(players)
                expect(page.locator("#playhead")).to_have_count(players)
                expect(page.locator(".keys")).to_contain_text(
                    "play/pause" if players else "next/previous item"
                )
                if not players:
                    expect(page.locator(".keys")).not_to_contain_text("play/pause")

        # a chat's marker shows its turn: the last turn's closing, then the second turn's disclosure
        page.set_viewport_size({"width": 1280, "height": 1000})
        lines = page.locator("#transcript .segment")
        for call_id, closing, disclosure in ((untimed, "turn 200", "turn 2"), (timed, "66:20", "0:20")):
            page.goto(f"{base}/ui/calls/{call_id}")
            expect(lines).to_have_count(200)
            expect(lines.nth(12)).to_contain_text(CARD_LIKE)
            page.locator(f'#timeline .marker[title="Closing at {closing}"]').click()
            expect(page.locator("#transcript .segment.current")).to_have_count(1)
            expect(lines.nth(199)).to_have_class(re.compile(r"\bcurrent\b"))
            expect(lines.nth(199)).to_be_in_viewport()
            page.evaluate("window.scrollTo(0, 0)")
            page.locator(f'#timeline .marker[title="Recording disclosure at {disclosure}"]').click()
            expect(lines.nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
            expect(lines.nth(1)).to_contain_text("this chat is recorded")
            expect(lines.nth(199)).not_to_have_class(re.compile(r"\bcurrent\b"))
        expect(lines.nth(10)).to_contain_text(URL)  # wrapped in the line, not cut
        page.locator("#transcript").evaluate("t => t.scrollTop = 0")  # the chat's start, turn 2 shown
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(
            path=screenshots / "text-conversation.png",
            full_page=True,
            mask=[page.locator(".call-id")],
            mask_color="#c9d1dc",
        )

        # the recording's marker seeks the player there, as before
        page.goto(f"{base}/ui/calls/{voice}")
        page.locator('#timeline .marker[title="silence at 0:30"]').click()
        until(page, "a.currentTime >= 30")
        assert problems == []  # nothing the page's content policy refused, nothing failed to load
    assert (screenshots / "text-conversation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def item(page: Any, item_id: str) -> Any:
    return page.locator(f"#item-{item_id}")


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "not laid out"
    result: dict[str, float] = found
    return result


def test_an_inspector_marks_evidence_and_corrects_a_word_by_selecting_them(
    request: pytest.FixtureRequest,
    screenshots: Path,
) -> None:
    """Words selected with the mouse become a mark: evidence of an item, and a mis-heard name
    corrected (the words heard stay, the correction beside them); both are there after a reload,
    in the transcript, the list of corrections and the history (pictured:
    docs/screenshots/evidence-marks.png)."""
    executable = chromium()
    from playwright.sync_api import expect, sync_playwright

    base, services = request.getfixturevalue("site")
    booking = store_call(base, services, "d13.flac", D13, agent_id="D204", queue="energy-en")
    services.users.add("ines", PASSWORD, "inspector")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="en-GB", timezone_id="UTC")
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{base}/ui/calls/{booking}")
        sign_in(page, "ines")
        page.wait_for_url(f"{base}/ui/calls/{booking}")
        lines = page.locator("#transcript .segment")
        form = page.locator("#mark-form")
        expect(form).to_be_hidden()

        # "What can I do for you?" in the greeting line: evidence that the agent offered help
        drag(page, lines.nth(0).locator(".w").nth(5), lines.nth(0).locator(".w").nth(10))
        expect(form).to_be_visible()
        expect(page.locator("#mark-words")).to_have_text("What can I do for you?")
        expect(page.locator("#mark-when")).to_contain_text("agent")
        expect(form.locator('option[value="sentiment"]')).to_be_disabled()  # an agent line
        form.get_by_label("Mark as").select_option("item_evidence")
        form.locator('label[data-for="item_evidence"] select').select_option("greeting")
        form.get_by_label("Comment").fill("offers help in the greeting")
        form.get_by_role("button", name="Mark", exact=True).click()
        page.wait_for_url(f"{base}/ui/calls/{booking}#marks")

        # the customer's name, mis-heard: "Oliver Grant." was "Olivia Grant."
        drag(
            page,
            lines.nth(4).get_by_text("Oliver", exact=True),
            lines.nth(4).get_by_text("Grant.", exact=True),
        )
        expect(page.locator("#mark-words")).to_have_text("Oliver Grant.")
        form.get_by_label("Mark as").select_option("word_correction")
        expect(form.locator('label[data-for="item_evidence"]')).to_be_hidden()
        form.get_by_label("What was said").fill("Olivia Grant.")
        form.get_by_role("button", name="Mark", exact=True).click()
        page.wait_for_url(f"{base}/ui/calls/{booking}#marks")

        page.reload()
        expect(lines.nth(0).locator(".w.marked")).to_have_text(["What", "can", "I", "do", "for", "you?"])
        expect(lines.nth(0).locator(".tag.marked-tag")).to_have_text("evidence: Greeting")
        expect(lines.nth(4).locator(".w.marked")).to_have_text(["Oliver", "Grant."])  # heard, kept
        expect(lines.nth(4).locator("ins.correction")).to_have_text("Olivia Grant.")
        expect(lines.nth(4)).to_contain_text("It's nine three zero five five two, Oliver Grant.")
        marks = page.locator("#marks tbody tr")
        expect(marks).to_have_count(2)
        expect(marks.nth(0)).to_contain_text("offers help in the greeting")
        expect(marks.nth(1)).to_contain_text("Olivia Grant.")
        expect(page.locator("table.history tbody tr").filter(has_text="evidence_marked")).to_have_count(2)
        stored = services.evidence.marks(call_ids=[booking])
        assert [(m.kind.value, m.item_id, m.text) for m in stored] == [
            ("item_evidence", "greeting", "What can I do for you?"),
            ("word_correction", None, "Oliver Grant."),
        ]
        assert stored[1].start == pytest.approx(D13[4][1] + 7 * (D13[4][2] - D13[4][1]) / 9, abs=0.01)

        drag(page, lines.nth(6).locator(".w").nth(0), lines.nth(6).locator(".w").nth(0))  # "Sorry,"
        form.get_by_label("Mark as").select_option("sentiment")
        page.locator("#transcript").evaluate("t => t.scrollTop = 0")
        page.evaluate("window.scrollTo(0, 0)")
        page.locator(".call-body").screenshot(
            path=screenshots / "evidence-marks.png", mask=[page.locator("#marks td:nth-child(2)")]
        )
        browser.close()


def drag(page: Any, first: Any, last: Any) -> None:
    """Select from the start of `first` to the end of `last` with the mouse, as a person does."""
    start, end = box(first), box(last)
    page.mouse.move(start["x"] + 1, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] - 1, end["y"] + end["height"] / 2, steps=5)
    page.mouse.up()
