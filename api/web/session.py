"""The browser's side of a session: its cookies, its CSRF checks, and who may open which page.

The session cookie is HttpOnly (no script reads it), SameSite=Lax (another site's forms do not
carry it; a link from an e-mail to a call page still opens signed in), limited to /ui (the API
never sees it) and `Secure` when CALLQA_WEB_HTTPS says the site is served over HTTPS. Every form
that changes something carries the session's CSRF secret, compared in constant time; the
sign-in form, which has no session yet, carries a one-time value that must match its own
short-lived cookie (double submit), so another site cannot sign a browser in as someone else.

Every form is also refused (403) when it says it comes from another site: its `Origin`, or
without one its `Referer`, must be this site's origin. Browsers send `Origin` on every POST
(Chrome, Edge, Safari, and Firefox since 70), same-site or not, so a form post with neither
header does not come from a current browser; it is let through, on its token alone, for the
scripts and older browsers that send neither (a cross-site attacker cannot strip both from a
current browser: with the referrer suppressed it still sends `Origin: null`, which is refused).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

import structlog
from fastapi import Depends, Form, Request
from starlette.responses import Response

from api.common.auth import BrowserSession, services_of
from api.common.guard import PageGate
from api.web.pages import PageRefused
from runtime.services import Services
from services.access import Principal
from store.tokens import Role

log = structlog.get_logger("callqa.web")

SESSION_COOKIE = "callqa_session"
SIGN_IN_COOKIE = "callqa_sign_in"
SIGN_IN_COOKIE_SECONDS = 3600
HOME = "/ui/"


def page_gate(services: Callable[[], Services]) -> PageGate:
    """The request guard's view of sessions: the cookie's id -> who holds it, as of now."""

    def resume(session_id: str) -> BrowserSession | None:
        identity = services().web_sessions.resume(session_id)
        if identity is None:
            return None
        principal = Principal(
            token_id=identity.token_id,
            role=Role(identity.role),
            agent_id=identity.agent_id,
            user=identity.user_name,
        )
        return BrowserSession(principal=principal, csrf_secret=identity.csrf_secret)

    return PageGate(resume=resume, cookie=SESSION_COOKIE)


def safe_next(wanted: str | None) -> str:
    """Where to go after signing in: a page of this workspace only, never another site (an open
    redirect would lend this site's name to a phishing link)."""
    if not wanted or "\\" in wanted or any(ord(c) < 32 for c in wanted):
        return HOME
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui/") or wanted.startswith("//"):
        return HOME
    return wanted


def _secure(request: Request) -> bool:
    return services_of(request).settings.web_https


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(services_of(request).web_sessions.timeouts.absolute.total_seconds()),
        path="/ui",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/ui/login")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/ui")


def set_sign_in_cookie(request: Request, response: Response, value: str) -> None:
    """The sign-in form's one-time value, which the form must send back (SameSite=Strict)."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        value,
        max_age=SIGN_IN_COOKIE_SECONDS,
        path="/ui/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def same(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


FORM_EXPIRED = "the form has expired or did not come from this site: reload the page and try again"
OTHER_SITE = "the form was sent from another site and was not accepted: send it from this site's page"


def own_origins(request: Request) -> set[str]:
    """This site's origins: as the browser addressed it (its Host, with https too when
    CALLQA_WEB_HTTPS says TLS ends in front of it) and as CALLQA_PUBLIC_URL names it."""
    settings = services_of(request).settings
    host = request.headers.get("host", "").lower()
    schemes = {request.url.scheme} | ({"https"} if settings.web_https else set())
    public = urlsplit(settings.public_url)
    return {f"{scheme}://{host}" for scheme in schemes} | {f"{public.scheme}://{public.netloc}".lower()}


def claimed_origin(request: Request) -> str | None:
    """Where the form says it comes from: its Origin, else its Referer's origin (the rest of a
    Referer is never kept: its query may carry something personal); None when it sends neither."""
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.strip().lower()
    referer = request.headers.get("referer")
    if referer is None:
        return None
    parts = urlsplit(referer.strip())
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()  # never a user:password@


def check_origin(request: Request) -> None:
    claimed = claimed_origin(request)
    if claimed is not None and claimed not in own_origins(request):
        log.warning("form from another site refused", path=request.url.path, origin=claimed[:200])
        raise PageRefused(403, OTHER_SITE)


def check_sign_in_form(request: Request, given: str) -> None:
    check_origin(request)
    if not same(given, request.cookies.get(SIGN_IN_COOKIE, "")):
        raise PageRefused(403, FORM_EXPIRED)


def signed_in(request: Request) -> BrowserSession:
    browser: BrowserSession | None = getattr(request.state, "browser_session", None)
    if browser is None:  # only if the guard was left out of the app
        raise PageRefused(401, "sign in first")
    return browser


def page_for(*roles: Role) -> Callable[[Request], Awaitable[BrowserSession]]:
    """A page dependency: the signed-in browser, refused (403) unless its role is one of these."""

    async def check(request: Request) -> BrowserSession:
        browser = signed_in(request)
        if browser.principal.role not in roles:
            raise PageRefused(403, f"the role {browser.principal.role.value!r} may not open this page")
        return browser

    return check


def form_for(*roles: Role) -> Callable[..., Awaitable[BrowserSession]]:
    """A form dependency: as `page_for`, the form must come from this site (`check_origin`) and
    its CSRF token must be the session's."""

    async def check(
        request: Request,
        csrf_token: Annotated[str, Form(max_length=200)] = "",
        browser: BrowserSession = Depends(page_for(*roles)),
    ) -> BrowserSession:
        check_origin(request)
        if not same(csrf_token, browser.csrf_secret):
            raise PageRefused(403, FORM_EXPIRED)
        return browser

    return check
