"""How much work is waiting: unfinished calls by status, and how long the oldest has waited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store.heartbeats import database_now
from store.tables import UNFINISHED_STATUSES, Call


@dataclass(frozen=True)
class Backlog:
    by_status: dict[str, int]
    """`received`, `transcribing` and `analyzing`, each present (0 when none)."""
    oldest_age_s: float | None
    """Seconds since the oldest unfinished call was submitted (database clock); None when none wait."""

    @property
    def waiting(self) -> int:
        return sum(self.by_status.values())


def backlog(sessions: sessionmaker[Session]) -> Backlog:
    with sessions() as session:
        unfinished = Call.status.in_(UNFINISHED_STATUSES)
        counts = dict(
            session.execute(select(Call.status, func.count()).where(unfinished).group_by(Call.status)).all()
        )
        oldest: datetime | None = session.scalar(select(func.min(Call.created_at)).where(unfinished))
        now = database_now(session)
    return Backlog(
        by_status={str(status): int(counts.get(status, 0)) for status in UNFINISHED_STATUSES},
        oldest_age_s=None if oldest is None else max(0.0, (now - oldest).total_seconds()),
    )
