"""Faults below the pipeline: the audio volume full, a stored recording changed on disk, the
database gone. Each is refused or failed with a reason a person can act on, and nothing is
half-written or lost.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from services.pipeline import transcribe_stage
from store.db import session_factory
from store.metadata import CallMetadata
from store.tables import Call, CallStatus
from tests.support.api import token, upload
from tests.support.audio import wav_bytes
from tests.support.topology import TcpProxy


def stored_files(settings: Settings) -> list[Path]:
    return [p for p in settings.resolved_audio_dir.rglob("*") if p.is_file()]


def call_rows(client: TestClient) -> int:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    with session_factory(services.engine)() as session:
        return int(session.scalar(select(func.count()).select_from(Call)) or 0)


def test_an_upload_below_the_volumes_reserve_is_507_and_stores_nothing(settings: Settings) -> None:
    full = settings.model_copy(update={"audio_reserve_mb": 10**12})  # more than any disk has free
    with TestClient(create_app(full)) as client:
        response = upload(client, token(client, "admin"), wav_bytes())
        assert response.status_code == 507, response.text
        assert "audio volume is full" in response.json()["detail"]
        assert "CALLQA_AUDIO_RESERVE_MB" in response.json()["detail"]
        assert call_rows(client) == 0
    assert stored_files(full) == []


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs as the audio volume (needs root; skipped where it cannot be mounted)."""
    mount = tmp_path / "volume"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_volume_that_fills_up_mid_upload_is_507_and_keeps_no_half_file(
    settings: Settings, tiny_volume: Path
) -> None:
    on_tiny = settings.model_copy(update={"audio_dir": tiny_volume, "audio_reserve_mb": 0})
    with TestClient(create_app(on_tiny)) as client:
        headers = token(client, "admin")
        assert upload(client, headers, wav_bytes()).status_code == 202  # a small one fits
        response = upload(client, headers, wav_bytes(523.0) * 48, "long.wav")  # 1.5 MB: ENOSPC mid-write
        assert response.status_code == 507, response.text
        assert "audio volume is full" in response.json()["detail"]
        assert call_rows(client) == 1
    assert [p.suffix for p in stored_files(on_tiny)] == [".wav"]  # the first call's file, no .part


def test_a_recording_changed_on_disk_fails_its_call_with_that_reason(
    services: Services, short_call: Path
) -> None:
    call = services.calls.ingest_file(short_call, CallMetadata(language="en")).call
    path = services.calls.audio_path(call)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))

    assert not transcribe_stage(services, call.id)

    failed = services.calls.get(call.id)
    assert failed is not None and failed.status == CallStatus.FAILED
    assert failed.failure_reason is not None
    assert "no longer matches its sha256" in failed.failure_reason
    assert "restore it from a backup" in failed.failure_reason
    assert services.calls.transcript(call.id) is None


def test_the_api_answers_503_while_postgresql_is_gone(postgres_url: str, tmp_path: Path) -> None:
    """The database behind a proxy this test closes: what the API sees when PostgreSQL stops."""
    proxy = TcpProxy(make_url(postgres_url).port or 5432)
    proxy.open()
    through = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    settings = Settings(data_dir=tmp_path / "data", database_url=through, default_language="en")
    try:
        with TestClient(create_app(settings)) as client:
            headers = token(client, "admin")
            assert client.get("/calls", headers=headers).status_code == 200
            proxy.close()
            down = client.get("/calls", headers=headers)
            assert down.status_code == 503, down.text
            assert down.json()["detail"].startswith("the database is not answering")
            assert down.headers["Retry-After"] == "30"
            upload_down = upload(client, headers, wav_bytes())
            assert upload_down.status_code == 503
            health = client.get("/health")
            assert health.status_code == 503 and health.json()["database"]["ok"] is False
            proxy.open()
            assert client.get("/calls", headers=headers).status_code == 200
            assert upload(client, headers, wav_bytes()).status_code == 202  # nothing of the outage left
    finally:
        proxy.close()


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection idle in the pool when PostgreSQL ended it (a restart, a failover, an idle
    timeout) is tested before use and replaced: the next request answers as if nothing happened."""
    import psycopg

    import store.db

    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url, default_language="en")
    with TestClient(create_app(settings)) as client:
        headers = token(client, "admin")
        assert client.get("/calls", headers=headers).status_code == 200
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        database = services.engine.url.database
        with psycopg.connect(
            make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
        ) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
        assert ended is not None and ended[0] >= 1
        monkeypatch.setattr(store.db, "PING_AFTER_IDLE_S", 0.0)
        assert client.get("/calls", headers=headers).status_code == 200
        assert upload(client, headers, wav_bytes()).status_code == 202
