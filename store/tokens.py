"""API bearer tokens: created by an administrator on the command line, checked on every request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from store.db import one_statement_each
from store.tables import ApiToken, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    AGENT = "agent"


ROLES: tuple[str, ...] = tuple(role.value for role in Role)


TOUCH_EVERY = timedelta(minutes=1)
"""How fresh a token's `last_used_at` is kept: enough to see which tokens are in use, without a
write on every request (a burst of uploads would otherwise write the same row hundreds of times
a second)."""


def _stale(last_used_at: datetime | None) -> bool:
    if last_used_at is None:
        return True
    if last_used_at.tzinfo is None:  # SQLite hands back naive UTC
        last_used_at = last_used_at.replace(tzinfo=UTC)
    return utcnow() - last_used_at >= TOUCH_EVERY


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, role: str, name: str, agent_id: str | None = None) -> tuple[ApiToken, str]:
        """Returns the record and the plaintext token, which is shown once and never stored."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if role == Role.AGENT and not agent_id:
            raise ValueError("an agent token needs --agent-id: agents see only their own calls")
        plaintext = "cqa_" + secrets.token_urlsafe(32)
        record = ApiToken(name=name, role=role, agent_id=agent_id, token_hash=_hash(plaintext))
        with self.sessions.begin() as session:
            session.add(record)
        return record, plaintext

    def authenticate(self, plaintext: str) -> ApiToken | None:
        with one_statement_each(self.sessions) as session:
            record = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == _hash(plaintext), ApiToken.revoked_at.is_(None))
            ).first()
            if record is not None and _stale(record.last_used_at):
                record.last_used_at = utcnow()
                session.commit()
            return record

    def all(self) -> list[ApiToken]:
        with self.sessions() as session:
            return list(session.scalars(select(ApiToken).order_by(ApiToken.id)).all())

    def revoke(self, token_id: int) -> bool:
        with self.sessions.begin() as session:
            result = session.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return bool(getattr(result, "rowcount", 0))
