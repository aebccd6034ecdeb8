"""Alert rules: what operations must hear about before the daily report.

Five rules, each over the scored calls of a recent window, each alert naming the calls behind it:
- a systemic issue: the same item failing for many agents of a queue within a few hours (a
  script, a system or a policy changed; coaching one agent will not fix it);
- a rise in customers leaving negative in a queue against its own recent baseline;
- an agent whose mean score fell fast against their own baseline;
- a recovery-queue customer not called back within the target;
- a complaint topic rising in a queue against its own recent baseline (evaluated where calls are
  assigned to topics, services/topics.py).
Thresholds are per queue (`AlertThresholds`). Each alert has a `subject` (what it is about) and
`repeat_after`; the store raises an alert only if none on the same subject was raised within that
time, so a rule evaluated every few minutes reports a lasting problem once, not every time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from insights.facts import CallFacts
from scoring.results import ItemStatus


class AlertKind(StrEnum):
    SYSTEMIC_ITEM = "systemic_item"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    SCORE_DROP = "score_drop"
    RECOVERY_OVERDUE = "recovery_overdue"
    COMPLAINT_TOPIC = "complaint_topic"


class AlertThresholds(BaseModel):
    """When a rule fires, per queue (settings: `alerts`, or a queue's own `alerts`)."""

    systemic_window_hours: float = Field(default=4, gt=0, le=168, description="the short window")
    systemic_min_agents: int = Field(default=3, ge=2, description="distinct agents failing the same item")
    systemic_min_fail_share: float = Field(
        default=0.5, gt=0, le=1, description="share of the window's decided calls that failed it"
    )
    sentiment_window_hours: float = Field(default=4, gt=0, le=168)
    sentiment_baseline_days: int = Field(default=7, ge=1, le=90, description="compared with the days before")
    sentiment_min_calls: int = Field(default=10, ge=1, description="in the window and in the baseline")
    sentiment_min_rise: float = Field(default=0.15, gt=0, le=1, description="rise of the negative share")
    score_recent_days: float = Field(default=2, gt=0, le=30)
    score_baseline_days: float = Field(default=14, gt=0, le=90)
    score_min_calls: int = Field(default=3, ge=1, description="scored calls in each of the two periods")
    score_min_drop: float = Field(default=15, gt=0, le=100, description="points of mean score lost")
    recovery_target_hours: float = Field(default=2, gt=0, le=168, description="call the customer back within")
    topic_window_days: float = Field(default=1, gt=0, le=30, description="complaint topics' recent window")
    topic_baseline_days: float = Field(default=7, gt=0, le=90, description="compared with the days before")
    topic_min_calls: int = Field(default=5, ge=1, description="calls with the topic in the recent window")
    topic_min_queue_calls: int = Field(default=20, ge=1, description="the queue's calls in each period")
    topic_min_rise: float = Field(default=0.05, gt=0, le=1, description="rise of the topic's share of calls")
    topic_min_ratio: float = Field(default=2, ge=1, description="recent share over the baseline's, at least")

    @property
    def lookback(self) -> timedelta:
        """How far back the rules read calls."""
        return max(
            timedelta(hours=self.systemic_window_hours),
            timedelta(hours=self.sentiment_window_hours, days=self.sentiment_baseline_days),
            timedelta(days=self.score_recent_days + self.score_baseline_days),
        )


class Alert(BaseModel):
    kind: AlertKind
    subject: str = Field(description="what it is about; one alert per subject within `repeat_after`")
    queue: str | None
    title: str
    detail: str
    call_ids: list[str]
    repeat_after: timedelta | None = Field(description="None: never raised again for this subject")


Thresholds = Callable[[str | None], AlertThresholds]
"""The thresholds of a queue (its own, else the defaults)."""


def evaluate(calls: Sequence[CallFacts], now: datetime, thresholds: Thresholds) -> list[Alert]:
    """Every rule over `calls` (scored calls of the longest lookback, any queue)."""
    by_queue: dict[str | None, list[CallFacts]] = defaultdict(list)
    for call in calls:
        by_queue[call.queue].append(call)
    alerts: list[Alert] = []
    for queue in sorted(by_queue, key=lambda name: name or ""):
        limits = thresholds(queue)
        alerts += systemic_items(by_queue[queue], now, queue, limits)
        alerts += negative_sentiment(by_queue[queue], now, queue, limits)
        alerts += overdue_recoveries(by_queue[queue], now, queue, limits)
    alerts += score_drops(calls, now, thresholds)
    return alerts


def systemic_items(
    calls: Sequence[CallFacts], now: datetime, queue: str | None, limits: AlertThresholds
) -> list[Alert]:
    window = timedelta(hours=limits.systemic_window_hours)
    recent = [c for c in calls if now - window <= c.started_at <= now]
    decided: dict[str, list[CallFacts]] = defaultdict(list)
    failed: dict[str, list[CallFacts]] = defaultdict(list)
    labels: dict[str, str] = {}
    for call in recent:
        for item in call.items:
            if item.status in (ItemStatus.PASS, ItemStatus.FAIL):
                decided[item.item_id].append(call)
                labels[item.item_id] = item.label
                if item.status == ItemStatus.FAIL:
                    failed[item.item_id].append(call)
    alerts = []
    for item_id in sorted(failed):
        agents = {c.agent_id for c in failed[item_id] if c.agent_id}
        share = len(failed[item_id]) / len(decided[item_id])
        if len(agents) < limits.systemic_min_agents or share < limits.systemic_min_fail_share:
            continue
        alerts.append(
            Alert(
                kind=AlertKind.SYSTEMIC_ITEM,
                subject=f"{AlertKind.SYSTEMIC_ITEM}|{queue or ''}|{item_id}",
                queue=queue,
                title=f"“{labels[item_id]}” failing for {len(agents)} agents{_in(queue)}",
                detail=f"{len(failed[item_id])} of {len(decided[item_id])} calls ({share:.0%}) failed "
                f"“{labels[item_id]}” in the last {_hours(window)}, across {len(agents)} agents: "
                "likely a systemic cause (script, system, policy), not one agent.",
                call_ids=[c.call_id for c in failed[item_id]],
                repeat_after=window,
            )
        )
    return alerts


def negative_sentiment(
    calls: Sequence[CallFacts], now: datetime, queue: str | None, limits: AlertThresholds
) -> list[Alert]:
    window = timedelta(hours=limits.sentiment_window_hours)
    since = now - window - timedelta(days=limits.sentiment_baseline_days)
    known = [c for c in calls if c.customer_end is not None and since <= c.started_at <= now]
    recent = [c for c in known if c.started_at >= now - window]
    baseline = [c for c in known if c.started_at < now - window]
    if min(len(recent), len(baseline)) < limits.sentiment_min_calls:
        return []
    negative = [c for c in recent if c.customer_end == "negative"]
    share = len(negative) / len(recent)
    before = sum(c.customer_end == "negative" for c in baseline) / len(baseline)
    if share - before < limits.sentiment_min_rise:
        return []
    return [
        Alert(
            kind=AlertKind.NEGATIVE_SENTIMENT,
            subject=f"{AlertKind.NEGATIVE_SENTIMENT}|{queue or ''}",
            queue=queue,
            title=f"More customers leaving upset{_in(queue)}: {share:.0%} (was {before:.0%})",
            detail=f"{len(negative)} of {len(recent)} customers ended negative in the last "
            f"{_hours(window)}, against {before:.0%} over the {limits.sentiment_baseline_days} days before.",
            call_ids=[c.call_id for c in negative],
            repeat_after=window,
        )
    ]


def score_drops(calls: Sequence[CallFacts], now: datetime, thresholds: Thresholds) -> list[Alert]:
    """Per agent, against their own baseline; the thresholds of the queue of their latest call."""
    by_agent: dict[str, list[CallFacts]] = defaultdict(list)
    for call in calls:
        if call.agent_id and call.score is not None and call.started_at <= now:
            by_agent[call.agent_id].append(call)
    alerts = []
    for agent in sorted(by_agent):
        mine = sorted(by_agent[agent], key=lambda c: c.started_at)
        limits = thresholds(mine[-1].queue)
        split = now - timedelta(days=limits.score_recent_days)
        since = split - timedelta(days=limits.score_baseline_days)
        recent = [c for c in mine if c.started_at >= split]
        baseline = [c for c in mine if since <= c.started_at < split]
        if min(len(recent), len(baseline)) < limits.score_min_calls:
            continue
        now_mean, before_mean = _mean_score(recent), _mean_score(baseline)
        if before_mean - now_mean < limits.score_min_drop:
            continue
        alerts.append(
            Alert(
                kind=AlertKind.SCORE_DROP,
                subject=f"{AlertKind.SCORE_DROP}|{agent}",
                queue=mine[-1].queue,
                title=f"Agent {agent}'s score fell from {before_mean:.0f} to {now_mean:.0f}",
                detail=f"Mean score {now_mean:.1f} over {len(recent)} calls in the last "
                f"{limits.score_recent_days:g} days, against {before_mean:.1f} over {len(baseline)} calls "
                f"in the {limits.score_baseline_days:g} days before.",
                call_ids=[c.call_id for c in recent],
                repeat_after=timedelta(days=limits.score_recent_days),
            )
        )
    return alerts


def overdue_recoveries(
    calls: Sequence[CallFacts], now: datetime, queue: str | None, limits: AlertThresholds
) -> list[Alert]:
    """The target runs from when the call was scored (when it entered the recovery queue)."""
    target = timedelta(hours=limits.recovery_target_hours)
    return [
        Alert(
            kind=AlertKind.RECOVERY_OVERDUE,
            subject=f"{AlertKind.RECOVERY_OVERDUE}|{call.call_id}",
            queue=queue,
            title=f"Customer not called back within {_hours(target)}{_in(queue)}",
            detail=f"In the recovery queue since {call.scored_at:%Y-%m-%d %H:%M} UTC "
            f"({_hours(now - call.scored_at)} ago) and not marked handled.",
            call_ids=[call.call_id],
            repeat_after=None,
        )
        for call in calls
        if call.recovery and not call.recovery_handled and now - call.scored_at > target
    ]


def complaint_topics_rising(
    calls: Sequence[CallFacts],
    topics_of: Mapping[str, frozenset[int]],
    names: Mapping[int, str],
    now: datetime,
    queue: str | None,
    limits: AlertThresholds,
) -> list[Alert]:
    """A complaint topic's share of a queue's calls in the recent window well above its share in
    the baseline before it (`topics_of`: each call's topics; services/topics.py evaluates it after
    assigning calls to topics, which the other rules' facts do not carry)."""
    window = timedelta(days=limits.topic_window_days)
    since = now - window - timedelta(days=limits.topic_baseline_days)
    recent = [c for c in calls if now - window <= c.started_at <= now]
    baseline = [c for c in calls if since <= c.started_at < now - window]
    if min(len(recent), len(baseline)) < limits.topic_min_queue_calls:
        return []
    alerts = []
    for topic in sorted({t for c in recent for t in topics_of.get(c.call_id, ())}):
        hit = [c for c in recent if topic in topics_of.get(c.call_id, ())]
        share = len(hit) / len(recent)
        before = sum(topic in topics_of.get(c.call_id, ()) for c in baseline) / len(baseline)
        if len(hit) < limits.topic_min_calls or share - before < limits.topic_min_rise:
            continue
        if share < limits.topic_min_ratio * before:
            continue
        name = names.get(topic, f"topic {topic}")
        alerts.append(
            Alert(
                kind=AlertKind.COMPLAINT_TOPIC,
                subject=f"{AlertKind.COMPLAINT_TOPIC}|{queue or ''}|{topic}",
                queue=queue,
                title=f"Complaints about “{name}” rising{_in(queue)}: {share:.0%} of calls "
                f"(was {before:.0%})",
                detail=f"{len(hit)} of {len(recent)} calls in the last {_hours(window)} complained about "
                f"“{name}”, against {before:.0%} of {len(baseline)} calls over the "
                f"{limits.topic_baseline_days:g} days before.",
                call_ids=[c.call_id for c in hit],
                repeat_after=window,
            )
        )
    return alerts


def _mean_score(calls: Sequence[CallFacts]) -> float:
    return sum(c.score or 0.0 for c in calls) / len(calls)


def _in(queue: str | None) -> str:
    return f" in {queue}" if queue else ""


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{span.total_seconds() / 60:.0f} min"
