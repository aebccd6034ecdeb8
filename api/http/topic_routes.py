"""Complaint topics (投诉溯源) over HTTP: the topics of a period with their trends, and a topic's
calls at the moment of the complaint.

Read by admins, supervisors and inspectors (as reports) and by trainers: a topic is what
customers complain about, which is what coaching is for. Trainers read every complaint turn
masked (the search index's redacted text); topic names and typical phrases are made from the
masked text for everyone, so none of them can show personal data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import error_responses
from api.common.params import RowId
from api.http.routes import MAX_OFFSET, known_query_only
from insights.topic_trends import TopicSummary
from runtime.services import Services
from services.access import TOPIC_READERS, Principal
from services.insights import MAX_REPORT_DAYS
from services.topics import (
    DEFAULT_PERIOD_DAYS,
    NoSuchTopic,
    TopicCallsView,
    TopicsPeriod,
    period_end,
    period_topics,
    topic_calls_view,
)
from store.metadata import Clean
from store.tables import TopicRunRow

router = APIRouter(
    tags=["topics"], responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)]
)


First = Annotated[IsoDay | None, Query(description="the first day (default: `days` days up to today)")]
Days = Annotated[int, Query(ge=1, le=MAX_REPORT_DAYS, description="how many days, from date_from")]
QueueName = Annotated[str | None, Query(max_length=100, description="only this queue's calls"), Clean]


class TopicRunView(BaseModel):
    id: int
    ran_at: datetime
    window_from: datetime
    window_to: datetime
    complaints: int = Field(description="complaint turns clustered")
    topics: int

    @classmethod
    def of(cls, row: TopicRunRow) -> TopicRunView:
        return cls.model_validate(row, from_attributes=True)


class TopicsView(BaseModel):
    date_from: date
    date_to: date = Field(description="inclusive")
    timezone: str
    queue: str | None
    calls_scored: int = Field(description="scored calls of the period (and queue): what shares are of")
    run: TopicRunView | None = Field(description="the latest topic run; None: topics never computed")
    topics: list[TopicSummary]


def topics_view(found: TopicsPeriod) -> TopicsView:
    return TopicsView(
        date_from=found.date_from,
        date_to=found.date_to,
        timezone=found.timezone,
        queue=found.queue,
        calls_scored=found.calls_scored,
        run=TopicRunView.of(found.run) if found.run is not None else None,
        topics=found.topics,
    )


def default_first(services: Services, date_from: date | None, days: int) -> date:
    if date_from is not None:
        return date_from
    today = datetime.now(UTC).astimezone(services.settings.report_zone).date()
    return date.fromordinal(max(1, today.toordinal() - days + 1))


@router.get("/topics", response_model=TopicsView)
def list_topics(
    request: Request,
    date_from: First = None,
    days: Days = DEFAULT_PERIOD_DAYS,
    queue: QueueName = None,
    _: Principal = Depends(require(*TOPIC_READERS)),
) -> TopicsView:
    """Complaint topics of the period's calls: each with its calls, share of the calls scored,
    calls per day (every day of the period) and per queue, and its typical phrases."""
    services = services_of(request)
    first = default_first(services, date_from, days)
    return topics_view(period_topics(services, first, period_end(first, days), queue))


@router.get("/topics/{topic_id}/calls", response_model=TopicCallsView, responses=error_responses(404))
def topic_calls(
    request: Request,
    topic_id: RowId,
    date_from: First = None,
    days: Days = DEFAULT_PERIOD_DAYS,
    queue: QueueName = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    who: Principal = Depends(require(*TOPIC_READERS)),
) -> TopicCallsView:
    """The calls of the period with a complaint in this topic, newest first, each at the moment
    of its first complaint in it (`link` opens the call page there)."""
    services = services_of(request)
    first = default_first(services, date_from, days)
    try:
        return topic_calls_view(services, who, topic_id, first, days, queue, limit, offset)
    except NoSuchTopic as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
