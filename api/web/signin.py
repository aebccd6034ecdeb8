"""Signing in (a user name and password, or an API token), signing out, and the home page.

A failed sign-in says only "wrong user name or password", whether the user is unknown,
disabled or mistyped their password, and is logged with the client address but never the
name typed (people type passwords into the name field) nor, of course, the password or token.
Failures lock per user name and address, per user name and per address
(store/sign_in_failures.py); a locked try is answered 429 with Retry-After before the
password is checked.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.web.pages import render
from api.web.session import (
    SESSION_COOKIE,
    check_sign_in_form,
    clear_session_cookie,
    form_for,
    page_for,
    safe_next,
    set_session_cookie,
    set_sign_in_cookie,
)
from runtime.services import Services
from services.access import READERS, REVIEWERS
from store.sign_in_failures import Lock, Locked

log = structlog.get_logger("callqa.web")
router = APIRouter(include_in_schema=False)

WRONG_PASSWORD = "Wrong user name or password."
WRONG_TOKEN = "Unknown or revoked token."
LOCKED = {
    Lock.PAIR: "Too many failed attempts",
    Lock.ACCOUNT: "Too many failed attempts for this user name",
    Lock.CLIENT: "Too many failed sign-ins from your address",
}


def sign_in_page(
    request: Request, next_page: str, error: str | None = None, status_code: int = 200
) -> Response:
    value = secrets.token_urlsafe(32)
    context = {"next": safe_next(next_page), "error": error, "sign_in_value": value}
    response = render(request, "login.html", context, status_code)
    set_sign_in_cookie(request, response, value)
    return response


@router.get("/ui/login")
def sign_in_form(request: Request, next: Annotated[str, Query(max_length=2000)] = "") -> Response:
    return sign_in_page(request, next)


@dataclass(frozen=True)
class Attempt:
    """One sign-in: the name its failures are counted under (None: a token, which names no
    account), and how it checks the credential."""

    name: str | None
    method: str
    refusal: str
    check: Callable[[Services], Holder | None]


@dataclass(frozen=True)
class Holder:
    """Who signed in: the session's owner (`user_id` or `token_id`) and what the log may say."""

    owner: dict[str, int]
    logged: dict[str, object]


def _locked_page(request: Request, next_page: str, locked: Locked) -> Response:
    minutes = max(1, math.ceil(locked.wait_s / 60))
    message = f"{LOCKED[locked.lock]}: try again in {minutes} min."
    response = sign_in_page(request, next_page, message, 429)
    response.headers["Retry-After"] = str(math.ceil(locked.wait_s))
    return response


def _sign_in(request: Request, attempt: Attempt, sign_in_value: str, next_page: str) -> Response:
    check_sign_in_form(request, sign_in_value)
    client = request.client.host if request.client else "unknown"
    services = services_of(request)
    failures = services.sign_in_failures
    locked = failures.locked(attempt.name, client)
    if locked is not None:
        log.warning("sign-in locked", method=attempt.method, lock=locked.lock.value, client=client)
        return _locked_page(request, next_page, locked)
    holder = attempt.check(services)
    if holder is None:
        failures.failed(attempt.name, client)
        log.warning("sign-in refused", method=attempt.method, client=client)
        return sign_in_page(request, next_page, attempt.refusal, 401)
    failures.succeeded(attempt.name, client)
    log.info("signed in", **holder.logged, client=client)
    response = RedirectResponse(safe_next(next_page), status_code=303)
    set_session_cookie(request, response, services.web_sessions.start(**holder.owner))
    return response


@router.post("/ui/login")
def sign_in_with_password(
    request: Request,
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    sign_in_value: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def check(services: Services) -> Holder | None:
        user = services.users.authenticate(name, password)
        return None if user is None else Holder({"user_id": user.id}, {"user": user.name, "role": user.role})

    return _sign_in(request, Attempt(name, "password", WRONG_PASSWORD, check), sign_in_value, next)


@router.post("/ui/login/token")
def sign_in_with_token(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    sign_in_value: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def check(services: Services) -> Holder | None:
        record = services.tokens.authenticate(token.strip()) if token.strip() else None
        return (
            None
            if record is None
            else Holder({"token_id": record.id}, {"token_id": record.id, "role": record.role})
        )

    return _sign_in(request, Attempt(None, "token", WRONG_TOKEN, check), sign_in_value, next)


@router.post("/ui/logout")
def sign_out(request: Request, browser: BrowserSession = Depends(form_for(*READERS))) -> Response:
    services_of(request).web_sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    log.info("signed out", who=browser.principal.holder)
    response = RedirectResponse("/ui/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/ui")
@router.get("/ui/")
def home(request: Request, browser: BrowserSession = Depends(page_for(*READERS))) -> Response:
    """Reviewers start at the queue; the other roles see what they may open."""
    if browser.principal.role in REVIEWERS:
        return RedirectResponse("/ui/queue", status_code=303)
    return render(request, "home.html")
