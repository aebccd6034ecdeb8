"""How long the stages take, as cumulative histograms kept in the database.

Stages run in worker processes on other hosts, which come and go; the API that Prometheus scrapes
is yet another process. A histogram in the database is one all of them add to and any of them
reads, survives restarts (Prometheus expects counters that only grow), and costs one small UPDATE
per stage run. The buckets are fixed here; a histogram's rows are created the first time it is
observed, so adding one needs no migration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.tables import StageTiming, StageTotal


class Timed(StrEnum):
    """The histograms: seconds per stage, and ASR's real-time factor (decode s / audio s)."""

    TRANSCRIBE_SECONDS = "transcribe_seconds"
    ANALYSE_SECONDS = "analyse_seconds"
    ASR_REAL_TIME_FACTOR = "asr_real_time_factor"


BUCKETS: dict[Timed, tuple[float, ...]] = {
    Timed.TRANSCRIBE_SECONDS: (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600, math.inf),
    Timed.ANALYSE_SECONDS: (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, math.inf),
    Timed.ASR_REAL_TIME_FACTOR: (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, math.inf),
}


@dataclass(frozen=True)
class Histogram:
    name: Timed
    buckets: list[tuple[float, int]]
    """(upper bound, observations at or below it), cumulative, ending with +Inf."""
    count: int
    total: float


class StageTimings:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._ready: set[Timed] = set()

    def observe(self, name: Timed, value: float) -> None:
        self._create(name)
        with self.sessions.begin() as session:
            session.execute(
                update(StageTiming)
                .where(StageTiming.name == name, StageTiming.le >= value)
                .values(observations=StageTiming.observations + 1)
            )
            session.execute(
                update(StageTotal)
                .where(StageTotal.name == name)
                .values(observations=StageTotal.observations + 1, total=StageTotal.total + value)
            )

    def histograms(self) -> list[Histogram]:
        with self.sessions() as session:
            buckets = session.execute(
                select(StageTiming).order_by(StageTiming.name, StageTiming.le)
            ).scalars()
            by_name: dict[str, list[tuple[float, int]]] = {}
            for row in buckets:
                by_name.setdefault(row.name, []).append((row.le, row.observations))
            totals = {row.name: row for row in session.scalars(select(StageTotal))}
        return [
            Histogram(
                Timed(name), by_name.get(name, [(le, 0) for le in BUCKETS[name]]), *_total(totals.get(name))
            )
            for name in Timed
        ]

    def _create(self, name: Timed) -> None:
        """The histogram's rows, once per process; another process creating them too is fine."""
        if name in self._ready:
            return
        with self.sessions() as session:
            present = session.scalar(select(StageTotal.name).where(StageTotal.name == name))
        if present is None:
            try:
                with self.sessions.begin() as session:
                    session.add(StageTotal(name=name, observations=0, total=0.0))
                    session.add_all(StageTiming(name=name, le=le, observations=0) for le in BUCKETS[name])
            except IntegrityError:
                pass  # created meanwhile by another worker
        self._ready.add(name)


def _total(row: StageTotal | None) -> tuple[int, float]:
    return (0, 0.0) if row is None else (row.observations, row.total)
