"""Rendering a page: the templates, the frame's context (who, what they may open).

The security headers (no caching, no framing, a content policy allowing only this site's own
files) are set on every response, pages included, by api/common/security_headers.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.common.auth import BrowserSession
from runtime.services import Services
from services.access import (
    ADMINS,
    AGREEMENT_READERS,
    CALIBRATORS,
    DISPUTE_DECIDERS,
    LIBRARY_READERS,
    REVIEWERS,
    SEARCH_PAGE_ROLES,
    TOPIC_READERS,
)
from services.call_views import CallNotVisible, visible_call
from store.tables import Call

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

NAVIGATION = (
    ("/ui/queue", "Review queue", REVIEWERS),
    ("/ui/disputes", "Disputes", DISPUTE_DECIDERS),
    ("/ui/calibration", "Calibration", REVIEWERS),
    ("/ui/calibrations", "Machine calibration", CALIBRATORS),
    ("/ui/agreement", "Agreement", AGREEMENT_READERS),
    ("/ui/pass-rates", "Pass rates", REVIEWERS),
    ("/ui/search", "Search", SEARCH_PAGE_ROLES),
    ("/ui/reports", "Reports", REVIEWERS),
    ("/ui/alerts", "Alerts", REVIEWERS),
    ("/ui/library", "Library", LIBRARY_READERS),
    ("/ui/topics", "Topics", TOPIC_READERS),
    ("/ui/admin/users", "Users", ADMINS),
)
"""The frame's links: each shown only to the roles that may open the page."""


class PageRefused(Exception):
    """A page or form refused (wrong role, failed CSRF check): answered with the error page."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def call_for(services: Services, browser: BrowserSession, call_id: str) -> Call:
    """The call a page or form acts on, or the error page for one this reader may not open."""
    try:
        return visible_call(services, browser.principal, call_id)
    except CallNotVisible as error:
        raise PageRefused(404, "No such call, or not one you may open.") from error


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    browser: BrowserSession | None = getattr(request.state, "browser_session", None)
    frame: dict[str, Any] = {"browser": browser, "navigation": []}
    if browser is not None:
        frame["navigation"] = [
            (href, label) for href, label, roles in NAVIGATION if browser.principal.role in roles
        ]
    return templates.TemplateResponse(
        request, template, {**frame, **(context or {})}, status_code=status_code
    )


async def refused_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageRefused)
    return render(request, "error.html", {"message": error.message}, status_code=error.status_code)
