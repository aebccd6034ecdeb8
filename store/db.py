"""Engines and schema migration for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

MIGRATIONS = Path(__file__).parent / "migrations"

CONNECT_TIMEOUT_S = 5
"""A PostgreSQL server that does not answer a new connection within this is down: the API says
503 at once and workers retry later, instead of every request hanging on the OS's TCP timeout."""

POOL_SIZE = 20
"""PostgreSQL connections a process keeps open. The API runs each request in one of its worker
threads (40), and a burst of uploads holds one connection per request in flight: with fewer kept
open, every request past them opened and closed a connection of its own (a new server process
each time), which cost more than the upload itself. Two API processes and a few workers stay far
under PostgreSQL's default of 100 connections."""

POOL_OVERFLOW = 10
"""Connections opened for the moment beyond POOL_SIZE, closed when given back."""

DATABASE_DOWN = (OperationalError, InterfaceError)
"""The errors of a database that does not answer or dropped the connection: an outage to wait
out (503 from the API, a retry with backoff in a worker), never a call's or a request's fault."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


PING_AFTER_IDLE_S = 1.0
"""A pooled connection that has been idle longer than this is tested with a round trip before
use, so one the server dropped (a restart, a failover, an idle timeout) is replaced instead of
failing a request. One given back a moment ago is in use, not stale: under load every request
would otherwise pay a round trip for nothing (SQLAlchemy's pool_pre_ping pings every checkout)."""


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Raising DisconnectionError makes the pool discard this connection and open a new one."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:  # whatever the driver raises for a dead connection
        raise DisconnectionError(f"stale pooled connection: {error}") from error


def fill_pool(engine: Engine) -> int:
    """Opens the pool's connections now and keeps them, so that a burst of requests right after a
    start does not wait for connections opened one per request (a new PostgreSQL server process
    each; SQLite's open in no time). Returns how many were opened."""
    postgres = engine.dialect.name == "postgresql"
    count = engine.pool.size() if postgres and isinstance(engine.pool, QueuePool) else 0
    with ExitStack() as held:
        for _ in range(count):
            held.enter_context(engine.connect())
    return count


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets the API read while a worker writes; the busy timeout rides out short locks."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe to call at every start."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def one_statement_each(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session in which each statement commits on its own, for work that is one statement (an
    upload's insert, a token's lookup): the driver otherwise wraps it in BEGIN and COMMIT, three
    round trips to PostgreSQL instead of one, on every request. A single statement is atomic by
    itself, and commits as durably as any other."""
    with sessions() as session:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session
