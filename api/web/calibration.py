"""The machine-calibration page (`/ui/calibrations`): each card's calibration versions, how each
did against inspectors before -> after, what it learnt, a run (dry or real) and rollback.

The same views as the API (api/http/calibration_routes.py), on a page for admins and
supervisors; rollback is an admin's, as there. Human calibration sessions (inspectors scoring
the same calls blind) are another page, `/ui/calibration`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.web.pages import PageRefused, render
from api.web.session import form_for, page_for
from services.access import CALIBRATORS, ROLLBACK_ROLES
from services.calibration_runs import RunReport, calibration_history, roll_back, run_calibrations
from store.calibrations import NothingToRollBack

router = APIRouter(include_in_schema=False)

PAGE = "/ui/calibrations"

CardField = Annotated[str, Form(max_length=200)]


def _page(request: Request, browser: BrowserSession, report: RunReport | None = None) -> Response:
    services = services_of(request)
    context: dict[str, Any] = {
        "history": calibration_history(services),
        "cards": sorted(services.scorecards.cards),
        "may_roll_back": browser.principal.role in ROLLBACK_ROLES,
        "report": report,
    }
    return render(request, "calibrations.html", context)


@router.get(PAGE)
def calibrations_page(
    request: Request, browser: BrowserSession = Depends(page_for(*CALIBRATORS))
) -> Response:
    return _page(request, browser)


@router.post(f"{PAGE}/run")
async def run_page(
    request: Request,
    card: CardField = "",
    dry_run: Annotated[str, Form(max_length=10)] = "",
    browser: BrowserSession = Depends(form_for(*CALIBRATORS)),
) -> Response:
    """Run now; the page shows the run's figures above the versions (a dry run stores nothing)."""
    services = services_of(request)
    try:
        report = await run_in_threadpool(
            run_calibrations, services, card or None, bool(dry_run), browser.principal.actor
        )
    except KeyError as error:
        raise PageRefused(404, f"Not run: {error.args[0]}.") from error
    return _page(request, browser, report)


@router.post(f"{PAGE}/rollback")
def rollback_page(
    request: Request, card: CardField = "", browser: BrowserSession = Depends(form_for(*ROLLBACK_ROLES))
) -> Response:
    """Withdraw the card's active version (the one before it is active again), back to the page."""
    try:
        roll_back(services_of(request), card, browser.principal.actor)
    except KeyError as error:
        raise PageRefused(404, f"Not rolled back: {error.args[0]}.") from error
    except NothingToRollBack as error:
        raise PageRefused(409, f"Not rolled back: {error}.") from error
    return RedirectResponse(PAGE, status_code=303)
