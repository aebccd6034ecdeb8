"""Calibration versions: every one kept, at most one active per card version, rollback.

The parameters and metrics are JSON here (`store` imports nothing of callqa); `workers/
calibrating.py` reads them back into review/calibration.py's models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.tables import AnalysisRow, CalibrationRow, CalibrationRunRow, CalibrationState, ItemReview, utcnow


class NothingToRollBack(LookupError):
    """The card has no active calibration."""


@dataclass(frozen=True)
class NewCalibration:
    scorecard_key: str
    created_by: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    activate: bool
    reason: str | None
    """Why it is rejected (None when activated)."""


@dataclass(frozen=True)
class Rollback:
    withdrawn: CalibrationRow
    restored: CalibrationRow | None
    """None: no earlier version, the card is scored as written again."""


@dataclass(frozen=True)
class CorrectedItem:
    """An inspector's newest decision on one item of a call's current analysis."""

    call_id: str
    analysis_id: int
    item_id: str
    status: str
    at: datetime


class CalibrationRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(self, new: NewCalibration) -> CalibrationRow:
        """Keep the version; when it is activated, the active one of its card is superseded in the
        same transaction."""
        now = utcnow()
        with self.sessions.begin() as session:
            row = CalibrationRow(
                scorecard_key=new.scorecard_key,
                created_at=now,
                created_by=new.created_by,
                params=new.params,
                metrics=new.metrics,
                state=CalibrationState.ACTIVE if new.activate else CalibrationState.REJECTED,
                state_reason=new.reason,
                state_changed_at=now,
            )
            if new.activate:
                session.execute(
                    update(CalibrationRow)
                    .where(
                        CalibrationRow.scorecard_key == new.scorecard_key,
                        CalibrationRow.state == CalibrationState.ACTIVE,
                    )
                    .values(
                        state=CalibrationState.SUPERSEDED,
                        state_reason="superseded by a newer calibration",
                        state_changed_at=now,
                    )
                )
            session.add(row)
        return row

    def active(self, scorecard_key: str) -> CalibrationRow | None:
        with self.sessions() as session:
            return session.scalar(
                select(CalibrationRow).where(
                    CalibrationRow.scorecard_key == scorecard_key,
                    CalibrationRow.state == CalibrationState.ACTIVE,
                )
            )

    def history(self, scorecard_key: str | None = None) -> list[CalibrationRow]:
        """Newest first."""
        query = select(CalibrationRow).order_by(CalibrationRow.id.desc())
        if scorecard_key is not None:
            query = query.where(CalibrationRow.scorecard_key == scorecard_key)
        with self.sessions() as session:
            return list(session.scalars(query))

    def rollback(self, scorecard_key: str, actor: str) -> Rollback:
        """The active version is withdrawn (rejected, saying who rolled it back) and the newest
        version it superseded is active again; with none, the card is scored as written."""
        now = utcnow()
        with self.sessions.begin() as session:
            withdrawn = session.scalar(
                select(CalibrationRow)
                .where(
                    CalibrationRow.scorecard_key == scorecard_key,
                    CalibrationRow.state == CalibrationState.ACTIVE,
                )
                .with_for_update()
            )
            if withdrawn is None:
                raise NothingToRollBack(f"{scorecard_key} has no active calibration to roll back")
            withdrawn.state = CalibrationState.REJECTED
            withdrawn.state_reason = f"rolled back by {actor}"
            withdrawn.state_changed_at = now
            session.flush()  # before another row of the card becomes active (one active at most)
            restored = session.scalar(
                select(CalibrationRow)
                .where(
                    CalibrationRow.scorecard_key == scorecard_key,
                    CalibrationRow.state == CalibrationState.SUPERSEDED,
                    CalibrationRow.id < withdrawn.id,
                )
                .order_by(CalibrationRow.id.desc())
                .limit(1)
            )
            if restored is not None:
                restored.state = CalibrationState.ACTIVE
                restored.state_reason = f"restored by {actor}"
                restored.state_changed_at = now
        return Rollback(withdrawn, restored)

    def corrected_items(self, scorecard_key: str) -> list[CorrectedItem]:
        """The newest decision per item of every current analysis scored with `scorecard_key`,
        oldest first: what a calibration of that card version learns from."""
        of_card = (
            select(ItemReview.id)
            .join(AnalysisRow, AnalysisRow.id == ItemReview.analysis_id)
            .where(AnalysisRow.current.is_(True), AnalysisRow.scorecard_key == scorecard_key)
        )
        query = (
            select(
                ItemReview.call_id,
                ItemReview.analysis_id,
                ItemReview.item_id,
                ItemReview.status,
                ItemReview.at,
            )
            .where(ItemReview.id.in_(of_card))
            .order_by(ItemReview.id)
        )
        latest: dict[tuple[int, str], CorrectedItem] = {}
        with self.sessions() as session:
            for row in session.execute(query).all():
                latest[(row.analysis_id, row.item_id)] = CorrectedItem(*row)
        return sorted(latest.values(), key=lambda c: c.at)

    def claim_night(self, day: date) -> bool:
        """True when this caller is the one to run `day`'s nightly calibration (the day's row is
        inserted); False when it was run, or is being run, by another."""
        try:
            with self.sessions.begin() as session:
                if session.get(CalibrationRunRow, day) is not None:
                    return False
                session.add(CalibrationRunRow(day=day, started_at=utcnow(), outcome=[]))
        except IntegrityError:  # another scheduler inserted it between the read and the write
            return False
        return True

    def finish_night(self, day: date, outcome: list[str]) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(CalibrationRunRow)
                .where(CalibrationRunRow.day == day)
                .values(finished_at=utcnow(), outcome=outcome)
            )

    def night(self, day: date) -> CalibrationRunRow | None:
        with self.sessions() as session:
            return session.get(CalibrationRunRow, day)
