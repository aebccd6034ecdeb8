"""Text conversations (recorder transcripts, chat logs): files, the API, scoring, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.conversation_files import read_conversations
from runtime.services import Services
from services.pipeline import analyse_stage, transcribe_stage
from store.metadata import CallSource, Channel
from store.tables import CallStatus
from tests.support.api import token
from tests.support.conversations import CHAT, VOICE


def test_json_files_are_validated_with_the_field_named(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(VOICE))
    assert read_conversations(good).conversations[0].external_id == "CC-1001"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**VOICE, "turns": [{**VOICE["turns"][0], "speaker": "bot"}]}))
    assert read_conversations(bad).errors == [
        f"{bad}: turns[0].speaker: Input should be 'agent' or 'customer'"
    ]
    untimed_voice = tmp_path / "untimed.json"
    untimed_voice.write_text(json.dumps({**CHAT, "channel": "voice"}))
    assert "a voice transcript needs start and end" in read_conversations(untimed_voice).errors[0]
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "external_id": "x",\n  "turns": [\n}')
    assert read_conversations(broken).errors[0].startswith(f"{broken}:4: not valid JSON")


def test_a_csv_holds_many_conversations_and_a_bad_row_skips_only_its_own(tmp_path: Path) -> None:
    sheet = tmp_path / "chats.csv"
    sheet.write_text(
        "external_id,agent_id,language,channel,speaker,start,end,text\n"
        "C1,A1,en,chat,customer,,,my parcel never came\n"
        "C1,A1,en,chat,agent,,,I am sorry to hear that\n"
        "C2,A2,en,voice,agent,0,2,Hello\n"
        "C2,A2,en,voice,robot,2,4,Beep\n"
        "C2,A3,en,voice,customer,4,5,Hi\n"
    )
    read = read_conversations(sheet)
    assert [c.external_id for c in read.conversations] == ["C1"]
    assert read.conversations[0].channel == Channel.CHAT and len(read.conversations[0].turns) == 2
    assert read.errors == [
        f"{sheet}:5: speaker: Input should be 'agent' or 'customer'",
        f"{sheet}:6: agent_id: differs from line 4 of the same conversation",
    ]
    headless = tmp_path / "headless.csv"
    headless.write_text("id,who,said\n1,agent,hi\n")
    assert "missing columns external_id, speaker, start, end, text" in read_conversations(headless).errors[0]


def test_post_conversations_is_idempotent_and_scored_like_a_call(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    admin = token(client, "admin")
    assert client.post("/conversations", json=VOICE).status_code == 401
    assert client.post("/conversations", json=VOICE, headers=token(client, "agent", "A7")).status_code == 403

    first = client.post("/conversations", json=VOICE, headers=admin)
    assert first.status_code == 202, first.text
    call_id = first.json()["id"]
    again = client.post("/conversations", json=VOICE, headers=admin)
    assert again.status_code == 200 and again.json()["id"] == call_id and again.json()["duplicate"]

    call = services.calls.get(call_id)
    assert call is not None and call.source == CallSource.TEXT and call.external_id == "CC-1001"
    assert transcribe_stage(services, call_id)  # nothing to hear: goes straight on to scoring
    assert analyse_stage(services, call_id)
    timed = {h.name: h.count for h in services.stage_timings.histograms()}
    assert (timed["analyse_seconds"], timed["transcribe_seconds"]) == (1, 0)  # for /metrics
    detail = client.get(f"/calls/{call_id}", headers=admin).json()
    assert detail["status"] == CallStatus.SCORED
    assert detail["transcript"]["segments"][0]["text"].startswith("Hello, Fabrikam")
    items = {i["item_id"]: i for i in detail["scorecard"]["items"]}
    assert items["disclosure"]["status"] == "pass"
    assert items["dead_air"]["status"] == "fail"  # 24 s between turns, taken from their times


def test_an_untimed_chat_has_no_dead_air_to_judge(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    answer = client.post("/conversations", json=CHAT, headers=token(client, "inspector"))
    assert answer.status_code == 202, answer.text
    call_id = answer.json()["id"]
    assert analyse_stage(services, call_id)
    detail = client.get(f"/calls/{call_id}", headers=token(client, "admin")).json()
    items = {i["item_id"]: i for i in detail["scorecard"]["items"]}
    assert items["dead_air"]["status"] == "na"
    assert "no timings" in items["dead_air"]["reason"]


def test_a_conversation_without_a_language_is_refused(client: TestClient) -> None:
    answer = client.post("/conversations", json={**CHAT, "language": None}, headers=token(client, "admin"))
    assert answer.status_code == 422 and "language" in answer.json()["detail"]


def test_the_call_page_of_a_chat_has_no_player(client: TestClient) -> None:
    from tests.support.web import add_user, sign_in

    services: Services = client.app.state.services  # type: ignore[attr-defined]
    call_id = client.post("/conversations", json=CHAT, headers=token(client, "admin")).json()["id"]
    analyse_stage(services, call_id)
    add_user(client, "ines", "inspector")
    sign_in(client, "ines")
    page = client.get(f"/ui/calls/{call_id}")
    assert page.status_code == 200
    assert "Imported as text (chat): there is no recording to play." in page.text
    assert "<audio" not in page.text and "is anyone there?" in page.text
    assert client.get(f"/ui/calls/{call_id}/audio").status_code == 404
