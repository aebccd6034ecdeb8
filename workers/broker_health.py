"""Is the broker there? A short, bounded check for /health, on every broker callqa supports."""

from __future__ import annotations

import structlog
from kombu import Connection
from sqlalchemy import text

from workers.sqlite_broker import SCHEME as SQLITE_BROKER

log = structlog.get_logger("callqa.broker")

BROKER_TIMEOUT_S = 2.0
"""A load balancer waits a few seconds for /health; a broker slower than this to answer is down."""


def broker_kind(url: str) -> str:
    """What the broker is (`sqlite`, `redis`, `amqp`...), never its URL, which may hold a password."""
    if url.startswith(SQLITE_BROKER):
        return "sqlite"
    return url.partition("://")[0].partition("+")[0] or "unknown"


def broker_problem(url: str, timeout_s: float = BROKER_TIMEOUT_S) -> str | None:
    """None when the broker answers within `timeout_s`, else the kind of error (details are logged).

    One attempt, no retries. kombu's SQL transport (the serverless default) connects lazily,
    so for it a query is run on the broker's database.
    """
    try:
        with Connection(url, connect_timeout=timeout_s) as connection:
            connection.ensure_connection(max_retries=0, timeout=timeout_s)
            if connection.transport.driver_type == "sql":
                session = connection.default_channel.session
                try:
                    session.execute(text("SELECT 1"))
                finally:
                    session.close()
    except Exception as error:
        log.warning("broker not reachable", broker=broker_kind(url), error=repr(error))
        return type(error).__name__
    return None


def queue_depths(
    url: str, queues: tuple[str, ...], timeout_s: float = BROKER_TIMEOUT_S
) -> dict[str, int] | None:
    """Messages waiting in each queue, on any kombu transport (Redis, AMQP, the SQL one), or None
    when the broker does not answer (a metrics scrape must not hang on it)."""
    try:
        with Connection(url, connect_timeout=timeout_s) as connection:
            connection.ensure_connection(max_retries=0, timeout=timeout_s)
            return {name: queue_depth(connection, name) for name in queues}
    except Exception as error:
        log.warning("broker queue depths unavailable", broker=broker_kind(url), error=repr(error))
        return None


def queue_depth(connection: Connection, queue: str) -> int:
    """A queue nobody declared yet (no worker started) holds nothing; a failed passive declare
    closes its channel, so each queue gets its own."""
    with connection.channel() as channel:
        try:
            return int(channel.queue_declare(queue, passive=True).message_count)
        except connection.channel_errors:
            return 0
