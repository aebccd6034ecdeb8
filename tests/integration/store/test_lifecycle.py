"""Data lifecycle: retention per queue, erasure on request, backup and restore (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from runtime.services import Services
from runtime.settings import QueueSettings, RetentionPolicy, Settings
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.routing import route
from services.backup import BackupError, backup, restore
from services.lifecycle import NothingToErase, apply_retention, calls_to_erase, erase, repository
from services.search_index import index_stage, reindex
from store.lifecycle import Selector, digest
from store.metadata import CallMetadata
from tests.support.audio import tone
from tests.support.schema import differences, downgrade, upgrade
from tests.support.transcripts import segment, transcript

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def stored_call(
    services: Services,
    folder: Path,
    freq: float,
    *,
    days_ago: int = 1,
    queue: str | None = None,
    agent_id: str = "A1",
    external_id: str | None = None,
    customer_says: str = "I want to check my bill.",
) -> str:
    """A scored call (real transcript, real analysis) that took place `days_ago` before NOW."""
    path = folder / f"{freq}.wav"
    sf.write(path, tone(1.0, freq=freq), 8000)
    metadata = CallMetadata(
        agent_id=agent_id, queue=queue, external_id=external_id, started_at=NOW - timedelta(days=days_ago)
    )
    call_id = services.calls.ingest_file(path, metadata).call.id
    said = transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, this call is recorded."),
            segment("customer", 4.0, 9.0, customer_says),
        ]
    )
    analysis = analyse(said, ScorecardCatalog.load().get("generic-en"))
    services.results.save_transcript(call_id, "test", said)
    services.results.save_analysis(
        call_id,
        "generic-en@2",
        analysis,
        route(call_id, analysis.score, 0.0, analysis.sentiment, analysis.escalation),
    )
    return call_id


def rows_about(services: Services, call_id: str) -> dict[str, int]:
    """Every table with a call_id column, and how many of its rows are about the call."""
    counts = {}
    with services.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            columns = {c["name"] for c in inspect(connection).get_columns(table)}
            key = "call_id" if "call_id" in columns else ("id" if table == "calls" else None)
            if key:
                counts[table] = connection.execute(
                    text(f'SELECT count(*) FROM "{table}" WHERE {key} = :id'), {"id": call_id}
                ).scalar_one()
    return counts


def test_retention_deletes_audio_and_transcripts_per_queue_and_keeps_scores(
    settings: Settings, tmp_path: Path
) -> None:
    settings = settings.model_copy(
        update={
            "queues": {"sales": QueueSettings(retention=RetentionPolicy(audio_days=30, transcript_days=90))},
            "retention": RetentionPolicy(audio_days=365),
        }
    )
    services = Services(settings)
    try:
        old_sales = stored_call(services, tmp_path, 440, days_ago=100, queue="sales")
        mid_sales = stored_call(services, tmp_path, 450, days_ago=40, queue="sales")
        new_sales = stored_call(services, tmp_path, 460, days_ago=5, queue="sales")
        old_other = stored_call(services, tmp_path, 470, days_ago=100, queue="support")
        ancient = stored_call(services, tmp_path, 480, days_ago=400)

        due = apply_retention(services, NOW, dry_run=True).audio
        assert sorted(due) == sorted([old_sales, mid_sales, ancient])  # each once, none deleted
        assert services.calls.get(old_sales).audio_deleted_at is None  # type: ignore[union-attr]

        report = apply_retention(services, NOW)
        assert sorted(report.audio) == sorted([old_sales, mid_sales, ancient])
        assert report.transcripts == [old_sales]
        for call_id in (old_sales, mid_sales, ancient):
            call = services.calls.get(call_id)
            assert call is not None and call.audio_deleted_at is not None
            assert not services.calls.audio_path(call).exists()
            assert call.score_total is not None  # the QA record stays
        assert services.calls.transcript(old_sales) is None
        assert services.calls.transcript(mid_sales) is not None
        assert services.results.analysis(old_sales) is not None
        for call_id in (new_sales, old_other):
            call = services.calls.get(call_id)
            assert call is not None and services.calls.audio_path(call).exists()

        again = apply_retention(services, NOW)  # idempotent: nothing left to do
        assert (again.audio, again.transcripts) == ([], [])
    finally:
        services.close()


def test_erasure_by_external_id_agent_or_spoken_phone_leaves_nothing_but_the_log(
    services: Services, tmp_path: Path
) -> None:
    by_id = stored_call(services, tmp_path, 440, external_id="CRM-991")
    by_agent = [stored_call(services, tmp_path, f, agent_id="A9") for f in (450, 460)]
    by_phone = stored_call(services, tmp_path, 470, customer_says="Call me back on 415 555 0132, please.")
    kept = stored_call(services, tmp_path, 480, customer_says="Call me back on 415 555 0199, please.")
    audio = {c: services.calls.audio_path(services.calls.get(c)) for c in [by_id, *by_agent, by_phone, kept]}  # type: ignore[arg-type]

    first = erase(services, Selector.EXTERNAL_ID, "CRM-991", actor="dpo", reason="ticket 12")
    second = erase(services, Selector.AGENT_ID, "A9", actor="dpo")
    third = erase(services, Selector.PHONE, "+14155550132", actor="dpo")

    assert (
        first.call_ids == [by_id]
        and sorted(second.call_ids) == sorted(by_agent)
        and third.call_ids == [by_phone]
    )
    for call_id in [by_id, *by_agent, by_phone]:
        assert not any(rows_about(services, call_id).values()), rows_about(services, call_id)
        assert not audio[call_id].exists()
    assert rows_about(services, kept)["calls"] == 1 and audio[kept].exists()
    assert first.selector_sha256 == digest("CRM-991") and first.reason == "ticket 12"
    with services.engine.connect() as connection:
        logged = " ".join(str(row) for row in connection.execute(text("SELECT * FROM erasures")))
    assert "CRM-991" not in logged and "A9" not in logged and "0132" not in logged
    with pytest.raises(NothingToErase):
        erase(services, Selector.EXTERNAL_ID, "CRM-991", actor="dpo")


def test_erasure_by_phone_looks_indexed_calls_up_and_reads_only_the_transcripts_the_index_lacks(
    services: Services, tmp_path: Path
) -> None:
    says = "Call me back on four one five five five five zero one three two."
    indexed = stored_call(services, tmp_path, 440, customer_says=says)
    not_indexed = stored_call(services, tmp_path, 450, customer_says="It's 415 555 0132.")
    other = stored_call(services, tmp_path, 460, customer_says="Call me on 415 555 0199.")
    assert index_stage(services, indexed) and index_stage(services, other)
    store = repository(services)

    assert store.calls_saying("+14155550132") == [indexed]
    assert store.calls_saying("+14155550199") == [other]
    assert [row.call_id for row in store.transcripts_not_indexed_for_numbers()] == [not_indexed]
    assert calls_to_erase(services, Selector.PHONE, "(415) 555-0132") == [indexed, not_indexed]
    assert reindex(services, only_missing=True) == 1
    assert [row.call_id for row in store.transcripts_not_indexed_for_numbers()] == []
    assert calls_to_erase(services, Selector.PHONE, "+14155550132") == [indexed, not_indexed]
    transcribed_again = services.results.transcript(other)
    assert transcribed_again is not None
    services.results.save_transcript(other, "test", transcribed_again)
    assert [row.call_id for row in store.transcripts_not_indexed_for_numbers()] == [other]
    services.search.remove_call(indexed)  # as retention does when it deletes the transcript
    assert store.calls_saying("+14155550132") == [not_indexed]
    assert {row.call_id for row in store.transcripts_not_indexed_for_numbers()} == {other, indexed}


def test_migration_0021_leaves_calls_indexed_before_it_to_be_read(services: Services, tmp_path: Path) -> None:
    call_id = stored_call(services, tmp_path, 440, customer_says="Call me on 415-555-0132.")
    assert index_stage(services, call_id)
    downgrade(services.engine, "0020")
    upgrade(services.engine)
    store = repository(services)
    assert store.calls_saying("+14155550132") == []
    assert [row.call_id for row in store.transcripts_not_indexed_for_numbers()] == [call_id]
    assert calls_to_erase(services, Selector.PHONE, "+14155550132") == [call_id]
    assert differences(services.engine, "'transcripts'", "'search_numbers'") == []


def test_backup_restores_into_a_fresh_data_folder(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    services = Services(settings)
    call_id = stored_call(services, tmp_path, 440, external_id="CRM-1")
    original = services.calls.audio_path(services.calls.get(call_id)).read_bytes()  # type: ignore[arg-type]
    manifest = backup(services, tmp_path / "backup")
    services.close()
    assert (manifest.calls, manifest.audio_files) == (1, 1)

    fresh_url = f"sqlite:///{tmp_path / 'fresh' / 'callqa.db'}"
    if not settings.resolved_database_url.startswith("sqlite"):
        fresh_url = settings.resolved_database_url + "_restored"
        _admin(f'CREATE DATABASE "{fresh_url.rsplit("/", 1)[1]}"')
    fresh = settings.model_copy(update={"data_dir": tmp_path / "fresh", "database_url": fresh_url})
    restore(fresh, tmp_path / "backup")
    restored = Services(fresh)
    try:
        call = restored.calls.get(call_id)
        assert call is not None and call.external_id == "CRM-1" and call.score_total is not None
        assert restored.calls.audio_path(call).read_bytes() == original
        assert restored.results.transcript(call_id) is not None
        with pytest.raises(BackupError, match="already holds recordings"):
            restore(fresh, tmp_path / "backup")  # never merges into a store in use
    finally:
        restored.close()
        if not fresh_url.startswith("sqlite"):
            _admin(f'DROP DATABASE IF EXISTS "{fresh_url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _admin(statement: str) -> None:
    import psycopg

    from tests.support.backends import PG_ADMIN_URL

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(statement)


def test_a_damaged_backup_is_refused(sqlite_settings: Settings, tmp_path: Path) -> None:
    services = Services(sqlite_settings)
    stored_call(services, tmp_path, 440)
    backup(services, tmp_path / "backup")
    services.close()
    recording = next(p for p in (tmp_path / "backup" / "audio").rglob("*") if p.is_file())
    recording.write_bytes(recording.read_bytes()[:-10] + b"0123456789")
    fresh = sqlite_settings.model_copy(update={"data_dir": tmp_path / "fresh"})
    with pytest.raises(BackupError, match="do not match its sha256"):
        restore(fresh, tmp_path / "backup")
    assert not (tmp_path / "fresh" / "callqa.db").exists()


def test_cli_erase_asks_names_one_selector_and_reports(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app
    from runtime.settings import get_settings

    monkeypatch.setenv("CALLQA_DATA_DIR", str(sqlite_settings.data_dir))
    get_settings.cache_clear()
    services = Services(get_settings())
    stored_call(services, tmp_path, 440, external_id="CRM-7")
    services.close()
    runner = CliRunner()
    both = runner.invoke(app, ["erase", "--external-id", "CRM-7", "--agent", "A1"])
    assert both.exit_code == 2 and "exactly one" in both.output
    declined = runner.invoke(app, ["erase", "--external-id", "CRM-7"], input="n\n")
    assert declined.exit_code == 1
    done = runner.invoke(app, ["erase", "--external-id", "CRM-7", "--yes"])
    assert done.exit_code == 0 and "erased 1 call(s), 1 recording(s)" in done.output
    missing = runner.invoke(app, ["erase", "--phone", "not a number", "--yes"])
    assert missing.exit_code == 1 and "not a phone number" in missing.output
    get_settings.cache_clear()


def test_the_player_says_the_recording_was_deleted_by_retention(client: TestClient, tmp_path: Path) -> None:
    from tests.support.web import add_user, services_of, sign_in

    services = services_of(client)
    services.settings.retention = RetentionPolicy(audio_days=30)
    call_id = stored_call(services, tmp_path, 440, days_ago=60)
    apply_retention(services, NOW)
    add_user(client, "ines", "inspector")
    sign_in(client, "ines")
    answer = client.get(f"/ui/calls/{call_id}/audio")
    assert answer.status_code == 410
    assert "deleted on" in answer.text and "retention policy" in answer.text
    assert client.get(f"/ui/calls/{call_id}").status_code == 200  # the scored call is still there


def test_admins_erase_over_http_after_a_preview_and_the_log_keeps_no_values(
    client: TestClient, tmp_path: Path
) -> None:
    from tests.support.api import token

    services = client.app.state.services  # type: ignore[attr-defined]
    by_phone = stored_call(services, tmp_path, 440, customer_says="Call me back on 415 555 0132, please.")
    kept = stored_call(services, tmp_path, 450, external_id="CRM-8")
    admin = token(client, "admin")
    ask = {"selector": "phone", "value": "(415) 555-0132", "reason": "ticket 40"}

    preview = client.post("/erasures", json={**ask, "dry_run": True}, headers=admin)
    assert preview.status_code == 200, preview.text
    assert preview.json()["call_ids"] == [by_phone] and preview.json()["id"] is None
    assert services.calls.get(by_phone) is not None  # a dry run erases nothing

    done = client.post("/erasures", json=ask, headers=admin)
    assert done.status_code == 200 and done.json()["call_ids"] == [by_phone]
    assert done.json()["audio_files"] == 1 and done.json()["selector_sha256"] == digest("+14155550132")
    assert services.calls.get(by_phone) is None and services.calls.get(kept) is not None
    again = client.post("/erasures", json=ask, headers=admin)
    assert again.status_code == 404 and "no stored call has that phone" in again.json()["detail"]
    bad = client.post("/erasures", json={"selector": "phone", "value": "12"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("value: not a possible phone number")

    log = client.get("/erasures", headers=admin)
    assert [entry["call_ids"] for entry in log.json()] == [[by_phone]]
    assert "0132" not in log.text and log.json()[0]["reason"] == "ticket 40"
    for role in ("supervisor", "inspector", "trainer", "agent"):
        headers = token(client, role, "A1" if role == "agent" else None)
        assert client.post("/erasures", json=ask, headers=headers).status_code == 403
        assert client.get("/erasures", headers=headers).status_code == 403
    assert client.get("/erasures").status_code == 401
    assert services.calls.get(kept) is not None
