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

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import error_responses
from api.http.routes import MAX_OFFSET, known_query_only
from insights.topic_trends import TopicSummary
from runtime.services import Services
from services.access import REDACTED_ROLES, TOPIC_READERS, Principal
from services.insights import MAX_REPORT_DAYS
from services.topics import TopicsPeriod, period_bounds, period_end, period_topics, topics
from store.metadata import Clean
from store.tables import TopicRunRow
from store.topics import TopicCall

router = APIRouter(
    tags=["topics"], responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)]
)

DEFAULT_DAYS = 30

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


class TopicCallView(BaseModel):
    call_id: str
    external_id: str | None
    agent_id: str | None
    queue: str | None
    started_at: datetime
    at: float = Field(description="seconds into the call where the complaint starts")
    end: float
    text: str = Field(description="the complaint turn (masked for trainers)")
    reasons: list[str] = Field(description="`negative` (sentiment) and/or escalation cue categories")
    similarity: float = Field(description="cosine to the topic's centre")
    link: str = Field(description="the call page at the complaint")

    @classmethod
    def of(cls, call: TopicCall, redacted: bool) -> TopicCallView:
        return cls(
            call_id=call.call_id,
            external_id=call.external_id,
            agent_id=call.agent_id,
            queue=call.queue,
            started_at=call.started_at,
            at=call.start,
            end=call.end,
            text=call.redacted_text if redacted else call.text,
            reasons=call.reasons,
            similarity=call.similarity,
            link=f"/ui/calls/{call.call_id}?t={call.start:g}",
        )


class TopicCallsView(BaseModel):
    id: int
    name: str
    language: str
    phrases: list[str]
    redacted: bool = Field(description="texts are masked (the reader may not see personal data)")
    has_more: bool
    calls: list[TopicCallView] = Field(description="newest first, each at its first complaint in the topic")


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
    days: Days = DEFAULT_DAYS,
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
    topic_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    date_from: First = None,
    days: Days = DEFAULT_DAYS,
    queue: QueueName = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    who: Principal = Depends(require(*TOPIC_READERS)),
) -> TopicCallsView:
    """The calls of the period with a complaint in this topic, newest first, each at the moment
    of its first complaint in it (`link` opens the call page there)."""
    services = services_of(request)
    repo = topics(services)
    topic = repo.get(topic_id)
    if topic is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no complaint topic {topic_id}")
    first = default_first(services, date_from, days)
    since, until = period_bounds(services, first, period_end(first, days))
    found = repo.topic_calls(topic_id, since, until, queue, limit + 1, offset)
    redacted = who.role in REDACTED_ROLES
    return TopicCallsView(
        id=topic.id,
        name=topic.name,
        language=topic.language,
        phrases=topic.phrases,
        redacted=redacted,
        has_more=len(found) > limit,
        calls=[TopicCallView.of(call, redacted) for call in found[:limit]],
    )
