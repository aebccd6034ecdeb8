"""The complaint topics pages (`/ui/topics`, `/ui/topics/{id}`): what customers complain about,
per day and per queue, each topic opening its calls, each call opening the call page at the
complaint. For the roles of the API (api/http/topic_routes.py); trainers read the turns masked.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from api.common.auth import BrowserSession, services_of
from api.http.topic_routes import DEFAULT_DAYS, TopicCallView
from api.web.charts import day_bars
from api.web.pages import PageRefused, render
from api.web.reports import read_period
from api.web.session import page_for
from services.access import REDACTED_ROLES, TOPIC_READERS
from services.topics import period_bounds, period_end, period_topics, topics

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=100)]
CALLS_SHOWN = 200


@router.get("/ui/topics")
def topics_page(
    request: Request,
    date_from: Text = "",
    days: Text = "",
    queue: Text = "",
    _: BrowserSession = Depends(page_for(*TOPIC_READERS)),
) -> Response:
    """The last 30 days by default (yesterday and the 29 before)."""
    services = services_of(request)
    problems: list[str] = []
    first, length = read_period(services, date_from, days, problems, default_days=DEFAULT_DAYS)
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
            "sparks": {t.id: day_bars([(d.day.isoformat(), d.calls) for d in t.days]) for t in found.topics},
        },
    )


@router.get("/ui/topics/{topic_id}")
def topic_page(
    request: Request,
    topic_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    date_from: Text = "",
    days: Text = "",
    queue: Text = "",
    browser: BrowserSession = Depends(page_for(*TOPIC_READERS)),
) -> Response:
    """The topic's calls of the period, newest first, each at its complaint."""
    services = services_of(request)
    repo = topics(services)
    topic = repo.get(topic_id)
    if topic is None:
        raise PageRefused(404, f"no complaint topic {topic_id}")
    problems: list[str] = []
    first, length = read_period(services, date_from, days, problems, default_days=DEFAULT_DAYS)
    since, until = period_bounds(services, first, period_end(first, length))
    found = repo.topic_calls(topic_id, since, until, queue.strip() or None, CALLS_SHOWN, 0)
    redacted = browser.principal.role in REDACTED_ROLES
    return render(
        request,
        "topic_calls.html",
        {
            "topic": topic,
            "date_from": first,
            "date_to": period_end(first, length),
            "days": length,
            "queue": queue,
            "problems": problems,
            "calls": [TopicCallView.of(call, redacted) for call in found],
            "limit": CALLS_SHOWN,
        },
    )
