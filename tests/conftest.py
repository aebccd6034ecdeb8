"""Shared fixtures: settings in a temporary data dir, both databases, generated audio.

Tests that need PostgreSQL or Redis skip with the reason when the service is not reachable
on 127.0.0.1, except under CALLQA_REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from runtime.services import Services
from runtime.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PG_ADMIN_URL = os.environ.get("CALLQA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CALLQA_TEST_REDIS", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("CALLQA_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CALLQA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} and CALLQA_REQUIRE_SERVICES=1")
    pytest.skip(f"{message} (start it, or run .ci/run, to include this test)")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    need_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"callqa_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str:
    """The scale-out brokers: Redis and RabbitMQ."""
    if request.param == "redis":
        need_service("Redis", "127.0.0.1", 6379)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        return REDIS_URL
    need_service("RabbitMQ", "127.0.0.1", 5672)
    from kombu import Connection

    with Connection(AMQP_URL) as connection:
        channel = connection.channel()
        for queue in ("asr", "analysis"):
            try:
                channel.queue_purge(queue)
            except Exception:  # the queue does not exist yet
                channel = connection.channel()
    return AMQP_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Storage and pipeline tests run against both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'callqa.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        scorecard_dir=None,
        default_language=None,
        audit_rate=0.0,
        queues={},
    )


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", scorecard_dir=None, default_language=None, audit_rate=0.0, queues={}
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The HTTP API and pages in process, without worker processes (on both databases)."""
    from api.http.app import create_app

    with TestClient(create_app(settings, start_workers=False)) as test_client:
        yield test_client


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services(settings)
    yield built
    built.close()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def short_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 20 s of the d13 sample (stereo, agent left): greeting and disclosure, then silence."""
    data, rate = sf.read(SAMPLES / "d13.flac", dtype="float32", always_2d=True)
    path = tmp_path_factory.mktemp("audio") / "short_call.wav"
    sf.write(path, data[: 20 * rate], rate, subtype="PCM_16")
    return path


def tone(seconds: float = 1.0, rate: int = 8000, channels: int = 1, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
    return np.stack([wave] * channels, axis=1)


@pytest.fixture
def copy_sample(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(SAMPLES / name, target)
        return target

    return _copy
