"""Worker heartbeats: each `celery worker` keeps a row fresh; a fresh row means a live worker.

Freshness is judged by the database's clock, both when a row is written and when it is read,
so workers and API servers on hosts whose clocks disagree still agree on who is alive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.tables import WorkerHeartbeat


@dataclass(frozen=True)
class HeartbeatTiming:
    """How often a worker beats, and how many beats it may miss before it counts as dead.

    5 s costs one small write per worker every 5 s, and a silent worker is noticed within 15 s:
    well within a load balancer's patience and far shorter than a call takes. Three missed beats,
    not one, because a busy database or a host under load may delay a beat without anything
    being wrong.
    """

    interval_s: float = 5.0
    missed_beats: int = 3
    prune_after: timedelta = timedelta(days=1)
    """Rows older than this (workers killed long ago) are deleted when a worker starts."""

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self.interval_s * self.missed_beats)


HEARTBEAT = HeartbeatTiming()


def database_now(session: Session) -> datetime:
    """The database server's current time, in UTC (SQLite's CURRENT_TIMESTAMP is UTC)."""
    now = session.scalar(select(func.now()))
    if not isinstance(now, datetime):
        raise RuntimeError(f"the database gave {now!r} for its current time")
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


class HeartbeatRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def beat(self, name: str, pid: int, queues: Sequence[str], calls: Sequence[str]) -> None:
        """Write the row of worker `name`/`pid` as seen now; the first beat also sets `started_at`."""
        with self.sessions.begin() as session:
            now = database_now(session)
            updated = session.execute(
                update(WorkerHeartbeat)
                .where(WorkerHeartbeat.name == name, WorkerHeartbeat.pid == pid)
                .values(queues=list(queues), calls=list(calls), last_seen_at=now)
            )
            if not getattr(updated, "rowcount", 0):
                session.add(
                    WorkerHeartbeat(
                        name=name,
                        pid=pid,
                        queues=list(queues),
                        calls=list(calls),
                        started_at=now,
                        last_seen_at=now,
                    )
                )

    def remove(self, name: str, pid: int) -> None:
        """A worker that stops (or is known dead) is no longer counted, without waiting to go stale."""
        with self.sessions.begin() as session:
            session.execute(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name, WorkerHeartbeat.pid == pid)
            )

    def live(self, stale_after: timedelta) -> list[WorkerHeartbeat]:
        """Workers seen within `stale_after`, by name."""
        with self.sessions() as session:
            cutoff = database_now(session) - stale_after
            return list(
                session.scalars(
                    select(WorkerHeartbeat)
                    .where(WorkerHeartbeat.last_seen_at >= cutoff)
                    .order_by(WorkerHeartbeat.name, WorkerHeartbeat.pid)
                ).all()
            )

    def prune(self, older_than: timedelta) -> None:
        """Forget rows of workers long gone (killed ones never remove their own)."""
        with self.sessions.begin() as session:
            cutoff = database_now(session) - older_than
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at < cutoff))
