"""Failed sign-ins, counted in the database: the lockout every API process applies alike.

Three rules, each "this many failures within so many minutes", checked before the password is:
- **pair** (one name from one client): someone guessing one user's password from one place;
- **account** (one name from any client): the same guessing spread over many addresses. Anyone
  can lock a user out with it, by failing on purpose, so its lock is short (5 minutes by
  default, as commercial products choose): long enough to make guessing hopeless, short enough
  that a user locked out by someone else waits minutes, not hours;
- **client** (one client, any names): password spraying, one likely password tried on many names.
A lock lasts until fewer failures than the limit are left in the rule's window. A refused try is
not counted (hammering does not extend a lock), and a success clears its pair's failures. Unknown
names count like real ones, so a lock never says whether a user exists.

In the database rather than each process's memory: behind a load balancer, N processes would
allow N times the tries, and the account rule would see only each process's share. It stays
cheap: a failure is one insert, a check one indexed read of the last window's rows (a few
dozen at most, as locked tries are not stored). Names are stored only as their sha256, and rows
older than the longest window are deleted at each failure or success.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import Delete, and_, delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from store.tables import SignInFailure, utcnow
from store.users import normalised_name


@dataclass(frozen=True)
class Lockout:
    """One rule: `failures` failed sign-ins within `minutes` lock until fewer remain in the window."""

    failures: int
    minutes: float

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.minutes)


class Lock(StrEnum):
    PAIR = "pair"
    ACCOUNT = "account"
    CLIENT = "client"


class SignInLimits(BaseModel):
    """Each rule's failures and minutes as a field of its own, so one can be set alone
    (`CALLQA_SIGN_IN_LIMITS__ACCOUNT_MINUTES=2`)."""

    pair_failures: int = Field(default=5, ge=1, le=10_000, description="one user name from one address")
    pair_minutes: float = Field(default=15, gt=0, le=24 * 60)
    account_failures: int = Field(default=10, ge=1, le=10_000, description="one user name from any address")
    account_minutes: float = Field(default=5, gt=0, le=24 * 60, description="short: anyone can trigger it")
    client_failures: int = Field(default=20, ge=1, le=10_000, description="one address, any user names")
    client_minutes: float = Field(default=15, gt=0, le=24 * 60)

    def rule(self, lock: Lock) -> Lockout:
        if lock is Lock.PAIR:
            return Lockout(failures=self.pair_failures, minutes=self.pair_minutes)
        if lock is Lock.ACCOUNT:
            return Lockout(failures=self.account_failures, minutes=self.account_minutes)
        return Lockout(failures=self.client_failures, minutes=self.client_minutes)

    @property
    def longest(self) -> timedelta:
        return timedelta(minutes=max(self.pair_minutes, self.account_minutes, self.client_minutes))


@dataclass(frozen=True)
class Locked:
    """Why a sign-in is refused before its password is checked, and for how long."""

    lock: Lock
    wait_s: float


def wait_s(times: Sequence[datetime], rule: Lockout, now: datetime) -> float:
    """Seconds until fewer than `rule.failures` of these failures are within the window."""
    recent = sorted(t for t in times if t > now - rule.window)
    if len(recent) < rule.failures:
        return 0.0
    return max(0.0, (recent[len(recent) - rule.failures] + rule.window - now).total_seconds())


def account_key(name: str | None) -> str | None:
    """The name as stored: its sha256, or None for a token sign-in."""
    return None if name is None else hashlib.sha256(normalised_name(name).encode()).hexdigest()


class SignInFailures:
    """`name` is the user name typed, or None for a sign-in with an API token: a token names no
    account, and counting every token try under one name would let anyone lock token sign-ins
    for everybody. `client` is the client's address (api/common/client_address.py)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        limits: SignInLimits,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.limits = limits
        self.clock = clock

    def locked(self, name: str | None, client: str) -> Locked | None:
        """The longest lock on this try, or None when its password may be checked."""
        account = account_key(name)
        client = client[:64]
        now = self.clock()
        mine = SignInFailure.client == client
        with self.sessions() as session:
            rows = session.execute(
                select(SignInFailure.account, SignInFailure.client, SignInFailure.failed_at).where(
                    SignInFailure.failed_at > now - self.limits.longest,
                    mine if account is None else or_(mine, SignInFailure.account == account),
                )
            ).all()
        times = {
            Lock.CLIENT: [row.failed_at for row in rows if row.client == client],
            Lock.PAIR: [row.failed_at for row in rows if row.client == client and row.account == account],
        }
        if account is not None:
            times[Lock.ACCOUNT] = [row.failed_at for row in rows if row.account == account]
        waits = [Locked(lock, wait_s(found, self.limits.rule(lock), now)) for lock, found in times.items()]
        longest = max(waits, key=lambda locked: locked.wait_s)
        return longest if longest.wait_s > 0 else None

    def failed(self, name: str | None, client: str) -> None:
        account = account_key(name)
        with self.sessions.begin() as session:
            session.execute(self._expired())
            session.add(SignInFailure(account=account, client=client[:64], failed_at=self.clock()))

    def succeeded(self, name: str | None, client: str) -> None:
        """Clears this pair's failures (the account's and the client's others still count)."""
        pair = and_(
            SignInFailure.account.is_not_distinct_from(account_key(name)), SignInFailure.client == client[:64]
        )
        with self.sessions.begin() as session:
            session.execute(self._expired())
            session.execute(delete(SignInFailure).where(pair))

    def _expired(self) -> Delete:
        return delete(SignInFailure).where(SignInFailure.failed_at <= self.clock() - self.limits.longest)
