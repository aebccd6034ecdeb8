"""The users page (admins only): add users, change their role, disable them.

The same rules as `callqa user add|list|disable` (store/users.py); a refused change is shown
on the page with its reason, and the password typed is never echoed back.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.web.pages import render
from api.web.session import form_for, page_for
from services.access import ADMINS
from store.tokens import ROLES
from store.users import UserError

log = structlog.get_logger("callqa.web")
router = APIRouter(include_in_schema=False)

Field64 = Annotated[str, Form(max_length=64)]
Field100 = Annotated[str, Form(max_length=100)]


def users_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    users = services_of(request).users.all()
    return render(request, "users.html", {"users": users, "roles": ROLES, "error": error}, status_code)


@router.get("/ui/admin/users")
def list_users(request: Request, _: BrowserSession = Depends(page_for(*ADMINS))) -> Response:
    return users_page(request)


def _done(change: str, browser: BrowserSession, name: str) -> Response:
    log.info("user changed", change=change, user=name, by=browser.principal.holder)
    return RedirectResponse("/ui/admin/users", status_code=303)


@router.post("/ui/admin/users")
def add_user(
    request: Request,
    name: Field64 = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    role: Field64 = "",
    agent_id: Field100 = "",
    team: Field100 = "",
    browser: BrowserSession = Depends(form_for(*ADMINS)),
) -> Response:
    try:
        user = services_of(request).users.add(name, password, role, agent_id.strip(), team.strip())
    except UserError as error:
        return users_page(request, str(error), 422)
    return _done("added", browser, user.name)


@router.post("/ui/admin/users/{name}/role")
def set_role(
    request: Request,
    name: str,
    role: Field64 = "",
    agent_id: Field100 = "",
    browser: BrowserSession = Depends(form_for(*ADMINS)),
) -> Response:
    try:
        services_of(request).users.set_role(name, role, agent_id.strip())
    except UserError as error:
        return users_page(request, str(error), 422)
    return _done(f"role {role}", browser, name)


@router.post("/ui/admin/users/{name}/disable")
def disable_user(
    request: Request, name: str, browser: BrowserSession = Depends(form_for(*ADMINS))
) -> Response:
    try:
        services_of(request).users.disable(name)
    except UserError as error:
        return users_page(request, str(error), 404)
    return _done("disabled", browser, name)
