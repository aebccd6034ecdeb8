"""The call page: what each role sees, deciding items with a form, and audio that seeks
(SQLite and PostgreSQL; the browser side is in tests/e2e/browser/test_call_page_browser.py)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.pipeline import analyse_stage
from tests.support.api import scored_call_with_pii, token
from tests.support.conversations import long_chat
from tests.support.web import as_user, csrf_of, services_of


def test_an_inspector_reads_listens_and_decides(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    as_user(client, "ines", "inspector")
    page = client.get(f"/ui/calls/{call_id}")
    assert page.status_code == 200
    assert "4111 1111 1111 1111" in page.text  # inspectors read the full transcript
    assert f'src="/ui/calls/{call_id}/audio"' in page.text
    assert 'data-start="4.0"' in page.text and "Score sheet" in page.text
    failed = re.search(r'class="item status-fail" id="item-([\w-]+)"', page.text)
    assert failed is not None
    item_id = failed.group(1)

    token = csrf_of(client, f"/ui/calls/{call_id}")
    decided = client.post(
        f"/ui/calls/{call_id}/items/{item_id}",
        data={"decision": "pass", "comment": "said at 0:01", "csrf_token": token},
        follow_redirects=False,
    )
    assert decided.status_code == 303 and decided.headers["location"].endswith(f"#item-{item_id}")
    after = client.get(f"/ui/calls/{call_id}").text
    assert re.search(rf'class="item status-pass" id="item-{item_id}"', after)
    assert "inspector: pass" in after and "said at 0:01" in after and "item_reviewed" in after
    assert 'id="final-score"' in after

    forged = client.post(
        f"/ui/calls/{call_id}/items/{item_id}", data={"decision": "fail", "csrf_token": "nope"}
    )
    assert forged.status_code == 403
    assert "inspector: pass" in client.get(f"/ui/calls/{call_id}").text  # nothing changed


def test_audio_is_served_in_ranges_to_the_roles_that_may_listen(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    as_user(client, "ines", "inspector")
    whole = client.get(f"/ui/calls/{call_id}/audio")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/ui/calls/{call_id}/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    as_user(client, "tess", "trainer")
    assert client.get(f"/ui/calls/{call_id}/audio").status_code == 403


def test_agents_and_trainers_read_the_redacted_call_and_cannot_decide(client: TestClient) -> None:
    mine = scored_call_with_pii(client, "A7")
    theirs = scored_call_with_pii(client, "A8", freq=659.0)
    as_user(client, "alex", "agent", "A7")
    page = client.get(f"/ui/calls/{mine}")
    assert page.status_code == 200
    assert "[CARD]" in page.text and "4111 1111" not in page.text  # (a bare "4111" can be part of a call id)
    assert 'class="decide"' not in page.text and "<audio" not in page.text
    assert client.get(f"/ui/calls/{theirs}").status_code == 404
    as_user(client, "tess", "trainer")
    page = client.get(f"/ui/calls/{mine}")
    assert page.status_code == 200 and "4111 1111" not in page.text and 'class="decide"' not in page.text
    item = re.search(r'id="item-([\w-]+)"', page.text)
    assert item is not None
    refused = client.post(
        f"/ui/calls/{mine}/items/{item.group(1)}",
        data={"decision": "pass", "csrf_token": csrf_of(client, f"/ui/calls/{mine}")},
    )
    assert refused.status_code == 403


def test_an_inspector_marks_words_and_the_page_shows_them(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    as_user(client, "ines", "inspector")
    page = client.get(f"/ui/calls/{call_id}").text
    assert 'id="mark-form"' in page and 'data-s="4.00"' in page  # words carry their times
    token = csrf_of(client, f"/ui/calls/{call_id}")
    marked = client.post(
        f"/ui/calls/{call_id}/evidence",
        data={
            "kind": "word_correction",
            "start": "4.0",
            "end": "4.3",
            "speaker": "customer",
            "text": "My",
            "correction": "Our",
            "item_id": "",
            "label": "",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert marked.status_code == 303 and marked.headers["location"].endswith("#marks")
    page = client.get(f"/ui/calls/{call_id}").text
    assert re.search(
        r'<span class="w marked" data-s="4.00" data-e="[\d.]+">My</span><ins class="correction"', page
    )
    assert "evidence_marked" in page and 'id="mark-' in page
    refused = client.post(
        f"/ui/calls/{call_id}/evidence",
        data={
            "kind": "sentiment",
            "start": "0.5",
            "end": "1.0",
            "speaker": "agent",
            "text": "Hello,",
            "label": "negative",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422 and "customer" in refused.text
    mark_id = re.search(r'id="mark-(\d+)"', page)
    assert mark_id is not None
    as_user(client, "tess", "trainer")  # reads the mark, cannot mark or remove
    page = client.get(f"/ui/calls/{call_id}").text
    assert 'id="mark-form"' not in page and "Our" in page and "Remove</button>" not in page
    trainer_token = csrf_of(client, f"/ui/calls/{call_id}")
    gone = client.post(
        f"/ui/calls/{call_id}/evidence/{mark_id.group(1)}/delete", data={"csrf_token": trainer_token}
    )
    assert gone.status_code == 403
    as_user(client, "sam", "supervisor")
    removed = client.post(
        f"/ui/calls/{call_id}/evidence/{mark_id.group(1)}/delete",
        data={"csrf_token": csrf_of(client, f"/ui/calls/{call_id}")},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    page = client.get(f"/ui/calls/{call_id}").text
    assert "ins class" not in page and "evidence_removed" in page


def test_a_text_conversation_has_no_player_and_reads_its_length_from_its_turns(client: TestClient) -> None:
    """A chat has no recording, hence no duration: its length is its turns' span, or their
    number without times, and the timeline is drawn on that axis (the layout itself, in the
    browser: tests/e2e/browser/test_call_page_browser.py)."""
    admin = token(client, "admin")
    timed, untimed = (
        client.post("/conversations", json=long_chat(name, timed=times), headers=admin).json()["id"]
        for name, times in (("CHAT-TIMED", True), ("CHAT-UNTIMED", False))
    )
    for call_id in (timed, untimed):
        assert analyse_stage(services_of(client), call_id)
    voice = scored_call_with_pii(client, "A7")
    as_user(client, "ines", "inspector")
    pages = {call_id: client.get(f"/ui/calls/{call_id}").text for call_id in (timed, untimed, voice)}
    for call_id in (timed, untimed):
        assert "<audio" not in pages[call_id] and 'id="playhead"' not in pages[call_id]
        assert "play/pause" not in pages[call_id] and "next/previous item" in pages[call_id]
        assert "there is no recording to play" in pages[call_id]

    assert "<dt>Length</dt><dd>66:38</dd>" in pages[timed]  # 0 to the last turn's end
    assert 'data-duration="3998.0"' in pages[timed] and "The timeline runs by turn times" in pages[timed]
    assert 'title="Closing at 66:20"' in pages[timed] and ">66:20</button>" in pages[timed]

    assert "<dt>Length</dt><dd>200 turns</dd>" in pages[untimed]
    assert (
        'data-duration="200.0"' in pages[untimed]
        and "It has no times: the timeline runs by turn order" in pages[untimed]
    )
    closing = re.search(
        r'data-start="199.0" data-end="([\d.]+)"\s+data-seek="199.0" title="([^"]+)"', pages[untimed]
    )
    assert closing is not None and closing.groups() == ("200.0", "Closing at turn 200")  # a whole turn
    assert ">#200</button>" in pages[untimed] and ">0:00</button>" not in pages[untimed]  # no times made up

    assert "<audio" in pages[voice] and 'id="playhead"' in pages[voice] and "play/pause" in pages[voice]
    assert re.search(r"<dt>Length</dt><dd>\d+:\d\d</dd>", pages[voice])
