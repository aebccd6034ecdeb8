"""The gate every request passes before any endpoint runs: sign-in, body size, crashes.

It works on the headers alone, so an unauthenticated or oversized upload is refused before its
body is read: a client that can reach the port cannot make the server receive 300 MB into a
temp file just to be told 401 afterwards. A body without a Content-Length (chunked) is counted
as it arrives and cut off at the limit. A database that does not answer is a 503 with a
Retry-After, not a crash. An endpoint that crashes is answered with the one error body and
logged once, through the scrubbing log configuration (runtime/logs.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import anyio.to_thread
import structlog
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.common.auth import BrowserSession
from api.common.errors import error_response
from api.common.token_cache import TokenCache
from services.access import Principal
from store.db import DATABASE_DOWN

log = structlog.get_logger("callqa.api")

OPEN_PATHS = frozenset({"/health"})
DOCS_PREFIXES = ("/docs", "/openapi.json")


class BodyTooLarge(HTTPException):
    """The body went past its limit while it was being received. An HTTPException, because
    FastAPI turns any other error met while reading a form into "400 error parsing the body"."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


@dataclass(frozen=True)
class BodyLimits:
    """Uploads may be as large as a recording may be (plus the multipart framing); every other
    body is a small JSON or form document, so 1 MB is generous and stops abuse cheaply."""

    upload_bytes: int
    other_bytes: int = 1_000_000
    upload_path: str = "/calls"

    def for_request(self, method: str, path: str) -> int:
        return self.upload_bytes if method == "POST" and path == self.upload_path else self.other_bytes

    def refusal(self, limit: int) -> str:
        if limit == self.upload_bytes:
            return f"the upload is larger than {limit / 1e6:.0f} MB (CALLQA_MAX_UPLOAD_MB)"
        return f"the body is larger than {limit / 1e6:.0f} MB"


@dataclass(frozen=True)
class PageGate:
    """How the web workspace's pages sign in: with the session cookie, never a token header, and
    the API never with the cookie (so another site cannot make a browser call the API). A page
    asked for without a live session is redirected to the sign-in page, which comes back to it."""

    resume: Callable[[str], BrowserSession | None]
    cookie: str
    prefix: str = "/ui"
    sign_in: str = "/ui/login"
    open_paths: frozenset[str] = frozenset({"/ui/login", "/ui/login/token"})
    open_prefix: str = "/ui/static/"

    def covers(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def is_open(self, path: str) -> bool:
        return path in self.open_paths or path.startswith(self.open_prefix)

    def sign_in_url(self, scope: Scope) -> str:
        """The sign-in page, asked to come back to the page wanted (pages are only read by GET)."""
        if scope["method"] not in ("GET", "HEAD"):
            return self.sign_in
        query = scope.get("query_string", b"").decode("latin-1")
        wanted = scope["path"] + (f"?{query}" if query else "")
        return f"{self.sign_in}?next={quote(wanted, safe='')}"


def bearer_or_basic(headers: Headers, allow_basic: bool) -> str | None:
    """The token of `Authorization: Bearer <token>`; for the docs pages also `Basic` with the
    token as the password, because a browser can prompt for that and cannot send a bearer."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if allow_basic and scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        authenticate: Callable[[str], Principal | None],
        limits: BodyLimits,
        pages: PageGate,
        tokens: TokenCache,
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.tokens = tokens
        self.limits = limits
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        if "\x00" in scope["path"]:  # no call, item or page is named with one
            await error_response(404, "nothing here: a path never contains a NUL character")(
                scope, receive, send
            )
            return
        if b"%00" in scope.get("query_string", b""):
            # PostgreSQL refuses NUL in any text and no stored value holds one: filters drop it
            scope = {**scope, "query_string": scope["query_string"].replace(b"%00", b"")}
        try:
            refusal = await self._admit(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            limit = self.limits.for_request(scope["method"], scope["path"])
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(self.limits.refusal(limit))
            await self.app(scope, _counting(receive, limit, self.limits.refusal(limit)), tracked_send)
        except BodyTooLarge as error:
            if not started:
                await error_response(413, error.detail)(scope, receive, send)
        except DATABASE_DOWN as error:
            log.warning(
                "database not answering",
                method=scope["method"],
                path=scope["path"],
                error=type(error).__name__,
            )
            if not started:
                await error_response(
                    503,
                    "the database is not answering; try again in a minute (the server log has the details)",
                    headers={"Retry-After": "30"},
                )(scope, receive, send)
        except Exception as error:
            log.error("request failed", method=scope["method"], path=scope["path"], exc_info=error)
            if not started:
                await error_response(500, "internal error; the server log has the details")(
                    scope, receive, send
                )

    async def _admit(self, scope: Scope) -> ASGIApp | None:
        """None when the request may go on (its principal put in the scope), else the refusal."""
        path: str = scope["path"]
        if path in OPEN_PATHS:
            return None
        if self.pages.covers(path):
            return await self._admit_page(scope)
        docs = path.startswith(DOCS_PREFIXES) and scope["method"] in ("GET", "HEAD")
        token = bearer_or_basic(Headers(scope=scope), allow_basic=docs)
        principal = None if token is None else await self._principal(token)
        if principal is None:
            challenge = 'Basic realm="callqa (password: an API token)"' if docs else "Bearer"
            detail = "missing bearer token" if token is None else "invalid or revoked token"
            return error_response(401, detail, headers={"WWW-Authenticate": challenge})
        scope.setdefault("state", {})["principal"] = principal
        return None

    async def _principal(self, token: str) -> Principal | None:
        principal = self.tokens.get(token)
        if principal is None:
            principal = await anyio.to_thread.run_sync(self.authenticate, token)
            if principal is not None:
                self.tokens.remember(token, principal)
        return principal

    async def _admit_page(self, scope: Scope) -> ASGIApp | None:
        if self.pages.is_open(scope["path"]):
            return None
        session_id = cookie_parser(Headers(scope=scope).get("cookie", "")).get(self.pages.cookie)
        browser = None if not session_id else await anyio.to_thread.run_sync(self.pages.resume, session_id)
        if browser is None:
            return RedirectResponse(self.pages.sign_in_url(scope), status_code=303)
        state = scope.setdefault("state", {})
        state["principal"] = browser.principal
        state["browser_session"] = browser
        return None


def _counting(receive: Receive, limit: int, refusal: str) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(refusal)
        return message

    return counted
