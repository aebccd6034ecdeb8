"""Who is asking, and what their role may do: no endpoint but /health is ever open.

The token is checked by the request guard (api/common/guard.py) before the body is read; the
dependencies here read the principal it found and check the role, and declare the bearer
scheme so /docs shows the Authorize button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runtime.services import Services
from services.access import Principal
from services.dispatch import Dispatch
from store.tokens import Role

_bearer = HTTPBearer(auto_error=False, description="`callqa token create --role ...`")


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
