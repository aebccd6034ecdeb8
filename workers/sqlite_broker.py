"""The serverless broker of the embedded deployment: kombu's SQLAlchemy transport on SQLite.

Adjusted for several processes on one file (WAL, a generous busy timeout) and polled every
0.1 s instead of every second, so queue hops do not dominate short calls. kombu keeps
delivered messages as invisible rows; `drop_delivered` clears them when the embedded deployment
starts or replaces a dead worker, and the calls that were in flight are queued again. URL form: `callqa-sqlite+sqlite:////abs/path/broker.db`.
"""

from __future__ import annotations

import base64
import json
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


def drop_delivered(broker_url: str) -> set[str]:
    """Delete the messages workers have taken; return the call ids of the tasks still waiting.

    kombu's SQL transport marks a message invisible when a worker takes it and never deletes it,
    acknowledged or not, so an invisible message is either done or lost with a dead worker: it
    goes (the caller queues again the calls that were in hand). A visible message is still
    waiting and stays, so a re-score queued before a worker died is not lost. Safe only while no
    consumer runs: the embedded deployment's workers are all its own children.
    """
    database = broker_url.split("+", 1)[1]
    if not Path(database.removeprefix("sqlite:///")).exists():
        return set()
    engine = _engine(database)
    try:
        with engine.begin() as connection:
            if not connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='kombu_message'"
            ).first():
                return set()
            connection.execute(text("DELETE FROM kombu_message WHERE visible = 0"))
            payloads = connection.execute(text("SELECT payload FROM kombu_message")).scalars().all()
    finally:
        engine.dispose()
    return {call_id for payload in payloads if (call_id := _call_id(payload)) is not None}


def _call_id(payload: str) -> str | None:
    """The call a task message is about: its first argument (Celery's message protocol 2)."""
    try:
        message = json.loads(payload)
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return str(args[0]) if args else None


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


TRANSPORT_ALIASES[SCHEME] = f"{__name__}:SqliteTransport"
