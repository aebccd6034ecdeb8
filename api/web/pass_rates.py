"""The pass-rate page (`/ui/pass-rates`): per agent or team, the machine's pass rate beside the
rate inspectors would give, estimated from the sampling rules' selections (the API's
`GET /reports/pass-rates`). Filters are GET parameters; a value that cannot be read is named on
the page and left out, as on the queue page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from api.common.auth import BrowserSession, services_of
from api.common.days import form_day
from api.web.pages import render
from api.web.queue import Text
from api.web.session import page_for
from services.access import PASS_RATE_READERS
from services.sampling import GroupBy, pass_rate_report

router = APIRouter(include_in_schema=False)


@router.get("/ui/pass-rates")
def pass_rates_page(
    request: Request,
    by: Text = "",
    date_from: Text = "",
    date_to: Text = "",
    browser: BrowserSession = Depends(page_for(*PASS_RATE_READERS)),
) -> Response:
    problems: list[str] = []
    group = GroupBy.AGENT
    if by:
        try:
            group = GroupBy(by)
        except ValueError:
            problems.append(f"by: unknown value {by!r} (agent or team)")
    first, last = form_day(date_from, "from", problems), form_day(date_to, "to", problems)
    rows = pass_rate_report(services_of(request), group, first, last)
    query = {"by": group.value, "date_from": date_from, "date_to": date_to}
    context = {"rows": rows, "query": query, "groups": [g.value for g in GroupBy], "problems": problems}
    return render(request, "pass_rates.html", context)
