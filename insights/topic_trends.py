"""Complaint topics over a period: per topic, the calls with a complaint in it, per day and per
queue, against all the calls scored (so a busy day does not read as a rising topic).

Counted in calls, not turns: a customer repeating the same complaint five times is one caller
with that problem. A day is a day in the report zone, as in the quality report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class TopicMention:
    """A call with at least one complaint turn in a topic."""

    topic_id: int
    started_at: datetime
    queue: str | None


@dataclass(frozen=True)
class TopicInfo:
    id: int
    name: str
    language: str
    phrases: tuple[str, ...]
    active: bool


class DayCount(BaseModel):
    day: date
    calls: int


class QueueCount(BaseModel):
    queue: str | None
    calls: int


class TopicSummary(BaseModel):
    id: int
    name: str = Field(description="its most typical words")
    language: str
    phrases: list[str] = Field(description="the complaint turns nearest its centre (masked for trainers)")
    active: bool = Field(description="false: the latest run did not find it again (kept for its past calls)")
    calls: int = Field(description="calls in the period with a complaint in this topic")
    share: float | None = Field(description="of the period's scored calls (None when there were none)")
    days: list[DayCount] = Field(description="every day of the period, in order")
    queues: list[QueueCount] = Field(description="the most calls first")


def summarise(
    topics: Sequence[TopicInfo],
    mentions: Sequence[TopicMention],
    calls_scored: int,
    date_from: date,
    date_to: date,
    zone: tzinfo,
) -> list[TopicSummary]:
    """The topics mentioned in the period, the most calls first (a topic with none is left out)."""
    by_topic: dict[int, list[TopicMention]] = {}
    for mention in mentions:
        by_topic.setdefault(mention.topic_id, []).append(mention)
    span = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    out = []
    for topic in topics:
        mine = by_topic.get(topic.id, [])
        if not mine:
            continue
        per_day = Counter(m.started_at.astimezone(zone).date() for m in mine)
        per_queue = Counter(m.queue for m in mine)
        out.append(
            TopicSummary(
                id=topic.id,
                name=topic.name,
                language=topic.language,
                phrases=list(topic.phrases),
                active=topic.active,
                calls=len(mine),
                share=len(mine) / calls_scored if calls_scored else None,
                days=[DayCount(day=day, calls=per_day[day]) for day in span],
                queues=[
                    QueueCount(queue=q, calls=n)
                    for q, n in sorted(per_queue.items(), key=lambda kv: (-kv[1], kv[0] or ""))
                ],
            )
        )
    return sorted(out, key=lambda t: (-t.calls, t.id))
