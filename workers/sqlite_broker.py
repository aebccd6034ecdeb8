"""The serverless broker of the embedded deployment: kombu's SQLAlchemy transport on SQLite.

Adjusted for several processes on one file (WAL, a generous busy timeout) and polled every
0.1 s instead of every second, so queue hops do not dominate short calls. kombu keeps
delivered messages as invisible rows; `recover` clears them and requeues what was in flight
when the embedded deployment starts. URL form: `callqa-sqlite+sqlite:////abs/path/broker.db`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Channel, Transport
from sqlalchemy import Engine, create_engine, event, text

SCHEME = "callqa-sqlite"


def _engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60})
    event.listen(engine, "connect", _pragmas)
    return engine


class SqliteChannel(Channel):
    def _engine_from_config(self) -> Engine:
        return _engine(self.connection.client.hostname)


class SqliteTransport(Transport):
    Channel = SqliteChannel
    polling_interval = 0.1


def clear_queues(broker_url: str) -> None:
    """Empty every queue of an embedded broker (its workers are all children of this host)."""
    database = broker_url.split("+", 1)[1]
    if not Path(database.removeprefix("sqlite:///")).exists():
        return
    engine = _engine(database)
    try:
        with engine.begin() as connection:
            if connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='kombu_message'"
            ).first():
                connection.execute(text("DELETE FROM kombu_message"))
    finally:
        engine.dispose()


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


TRANSPORT_ALIASES[SCHEME] = f"{__name__}:SqliteTransport"
