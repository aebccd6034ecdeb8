"""Who is asking, and what their role may do: no endpoint but /health is ever open.

The token is checked by the request guard (api/http/guard.py) before the body is read; the
dependencies here read the principal it found and check the role, and declare the bearer
scheme so /docs shows the Authorize button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runtime.services import Services
from services.dispatch import Dispatch
from store.tokens import Role

_bearer = HTTPBearer(auto_error=False, description="`callqa token create --role ...`")

UPLOADERS = (Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
REVIEWERS = (Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
READERS = tuple(Role)
REDACTED_ROLES = (Role.TRAINER, Role.AGENT)
SEARCH_PAGE_ROLES = (*REVIEWERS, Role.TRAINER)
"""Who opens the search page (trainers read masked text); every role may call GET /search."""
DISPUTERS = (Role.AGENT,)
DISPUTE_DECIDERS = (Role.ADMIN, Role.SUPERVISOR)
"""Inspectors do not decide disputes: the item they reviewed may be the one disputed."""


@dataclass(frozen=True)
class Principal:
    """A bearer token, or in the web workspace a signed-in user (`user`) or token."""

    token_id: int | None
    role: Role
    agent_id: str | None
    user: str | None = None

    @property
    def holder(self) -> str:
        """Who, without the role: a user name, or `token N` (user names have no spaces)."""
        return self.user if self.user is not None else f"token {self.token_id}"

    @property
    def actor(self) -> str:
        """Who did it, as the audit log and review decisions record it."""
        return f"{'user ' if self.user is not None else ''}{self.holder} ({self.role.value})"

    def may_see(self, agent_id: str | None) -> bool:
        """Agents see only their own calls; every other role sees all."""
        return self.role != Role.AGENT or (agent_id is not None and agent_id == self.agent_id)


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser (api/web): who it is, and the secret its forms must carry (CSRF)."""

    principal: Principal
    csrf_secret: str


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def dispatch_of(request: Request) -> Dispatch:
    """The process's sender of work to the queue (one per API process, opened at start)."""
    dispatch: Dispatch = request.app.state.dispatcher
    return dispatch


def token_checker(services: Services) -> Callable[[str], Principal | None]:
    def check(plaintext: str) -> Principal | None:
        record = services.tokens.authenticate(plaintext)
        if record is None:
            return None
        return Principal(token_id=record.id, role=Role(record.role), agent_id=record.agent_id)

    return check


async def authenticate(
    request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # only if the guard was left out of the app
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: Principal = Depends(authenticate)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role.value!r} may not do this")
        return principal

    return check
