"""The library's bookmarks and clips through the real app, on SQLite and PostgreSQL: save at a
moment with tags and a note, list and filter, edit, remove, who may do what, and the clip ZIP
(the recording cut with its margin, personal data masked in the text and beeped in the audio,
for every role), a text conversation's clip, and bookmarks going with an erased call."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from runtime.services import Services
from runtime.settings import Settings, get_settings
from scoring.pii import redact_transcript
from scoring.pii_audio import spoken_pii
from services import library
from services.clips import ClipLimits, ClipRefused, clip_of
from services.conversations import ConversationIn, transcript_of
from services.library import BookmarkRequest
from services.lifecycle import erase, repository
from store.lifecycle import Selector
from store.metadata import CallMetadata, Channel
from store.tokens import Role
from tests.support.api import token
from tests.support.library import RATE, said, scored_call
from tests.support.schema import differences
from tests.support.web import services_of


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_save_list_filter_edit_and_remove_bookmarks(client: TestClient) -> None:
    services = services_of(client)
    call_id = scored_call(services)
    trainer, other = token(client, "trainer"), token(client, "trainer")
    saved = client.post(
        "/library/bookmarks",
        json={
            "call_id": call_id,
            "start": 14,
            "end": 20,
            "tags": [" Empathy ", "新人培训", "empathy"],
            "note": "calm",
        },
        headers=trainer,
    )
    assert saved.status_code == 201, saved.text
    first = saved.json()
    assert first["tags"] == ["empathy", "新人培训"] and (first["start"], first["end"]) == (14, 20)
    assert first["owner"].startswith("token ") and first["created_by"].endswith("(trainer)")
    assert first["agent_id"] == "A7" and first["updated_at"] is None
    whole = client.post(
        "/library/bookmarks",
        json={"call_id": call_id, "tags": ["closing"], "note": "good closing"},
        headers=other,
    ).json()
    assert whole["start"] is None

    listed = client.get("/library/bookmarks", headers=trainer).json()
    assert listed["total"] == 2 and [b["id"] for b in listed["bookmarks"]] == [whole["id"], first["id"]]
    by_tag = client.get("/library/bookmarks", params={"tag": "EMPATHY"}, headers=trainer).json()
    assert [b["id"] for b in by_tag["bookmarks"]] == [first["id"]]
    assert client.get("/library/bookmarks", params={"tag": "新人培训"}, headers=trainer).json()["total"] == 1
    by_note = client.get("/library/bookmarks", params={"note": "CLOSING"}, headers=trainer).json()
    assert [b["id"] for b in by_note["bookmarks"]] == [whole["id"]]
    by_saver = client.get("/library/bookmarks", params={"saved_by": first["owner"]}, headers=trainer).json()
    assert [b["id"] for b in by_saver["bookmarks"]] == [first["id"]]
    paged = client.get("/library/bookmarks", params={"limit": 1, "offset": 1}, headers=trainer).json()
    assert paged["total"] == 2 and [b["id"] for b in paged["bookmarks"]] == [first["id"]]
    tags = client.get("/library/tags", headers=trainer).json()
    assert tags == [
        {"tag": "closing", "bookmarks": 1},
        {"tag": "empathy", "bookmarks": 1},
        {"tag": "新人培训", "bookmarks": 1},
    ]

    changed = client.patch(
        f"/library/bookmarks/{first['id']}", json={"note": "calm and clear"}, headers=trainer
    )
    assert changed.status_code == 200 and changed.json()["note"] == "calm and clear"
    assert changed.json()["tags"] == ["empathy", "新人培训"] and changed.json()["updated_by"].endswith(
        "(trainer)"
    )
    retagged = client.patch(
        f"/library/bookmarks/{first['id']}", json={"tags": ["de-escalation"]}, headers=trainer
    )
    assert retagged.json()["tags"] == ["de-escalation"] and retagged.json()["note"] == "calm and clear"
    refused = client.patch(f"/library/bookmarks/{first['id']}", json={"note": "mine now"}, headers=other)
    assert refused.status_code == 403 and "saved by" in refused.json()["detail"]
    assert client.delete(f"/library/bookmarks/{first['id']}", headers=other).status_code == 403
    supervisor = token(client, "supervisor")
    assert client.delete(f"/library/bookmarks/{first['id']}", headers=supervisor).status_code == 204
    assert client.get(f"/library/bookmarks/{first['id']}", headers=trainer).status_code == 404
    assert client.delete(f"/library/bookmarks/{first['id']}", headers=trainer).status_code == 404
    assert client.get("/library/bookmarks", headers=trainer).json()["total"] == 1


def test_bookmark_errors_and_roles(client: TestClient) -> None:
    services = services_of(client)
    call_id = scored_call(services)
    trainer = token(client, "trainer")

    def post(**body: Any) -> Any:
        return client.post("/library/bookmarks", json={"call_id": call_id, **body}, headers=trainer)

    missing = client.post("/library/bookmarks", json={"call_id": "nope"}, headers=trainer)
    assert missing.status_code == 404 and "no call" in missing.json()["detail"]
    after = post(start=25, end=45)
    assert after.status_code == 422 and "after the call's end at 30 s" in after.json()["detail"]
    assert "after the call's end" in post(start=31, end=32).json()["detail"]
    backwards = post(start=10, end=5)
    assert backwards.status_code == 422 and "before it starts" in backwards.text
    assert "both start and end" in post(start=3).text
    too_many = post(tags=[f"t{n}" for n in range(11)])
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["loc"][-1] == "tags"
    assert "longer than 40" in post(tags=["x" * 41]).text
    assert post(tags=["  "]).status_code == 422
    assert post(typo=1).status_code == 422
    nothing = client.patch("/library/bookmarks/1", json={}, headers=trainer)
    assert nothing.status_code == 422 and "nothing to change" in nothing.text
    assert client.get("/library/bookmarks", params={"tag": " "}, headers=trainer).status_code == 422
    assert client.get("/library/bookmarks", params={"tagg": "x"}, headers=trainer).status_code == 422

    for role in ("inspector", "agent"):
        headers = token(client, role, "A7")
        assert post(start=1, end=2).status_code == 201  # the trainer's, for the reads below
        assert (
            client.post("/library/bookmarks", json={"call_id": call_id}, headers=headers).status_code == 403
        )
        assert client.get("/library/bookmarks", headers=headers).status_code == 403
        assert client.get("/library/tags", headers=headers).status_code == 403
        assert client.get("/library/bookmarks/1/clip", headers=headers).status_code == 403
        assert client.get(f"/calls/{call_id}/clip?start=1&end=2", headers=headers).status_code == 403
    assert client.get("/library/bookmarks").status_code == 401
    assert client.post("/library/bookmarks", json={"call_id": call_id}).status_code == 401


def test_clip_cuts_the_moment_and_masks_personal_data_for_every_role(client: TestClient) -> None:
    services = services_of(client)
    call_id = scored_call(services)
    admin = token(client, "admin")
    saved = client.post(
        "/library/bookmarks",
        json={"call_id": call_id, "start": 14, "end": 20, "tags": ["payment"], "note": "card read back"},
        headers=admin,
    ).json()
    answer = client.get(f"/library/bookmarks/{saved['id']}/clip", headers=admin)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"].startswith('attachment; filename="callqa-clip-')
    files = unzip(answer.content)
    assert set(files) == {"clip.wav", "transcript.txt", "transcript.json"}
    audio, rate = sf.read(io.BytesIO(files["clip.wav"]), always_2d=True)
    assert rate == RATE and audio.shape[1] == 2
    assert abs(len(audio) / rate - 8.0) < 0.01  # 14-20 s with a second either side
    manifest = json.loads(files["transcript.json"])
    assert (manifest["start"], manifest["end"], manifest["audio"]) == (13.0, 21.0, True)
    assert manifest["tags"] == ["payment"] and manifest["external_id"].startswith("ext-")
    assert [(t["speaker"], t["start"]) for t in manifest["turns"]] == [("customer", 14.0)]
    text = files["transcript.txt"].decode()
    assert "[CARD]" in text and "1111" not in text and "1111" not in files["transcript.json"].decode()
    # the card number's words are beeped (1 kHz on both channels), the rest is the call as recorded
    beeped = manifest["beeped"]
    assert beeped and all(b["start"] >= 14.0 and b["end"] <= 20.0 for b in beeped)
    inside = int((beeped[0]["start"] + 0.2 - 13.0) * rate)
    outside = int(0.5 * rate)
    assert _dominant_hz(audio[inside : inside + 800, 1], rate) == 1000
    assert _dominant_hz(audio[outside : outside + 800, 1], rate) == 500

    moment = client.get(f"/calls/{call_id}/clip", params={"start": 23, "end": 29.5}, headers=admin)
    inner = unzip(moment.content)
    assert abs(len(sf.read(io.BytesIO(inner["clip.wav"]))[0]) / RATE - 8.0) < 0.01  # 22 s to the end at 30 s
    phone = inner["transcript.txt"].decode()
    assert "[PHONE]" in phone and "555" not in phone

    # a trainer's clip carries the beeped audio by default; a site that narrows
    # CALLQA_CLIP_AUDIO_ROLES gives that role the redacted transcript alone, saying why
    def trainer_clip() -> dict[str, bytes]:
        answer = client.get(f"/library/bookmarks/{saved['id']}/clip", headers=token(client, "trainer"))
        return unzip(answer.content)

    assert set(trainer_clip()) == {"clip.wav", "transcript.txt", "transcript.json"}
    client.app.state.services.settings.clip_audio_roles = [Role.ADMIN]  # type: ignore[attr-defined]
    trainer = trainer_clip()
    assert set(trainer) == {"transcript.txt", "transcript.json"}
    assert "CALLQA_CLIP_AUDIO_ROLES" in json.loads(trainer["transcript.json"])["audio_note"]

    long = client.get(f"/calls/{call_id}/clip", params={"start": 0, "end": 700}, headers=admin)
    assert long.status_code == 422 and "after the call's end at 30 s" in long.json()["detail"]
    call = services.calls.get(call_id)
    assert call is not None
    with pytest.raises(ClipRefused, match=r"0\.1 min at most and this one would last 0\.2 min"):
        clip_of(services, call, 1.0, 11.0, may_listen=True, limits=ClipLimits(max_s=6.0))
    outside_call = client.get(f"/calls/{call_id}/clip", params={"start": 40, "end": 45}, headers=admin)
    assert outside_call.status_code == 422 and "after the call's end" in outside_call.json()["detail"]
    assert client.get("/calls/nope/clip", params={"start": 1, "end": 2}, headers=admin).status_code == 404
    assert client.get("/library/bookmarks/999/clip", headers=admin).status_code == 404


def _dominant_hz(samples: np.ndarray, rate: int) -> int:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return int(round(np.argmax(spectrum) * rate / len(samples) / 100) * 100)


def test_clip_without_the_recording_is_the_transcript_or_gone(client: TestClient) -> None:
    services = services_of(client)
    admin = token(client, "admin")
    chat = ConversationIn.model_validate(
        {
            "external_id": "chat-1",
            "agent_id": "A7",
            "channel": "chat",
            "turns": [
                {"speaker": "customer", "text": "My phone is 415 555 0100"},
                {"speaker": "agent", "text": "Thanks, noted."},
            ],
        }
    )
    call = services.calls.ingest_text(
        chat.model_dump_json().encode(), "chat.json", CallMetadata(), Channel.CHAT
    ).call
    services.results.save_transcript(call.id, "text:chat", transcript_of(chat, "en"))
    saved = client.post(
        "/library/bookmarks", json={"call_id": call.id, "tags": ["chat"]}, headers=admin
    ).json()
    files = unzip(client.get(f"/library/bookmarks/{saved['id']}/clip", headers=admin).content)
    assert set(files) == {"transcript.txt", "transcript.json"}
    manifest = json.loads(files["transcript.json"])
    assert "imported as text" in manifest["audio_note"] and len(manifest["turns"]) == 2
    assert "[PHONE]" in files["transcript.txt"].decode() and "555" not in files["transcript.txt"].decode()

    damaged = scored_call(services, "A8")
    services.calls.audio_path(services.calls.get(damaged)).write_bytes(b"RIFF and then nothing")  # type: ignore[arg-type]
    words_only = client.get(f"/calls/{damaged}/clip", params={"start": 1, "end": 3}, headers=admin)
    assert words_only.status_code == 200 and set(unzip(words_only.content)) == {
        "transcript.txt",
        "transcript.json",
    }
    assert (
        "the recording cannot be read"
        in json.loads(unzip(words_only.content)["transcript.json"])["audio_note"]
    )

    call_id = scored_call(services)
    services.calls.audio_path(services.calls.get(call_id)).unlink()  # as retention does, then marks it
    store = repository(services)
    store.delete_audio(call_id, services.calls.get(call_id).audio_key)  # type: ignore[union-attr]
    kept = client.get(f"/calls/{call_id}/clip", params={"start": 1, "end": 3}, headers=admin)
    assert (
        kept.status_code == 200
        and "deleted by the retention policy" in unzip(kept.content)["transcript.txt"].decode()
    )
    store.delete_transcript(call_id)
    gone = client.get(f"/calls/{call_id}/clip", params={"start": 1, "end": 3}, headers=admin)
    assert gone.status_code == 410 and "nothing to export" in gone.json()["detail"]


def test_bookmarks_go_with_an_erased_call(client: TestClient) -> None:
    services = services_of(client)
    erased, kept = scored_call(services, "A8"), scored_call(services, "A9")
    trainer = token(client, "trainer")
    for call_id in (erased, kept):
        client.post("/library/bookmarks", json={"call_id": call_id, "tags": ["keep"]}, headers=trainer)
    erase(services, Selector.AGENT_ID, "A8", "test")
    listed = client.get("/library/bookmarks", headers=trainer).json()
    assert [b["call_id"] for b in listed["bookmarks"]] == [kept]
    assert client.get("/library/tags", headers=trainer).json() == [{"tag": "keep", "bookmarks": 1}]


def test_spoken_personal_data_is_timed_by_its_words() -> None:
    call = said()
    spans = spoken_pii(call, redact_transcript(call))
    words = call.segments[3].words  # "It is 4111 1111 1111 1111 thanks": the four groups
    assert (spans[0].start, spans[0].end) == (words[2].start, words[5].end)
    assert spans[1].start >= 21.0  # the phone number
    untimed = call.model_copy(update={"segments": [call.segments[3].model_copy(update={"words": []})]})
    whole = spoken_pii(untimed, redact_transcript(untimed))
    assert [(s.start, s.end) for s in whole] == [(14.0, 20.0)]


def test_migration_0018_matches_the_tables(services: Services) -> None:
    assert differences(services.engine, "library_bookmark") == []


def test_cli_lists_and_exports_saved_calls(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CALLQA_DATA_DIR", str(sqlite_settings.data_dir))
    monkeypatch.setenv("CALLQA_DATABASE_URL", sqlite_settings.resolved_database_url)
    get_settings.cache_clear()
    services = Services(sqlite_settings)
    try:
        call_id = scored_call(services)
        wanted = BookmarkRequest(call_id=call_id, start=14, end=20, tags=["payment"], note="card read back")
        saved = library.save(services, wanted, "tess", "user tess (trainer)")
        library.save(
            services, BookmarkRequest(call_id=call_id, tags=["closing"]), "tess", "user tess (trainer)"
        )
        runner = CliRunner()
        listed = runner.invoke(app, ["library", "list", "--tag", "Payment"])
        assert listed.exit_code == 0 and "1 saved call" in listed.output and "14-20" in listed.output, (
            listed.output
        )
        out = tmp_path / "clip.zip"
        exported = runner.invoke(app, ["library", "export", str(saved.id), "--out", str(out)])
        assert exported.exit_code == 0, exported.output
        files = unzip(out.read_bytes())
        assert set(files) == {"clip.wav", "transcript.txt", "transcript.json"}
        assert "[CARD]" in files["transcript.txt"].decode()
        missing = runner.invoke(app, ["library", "export", "999", "--out", str(out)])
        assert missing.exit_code == 2 and "no bookmark 999" in missing.output
    finally:
        services.close()
        get_settings.cache_clear()
