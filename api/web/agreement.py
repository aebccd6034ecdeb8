"""The agreement page (`/ui/agreement`): how often inspectors kept the machine's decision, per
scorecard item and per inspector, with 95% intervals (the API's `GET /reports/agreement`).
Filters are GET parameters; a value that cannot be read is named on the page and left out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from api.common.auth import BrowserSession, services_of
from api.common.days import form_day
from api.web.pages import render
from api.web.queue import Text
from api.web.session import page_for
from services.access import AGREEMENT_READERS
from services.agreement import agreement_report

router = APIRouter(include_in_schema=False)


@router.get("/ui/agreement")
def agreement_page(
    request: Request,
    scorecard: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    _: BrowserSession = Depends(page_for(*AGREEMENT_READERS)),
) -> Response:
    services = services_of(request)
    problems: list[str] = []
    first, last = form_day(date_from, "from", problems), form_day(date_to, "to", problems)
    report = agreement_report(services, scorecard.strip() or None, first, last)
    cards = sorted({card.id for card in services.scorecards.cards.values()})
    query = {"scorecard": scorecard, "date_from": date_from, "date_to": date_to}
    context = {"report": report, "cards": cards, "query": query, "problems": problems}
    return render(request, "agreement.html", context)
