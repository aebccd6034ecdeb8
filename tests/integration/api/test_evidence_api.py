"""Evidence marks over the API (SQLite and PostgreSQL): inspectors mark words, every reader of the
call reads the marks (agents and trainers masked), the author or a supervisor removes one, each
change is in the call's history, and a mark that does not fit the call says why (422)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from runtime.services import Services
from tests.support.api import scored_call_with_pii, token

CARD = {
    "kind": "word_correction",
    "start": 4.0,
    "end": 9.0,
    "speaker": "customer",
    "text": "My card is 4111 1111 1111 1111.",
    "correction": "My card is 4111 1111 1111 1112.",
}
GREETING = {
    "kind": "item_evidence",
    "item_id": "greeting",
    "start": 0.5,
    "end": 1.6,
    "speaker": "agent",
    "text": "Hello, Fabrikam Mobile,",
    "comment": "a greeting in the company's own words",
}


def post(client: TestClient, call_id: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(f"/calls/{call_id}/evidence", json=body, headers=headers)


def test_inspectors_mark_everyone_reads_and_the_history_keeps_each_change(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    inspector = token(client, "inspector")
    marked = post(client, call_id, GREETING, inspector)
    assert marked.status_code == 201, marked.text
    evidence = marked.json()
    assert evidence["kind"] == "item_evidence" and evidence["item_id"] == "greeting"
    assert evidence["author"].endswith("(inspector)") and evidence["analysis_id"] > 0
    corrected = post(client, call_id, CARD, inspector).json()
    mood = {
        "kind": "sentiment",
        "label": "negative",
        "start": 4.0,
        "end": 9.0,
        "speaker": "customer",
        "text": "This is outrageous.",
    }
    assert post(client, call_id, mood, token(client, "supervisor")).status_code == 201

    listed = client.get(f"/calls/{call_id}/evidence", headers=inspector).json()
    assert [m["kind"] for m in listed] == ["item_evidence", "word_correction", "sentiment"]
    assert listed[1]["text"] == CARD["text"] and listed[1]["correction"] == CARD["correction"]
    for reader in (token(client, "agent", "A7"), token(client, "trainer")):
        masked = client.get(f"/calls/{call_id}/evidence", headers=reader).json()
        assert masked[1]["text"] == "My card is [CARD]." and "4111" not in masked[1]["correction"]
        assert post(client, call_id, GREETING, reader).status_code == 403  # they read, never mark
    assert client.get(f"/calls/{call_id}/evidence", headers=token(client, "agent", "A8")).status_code == 404

    history = client.get(f"/calls/{call_id}/history", headers=inspector).json()["events"]
    assert [e["action"] for e in history] == ["evidence_marked"] * 3
    assert history[0]["item_id"] == "greeting" and history[0]["comment"] == GREETING["comment"]
    assert history[1]["after"]["text"] == "My card is [CARD]."  # every role reads the history
    assert history[1]["after"]["mark"] == corrected["id"]

    # removed by its author or a supervisor, never by another inspector; the history keeps it
    other = token(client, "inspector")
    assert client.delete(f"/calls/{call_id}/evidence/{corrected['id']}", headers=other).status_code == 403
    removed = client.delete(f"/calls/{call_id}/evidence/{corrected['id']}", headers=inspector)
    assert removed.status_code == 204
    assert client.delete(f"/calls/{call_id}/evidence/{corrected['id']}", headers=inspector).status_code == 404
    supervisor = token(client, "supervisor")
    assert client.delete(f"/calls/{call_id}/evidence/{evidence['id']}", headers=supervisor).status_code == 204
    assert [m["kind"] for m in client.get(f"/calls/{call_id}/evidence", headers=inspector).json()] == [
        "sentiment"
    ]
    history = client.get(f"/calls/{call_id}/history", headers=inspector).json()["events"]
    assert [e["action"] for e in history][3:] == ["evidence_removed", "evidence_removed"]
    assert history[3]["before"]["correction"] == "My card is [DIGITS]." and history[3]["after"] == {}
    assert history[4]["actor"].endswith("(supervisor)")


REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"end": 61.0}, "after the end of the call (60.00 s)"),
    ({"end": 0.2}, "end (0.2) must come after start (0.5)"),
    ({"item_id": "no_such_item"}, "item 'no_such_item' is not on scorecard generic-en@2"),
    ({"item_id": "forbidden_phrases"}, "mark a forbidden phrase it missed as forbidden_phrase"),
    ({"item_id": "dead_air"}, "(dead air) has no words to mark"),
    ({"kind": "forbidden_phrase"}, "item 'greeting' forbids no phrase"),
    ({"kind": "word_correction"}, "correction"),  # and it takes no item_id
    ({"kind": "sentiment", "item_id": None, "label": "negative"}, "speaker"),
    ({"label": "negative"}, "label"),
    ({"kind": "word_correction", "item_id": None, "correction": "Hello, Fabrikam Mobile,"}, "the same"),
]
"""Changes to a good mark that make it wrong, and what the refusal must say."""


def test_a_mark_that_does_not_fit_the_call_is_refused_with_the_reason(client: TestClient) -> None:
    call_id = scored_call_with_pii(client, "A7")
    inspector = token(client, "inspector")
    for change, said in REFUSALS:
        body = {k: v for k, v in {**GREETING, **change}.items() if v is not None}
        refused = post(client, call_id, body, inspector)
        assert refused.status_code == 422, (change, refused.text)
        assert said in refused.json()["detail"] + str(refused.json()["errors"]), (change, refused.text)
    assert client.get(f"/calls/{call_id}/evidence", headers=inspector).json() == []


def test_calibration_reads_marks_typed_since_a_time_and_for_calls(client: TestClient) -> None:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    first, second = scored_call_with_pii(client, "A7"), scored_call_with_pii(client, "A8", freq=659.0)
    inspector = token(client, "inspector")
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert post(client, first, GREETING, inspector).status_code == 201
    assert post(client, second, CARD, inspector).status_code == 201
    marks = services.evidence.marks()
    assert [(m.call_id, m.kind.value, m.speaker) for m in marks] == [
        (first, "item_evidence", "agent"),
        (second, "word_correction", "customer"),
    ]
    assert marks[1].text == CARD["text"]  # unmasked: calibration learns from what was said
    assert [m.call_id for m in services.evidence.marks(call_ids=[second])] == [second]
    assert len(services.evidence.marks(since=before)) == 2
    assert services.evidence.marks(since=datetime.now(UTC) + timedelta(seconds=1)) == []


def test_a_call_not_scored_yet_cannot_be_marked(client: TestClient) -> None:
    from tests.support.api import upload
    from tests.support.audio import wav_bytes

    call_id = upload(client, token(client, "admin"), wav_bytes(880.0)).json()["id"]
    refused = post(client, call_id, GREETING, token(client, "inspector"))
    assert refused.status_code == 409 and "not been scored" in refused.json()["detail"]
    assert post(client, "nope", GREETING, token(client, "inspector")).status_code == 404
