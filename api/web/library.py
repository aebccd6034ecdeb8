"""The trainers' library page (`/ui/library`): excellent calls, the best example of each item,
error cases and training needs over a period, each linking to the call page at its moment (the
call page redacts what the trainer's role must not see)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from api.http.auth import BrowserSession, services_of
from api.http.library_routes import LIBRARY_READERS
from api.web.pages import render
from api.web.reports import read_period
from api.web.session import page_for
from insights.coaching import Peers, error_cases, training_needs
from insights.excellence import best_examples, rank_excellent
from workers.insights import period_facts

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=40)]


@router.get("/ui/library")
def library_page(
    request: Request,
    date_from: Text = "",
    days: Text = "",
    _: BrowserSession = Depends(page_for(*LIBRARY_READERS)),
) -> Response:
    """The last 7 days by default (yesterday and the six before)."""
    services = services_of(request)
    problems: list[str] = []
    first, length = read_period(services, date_from, days or "7", problems, default_days=7)
    calls = period_facts(services, first, first + timedelta(days=length - 1))
    context = {
        "date_from": first,
        "date_to": first + timedelta(days=length - 1),
        "days": length,
        "problems": problems,
        "excellent": rank_excellent(calls, 10),
        "examples": best_examples(calls, 3),
        "errors": error_cases(calls, 8, 3),
        "needs": training_needs(calls, Peers.AGENT)[:20],
    }
    return render(request, "library.html", context)
