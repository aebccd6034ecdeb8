"""Raised alerts: deduplicated by subject, listed for the page, and their deliveries tracked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import AlertRow

MAX_DELIVERY_ATTEMPTS = 5
"""A delivery failing this many times stops being retried (its error stays on the alert)."""


@dataclass(frozen=True)
class NewAlert:
    kind: str
    subject: str
    queue: str | None
    title: str
    detail: str
    call_ids: list[str]
    repeat_after: timedelta | None
    """None: never raised again on this subject."""


class AlertRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def raise_new(self, alerts: list[NewAlert], now: datetime) -> list[AlertRow]:
        """Store the alerts no recent alert on the same subject covers; returns those stored."""
        raised = []
        with self.sessions.begin() as session:
            for alert in alerts:
                recent = select(AlertRow.id).where(AlertRow.subject == alert.subject)
                if alert.repeat_after is not None:
                    recent = recent.where(AlertRow.raised_at > now - alert.repeat_after)
                if session.scalar(recent.limit(1)) is not None:
                    continue
                row = AlertRow(
                    kind=alert.kind,
                    subject=alert.subject,
                    queue=alert.queue,
                    title=alert.title,
                    detail=alert.detail,
                    call_ids=alert.call_ids,
                    raised_at=now,
                    delivery_attempts=0,
                )
                session.add(row)
                raised.append(row)
        return raised

    def search(self, kind: str | None, limit: int, offset: int = 0) -> list[AlertRow]:
        """The newest first."""
        query = select(AlertRow).order_by(AlertRow.raised_at.desc(), AlertRow.id.desc())
        if kind is not None:
            query = query.where(AlertRow.kind == kind)
        with self.sessions() as session:
            return list(session.scalars(query.limit(limit).offset(offset)).all())

    def get(self, alert_id: int) -> AlertRow | None:
        with self.sessions() as session:
            return session.get(AlertRow, alert_id)

    def undelivered(self, webhook: bool, email: bool) -> list[AlertRow]:
        """Alerts a configured channel has not carried yet, with attempts left, oldest first."""
        pending = []
        if webhook:
            pending.append(AlertRow.webhook_sent_at.is_(None))
        if email:
            pending.append(AlertRow.email_sent_at.is_(None))
        if not pending:
            return []
        query = (
            select(AlertRow)
            .where(or_(*pending), AlertRow.delivery_attempts < MAX_DELIVERY_ATTEMPTS)
            .order_by(AlertRow.id)
        )
        with self.sessions() as session:
            return list(session.scalars(query).all())

    def record_delivery(
        self, alert_id: int, webhook_sent: datetime | None, email_sent: datetime | None, error: str | None
    ) -> None:
        """One attempt: the channels that carried it now, and the error of those that did not."""
        with self.sessions.begin() as session:
            row = session.get(AlertRow, alert_id, with_for_update=True)
            if row is None:
                return
            row.delivery_attempts += 1
            row.webhook_sent_at = row.webhook_sent_at or webhook_sent
            row.email_sent_at = row.email_sent_at or email_sent
            row.delivery_error = error
