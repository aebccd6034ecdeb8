"""People who sign in to the web workspace: added, re-roled and disabled by an administrator.

Passwords are kept as argon2id hashes (argon2-cffi's defaults: memory-hard, so a stolen table
is slow to crack). A sign-in that names no user, a disabled user or a wrong password fails the
same way and takes the same time, so the answer does not tell whether a user exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.tables import User, utcnow
from store.tokens import ROLES

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""Lower case, no spaces: a name is shown in audit events and claims (never confused with
`token N`) and cannot be told apart from another by case or look-alike spacing."""

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
_UNKNOWN_USER_HASH = _hasher.hash("a password no user has")
"""Checked against when the user does not exist, so that answer costs what a real check does."""


class UserError(ValueError):
    """A user could not be added or changed; the message says why, for the person at the form."""


def normalised_name(name: str) -> str:
    return name.strip().lower()


class UserStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(
        self, name: str, password: str, role: str, agent_id: str | None = None, team: str | None = None
    ) -> User:
        name = normalised_name(name)
        if not NAME_PATTERN.fullmatch(name):
            raise UserError(
                "a user name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        _check_role(role, agent_id)
        user = User(
            name=name,
            password_hash=_hasher.hash(password),
            role=role,
            agent_id=agent_id or None,
            team=team or None,
        )
        try:
            with self.sessions.begin() as session:
                session.add(user)
        except IntegrityError as error:
            raise UserError(f"user {name!r} already exists") from error
        return user

    def authenticate(self, name: str, password: str) -> User | None:
        """The active user with this name and password, else None (whatever the reason)."""
        with self.sessions.begin() as session:
            user = session.scalars(select(User).where(User.name == normalised_name(name))).first()
            if not _verify(user.password_hash if user else _UNKNOWN_USER_HASH, password):
                return None
            if user is None or user.disabled_at is not None:
                return None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            return user

    def all(self) -> list[User]:
        with self.sessions() as session:
            return list(session.scalars(select(User).order_by(User.name)).all())

    def active(self, roles: Iterable[str]) -> list[User]:
        """Users who can be given work now: not disabled, in one of these roles."""
        with self.sessions() as session:
            query = select(User).where(User.disabled_at.is_(None), User.role.in_(list(roles)))
            return list(session.scalars(query.order_by(User.name)).all())

    def set_role(self, name: str, role: str, agent_id: str | None = None) -> None:
        _check_role(role, agent_id)
        self._change(name, role=role, agent_id=agent_id or None)

    def disable(self, name: str) -> None:
        """At once: the user's open sessions are refused from their next request on
        (store/web_sessions.py reads `disabled_at` on every request)."""
        self._change(name, disabled_at=utcnow())

    def _change(self, name: str, **values: object) -> None:
        with self.sessions.begin() as session:
            result = session.execute(update(User).where(User.name == normalised_name(name)).values(**values))
            if not getattr(result, "rowcount", 0):
                raise UserError(f"no user {normalised_name(name)!r}")


def _check_role(role: str, agent_id: str | None) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise UserError("an agent needs an agent id: agents see only their own calls")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
