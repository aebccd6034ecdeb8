"""Fixtures every tier shares: settings in a temporary data dir, both databases, the brokers,
the sample audio; and the markers applied by what a test needs.

The tiers: tests/unit (pure packages, no database, under a minute), tests/integration (the
store on both databases, services, the API, the pages and the CLI in process), tests/e2e (real
servers, worker processes, the browser). Plain helpers live in tests/support.

Tests that need PostgreSQL, Redis or RabbitMQ are marked `services` (deselect them with
`-m "not services"`); they skip with the reason when the service is not reachable on 127.0.0.1,
except under CALLQA_REQUIRE_SERVICES=1 (CI), where they fail instead. Tests that drive Chromium
are marked `browser`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from runtime.services import Services
from runtime.settings import Settings
from tests.support.audio import SAMPLES
from tests.support.backends import AMQP_URL, PG_ADMIN_URL, REDIS_URL, need_service

SERVICE_FIXTURES = frozenset({"postgres_url", "broker_url"})
"""Fixtures that need a service on 127.0.0.1 (`database_url` only in its PostgreSQL variant)."""
BROWSER_TESTS = Path(__file__).resolve().parent / "e2e" / "browser"
_SCRATCH_VARIABLES = ("CALLQA_DATA_DIR", "HYPOTHESIS_STORAGE_DIRECTORY")
_SCRATCH = pytest.StashKey[tuple[Path, dict[str, str | None]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="save the browser tests' pictures into DIR (python -m benchmarks.screenshots); "
        "by default they go to each test's tmp_path",
    )


def pytest_configure(config: pytest.Config) -> None:
    """A test run writes nothing into the work tree: what reads its settings from the environment
    (the worker's Celery app, built when `workers.tasks` is imported) keeps its data, and
    Hypothesis (under Schemathesis) its caches, in a temporary folder, not in ./callqa-data,
    ./.hypothesis or a data folder the environment names."""
    folder = Path(tempfile.mkdtemp(prefix="callqa-tests-"))
    config.stash[_SCRATCH] = (folder, {name: os.environ.get(name) for name in _SCRATCH_VARIABLES})
    os.environ["CALLQA_DATA_DIR"] = str(folder / "data")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(folder / "hypothesis")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SCRATCH not in config.stash:
        return
    folder, before = config.stash[_SCRATCH]
    shutil.rmtree(folder, ignore_errors=True)
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if on_postgres or SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


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
        search_warm_encoders=False,  # the tests that search by meaning load the encoders themselves
    )


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        scorecard_dir=None,
        default_language=None,
        audit_rate=0.0,
        queues={},
        search_warm_encoders=False,
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


@pytest.fixture
def copy_sample(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(SAMPLES / name, target)
        return target

    return _copy
