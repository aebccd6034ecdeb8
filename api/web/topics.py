"""The complaint topics pages (`/ui/topics`, `/ui/topics/{id}`): what customers complain about,
per day and per queue, each topic opening its calls, each call opening the call page at the
complaint. For the roles of the API (api/http/topic_routes.py); trainers read the turns masked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from api.common.auth import BrowserSession, services_of
from api.common.params import RowId
from api.web.charts import day_bars
from api.web.pages import PageRefused, render
from api.web.reports import read_period
from api.web.session import form_for, page_for
from services.access import TOPIC_READERS, TOPIC_REFRESHERS
from services.topics import (
    DEFAULT_PERIOD_DAYS,
    NoSuchTopic,
    period_end,
    period_topics,
    refresh_topics,
    topic_calls_view,
)

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=100)]
CALLS_SHOWN = 200


@router.get("/ui/topics")
def topics_page(
    request: Request,
    date_from: Text = "",
    days: Text = "",
    queue: Text = "",
    browser: BrowserSession = Depends(page_for(*TOPIC_READERS)),
) -> Response:
    """The last 30 days by default (yesterday and the 29 before)."""
    return _topics(request, browser, date_from, days, queue)


@router.post("/ui/topics/refresh")
def refresh_topics_form(
    request: Request, browser: BrowserSession = Depends(form_for(*TOPIC_REFRESHERS))
) -> Response:
    """Cluster the last 30 days' complaints again now (the scheduler does it nightly, and within
    the hour when a run found nothing); the page then says what the run found."""
    run = refresh_topics(services_of(request), datetime.now(UTC))
    found = f"{run.topics} topics from {run.complaints} complaint turns"
    notice = f"Refreshed at {run.ran_at:%Y-%m-%d %H:%M} UTC: {found}."
    return _topics(request, browser, "", "", "", notice)


def _topics(
    request: Request, browser: BrowserSession, date_from: str, days: str, queue: str, notice: str = ""
) -> Response:
    services = services_of(request)
    problems: list[str] = []
    first, length = read_period(services, date_from, days, problems, default_days=DEFAULT_PERIOD_DAYS)
    found = period_topics(services, first, period_end(first, length), queue.strip() or None)
    period = {"date_from": first.isoformat(), "days": length, **({"queue": queue} if queue else {})}
    return render(
        request,
        "topics.html",
        {
            "found": found,
            "days": length,
            "problems": problems,
            "query": urlencode(period),
            "notice": notice,
            "may_refresh": browser.principal.role in TOPIC_REFRESHERS,
            "sparks": {t.id: day_bars([(d.day.isoformat(), d.calls) for d in t.days]) for t in found.topics},
        },
    )


@router.get("/ui/topics/{topic_id}")
def topic_page(
    request: Request,
    topic_id: RowId,
    date_from: Text = "",
    days: Text = "",
    queue: Text = "",
    browser: BrowserSession = Depends(page_for(*TOPIC_READERS)),
) -> Response:
    """The topic's calls of the period, newest first, each at its complaint."""
    services = services_of(request)
    problems: list[str] = []
    first, length = read_period(services, date_from, days, problems, default_days=DEFAULT_PERIOD_DAYS)
    try:
        found = topic_calls_view(
            services, browser.principal, topic_id, first, length, queue.strip() or None, CALLS_SHOWN
        )
    except NoSuchTopic as error:
        raise PageRefused(404, str(error)) from error
    return render(
        request,
        "topic_calls.html",
        {
            "topic": found,
            "date_from": first,
            "date_to": period_end(first, length),
            "days": length,
            "queue": queue,
            "problems": problems,
            "calls": found.calls,
            "has_more": found.has_more,
            "limit": CALLS_SHOWN,
        },
    )
