"""The security headers of every response, set in one place so no kind of response goes without.

Pages, redirects, audio, downloads, JSON errors (the API's and the workspace's), static files
and the guard's own refusals all pass through here. Each gets:
- `X-Content-Type-Options: nosniff`: a transcript served as text is never run as a script;
- `Referrer-Policy: same-origin`: a call's address is never sent to another site;
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no other site frames a page (clickjacking);
- a content policy: HTML may load only this site's files (no inline script, forms post here
  only); anything else is data and may load nothing (`media-src 'self'` keeps a recording
  playable when opened on its own);
- `Cache-Control: no-store` unless the response says otherwise: pages, audio and JSON carry
  personal data and must not stay in a shared cache or come back with the back button after
  signing out. Static files (the workspace's and Swagger UI's) are the exception: nothing
  personal, and the browser may keep them.
A response that sets one of these itself (the API docs' content policy, a download's
`private, no-store`) keeps its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
DATA_POLICY = "default-src 'none'; media-src 'self'; frame-ancestors 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
CACHEABLE_PREFIXES = ("/ui/static/", "/docs/assets/")


def headers_for(path: str, content_type: str) -> dict[str, str]:
    """The security headers a response at this path with this content type should carry."""
    html = content_type.split(";")[0].strip().lower() == "text/html"
    chosen = {**ALWAYS, "Content-Security-Policy": PAGE_POLICY if html else DATA_POLICY}
    if not path.startswith(CACHEABLE_PREFIXES):
        chosen["Cache-Control"] = "no-store"
    return chosen


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in headers_for(scope["path"], headers.get("content-type", "")).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
