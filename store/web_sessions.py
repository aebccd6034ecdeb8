"""Server-side sessions of the web workspace: the browser holds a random id, the database the rest.

Kept on the server rather than in a signed cookie so that signing out, disabling a user or
revoking a token ends the session at once, and so that a role change applies from the next
request: every request reads the user's (or token's) current role and state.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import ApiToken, User, WebSession, utcnow


@dataclass(frozen=True)
class SessionTimeouts:
    """A session ends after `idle` without a request, so a screen left signed in at a shared
    desk is not open to the next person for long; and after `absolute` whatever happens (a
    working shift), so a copied cookie is not good for ever. `touch_every` spares a database
    write on every page: the last-seen time is refreshed at most that often."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionIdentity:
    """Who holds a live session, as of this request: a user (by name) or an API token."""

    user_name: str | None
    token_id: int | None
    role: str
    agent_id: str | None
    csrf_secret: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class WebSessionStore:
    def __init__(self, sessions: sessionmaker[Session], timeouts: SessionTimeouts | None = None) -> None:
        self.sessions = sessions
        self.timeouts = timeouts or SessionTimeouts()

    def start(self, user_id: int | None = None, token_id: int | None = None) -> str:
        """A new session for a user or a token; returns the id for the cookie (never stored)."""
        if (user_id is None) == (token_id is None):
            raise ValueError("a session belongs to a user or to a token")
        session_id = secrets.token_urlsafe(32)
        now = utcnow()
        with self.sessions.begin() as session:
            session.execute(self._ended(now))
            session.add(
                WebSession(
                    id_hash=_hash(session_id),
                    user_id=user_id,
                    token_id=token_id,
                    csrf_secret=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.timeouts.absolute,
                )
            )
        return session_id

    def resume(self, session_id: str) -> SessionIdentity | None:
        """The session's holder, or None when it is unknown, timed out, or its user was disabled
        or its token revoked (an ended session's row is deleted)."""
        now = utcnow()
        with self.sessions.begin() as session:
            row = session.execute(
                select(WebSession, User, ApiToken)
                .outerjoin(User, User.id == WebSession.user_id)
                .outerjoin(ApiToken, ApiToken.id == WebSession.token_id)
                .where(WebSession.id_hash == _hash(session_id))
            ).first()
            if row is None:
                return None
            web, user, token = row
            holder: User | ApiToken | None = None
            if user is not None and user.disabled_at is None:
                holder = user
            elif token is not None and token.revoked_at is None:
                holder = token
            if holder is None or self._timed_out(web, now):
                session.delete(web)
                return None
            if now - web.last_seen_at >= self.timeouts.touch_every:
                web.last_seen_at = now
            return SessionIdentity(
                user_name=user.name if user is not None else None,
                token_id=token.id if token is not None else None,
                role=holder.role,
                agent_id=holder.agent_id,
                csrf_secret=web.csrf_secret,
            )

    def end(self, session_id: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))

    def _timed_out(self, web: WebSession, now: datetime) -> bool:
        return now >= web.expires_at or now - web.last_seen_at >= self.timeouts.idle

    def _ended(self, now: datetime) -> Delete:
        """Sessions past their end that nobody came back to: cleared whenever one starts."""
        return delete(WebSession).where(
            or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - self.timeouts.idle)
        )
