"""Engines and schema migration for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

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
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )


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
