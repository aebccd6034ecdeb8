"""Bearer-token authentication and role checks: no endpoint but /health is ever open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from workers.services import Services

_bearer = HTTPBearer(auto_error=False, description="`callqa token create --role ...`")

UPLOADERS = ("admin", "supervisor", "inspector")
REVIEWERS = ("admin", "supervisor", "inspector")
READERS = ("admin", "supervisor", "inspector", "trainer", "agent")
REDACTED_ROLES = ("trainer", "agent")


@dataclass(frozen=True)
class Principal:
    token_id: int
    role: str
    agent_id: str | None

    def may_see(self, agent_id: str | None) -> bool:
        """Agents see only their own calls; every other role sees all."""
        return self.role != "agent" or (agent_id is not None and agent_id == self.agent_id)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    record = services_of(request).tokens.authenticate(credentials.credentials)
    if record is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return Principal(token_id=record.id, role=record.role, agent_id=record.agent_id)


def require(*roles: str) -> Callable[[Principal], Principal]:
    def check(principal: Principal = Depends(authenticate)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role!r} may not do this")
        return principal

    return check
