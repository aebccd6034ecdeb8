"""The daily monitoring report: per agent, team and queue, what the machine and the inspectors found.

Figures a QA lead reads by 09:00: how many calls were scored and how many passed the machine; how
many an inspector reviewed and, from the random audit sample alone, the pass rate with its 95%
interval (the risk-ranked reviews over-represent bad calls, so they would bias it); which items
fail most; dead air; how customers left; how many calls went to review and to recovery.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, tzinfo
from enum import StrEnum

from pydantic import BaseModel, Field

from insights.facts import CallFacts
from review.agreement import wilson
from scoring.results import ItemStatus, Verdict

TREND_DAYS = 14
"""A one-day report still shows where the day stands against the two weeks before it."""

NONE_KEY = "(none)"
"""The group of calls whose metadata leaves the agent, team or queue empty."""


class Dimension(StrEnum):
    ALL = "all"
    AGENT = "agent"
    TEAM = "team"
    QUEUE = "queue"


class Interval(BaseModel):
    low: float
    high: float


class ItemFailure(BaseModel):
    item_id: str
    label: str
    failed: int
    decided: int = Field(description="calls where the item was decided (pass or fail)")
    reviewed: int = Field(
        default=0, description="of those, calls where an inspector decided it (their status counts)"
    )
    rate: float


class SentimentCounts(BaseModel):
    """How customers left the calls (their mood over the last turns)."""

    negative: int = 0
    neutral: int = 0
    positive: int = 0
    unknown: int = 0


class GroupFigures(BaseModel):
    dimension: Dimension
    key: str = Field(description="the agent id, team or queue; `all` for every call")
    calls_scored: int
    machine_pass_rate: float | None
    mean_score: float | None
    reviewed: int = Field(description="calls an inspector has reviewed")
    audited: int = Field(description="reviewed calls of the random audit sample")
    audited_pass_rate: float | None = Field(description="pass rate after review, on the audit sample only")
    audited_ci: Interval | None = Field(description="95% Wilson interval of the audited pass rate")
    items: list[ItemFailure] = Field(description="items that failed at least once, the most failed first")
    dead_air_mean_s: float | None
    customer_end: SentimentCounts
    routed_review: int
    routed_recovery: int


class DayTrend(BaseModel):
    day: date
    calls_scored: int
    machine_pass_rate: float | None
    mean_score: float | None
    negative_share: float | None = Field(description="share of customers who left negative")


class Report(BaseModel):
    date_from: date
    date_to: date = Field(description="inclusive")
    timezone: str = Field(description="the zone the days are counted in")
    generated_at: datetime
    overall: GroupFigures
    by_agent: list[GroupFigures]
    by_team: list[GroupFigures]
    by_queue: list[GroupFigures]
    trend: list[DayTrend] = Field(
        description=f"one entry per day: the period, or the {TREND_DAYS} days to its end"
    )

    def groups(self) -> list[GroupFigures]:
        return [self.overall, *self.by_agent, *self.by_team, *self.by_queue]


def build_report(
    calls: Sequence[CallFacts],
    date_from: date,
    date_to: date,
    zone: tzinfo,
    zone_name: str,
    generated_at: datetime,
) -> Report:
    """`calls`: the scored calls from `trend_start(date_from, date_to)` to the end of the period
    (days counted in `zone`); the figures are the period's, the trend covers them all."""
    first = trend_start(date_from, date_to)
    period = [c for c in calls if c.started_at.astimezone(zone).date() >= date_from]
    return Report(
        date_from=date_from,
        date_to=date_to,
        timezone=zone_name,
        generated_at=generated_at,
        overall=figures(Dimension.ALL, "all", period),
        by_agent=_grouped(Dimension.AGENT, period, lambda c: c.agent_id),
        by_team=_grouped(Dimension.TEAM, period, lambda c: c.team),
        by_queue=_grouped(Dimension.QUEUE, period, lambda c: c.queue),
        trend=_trend(calls, first, date_to, zone),
    )


def trend_start(date_from: date, date_to: date) -> date:
    """The first day of the trend: the period's first, or TREND_DAYS before its end if earlier."""
    return min(date_from, date.fromordinal(max(1, date_to.toordinal() - TREND_DAYS + 1)))


def figures(dimension: Dimension, key: str, calls: Sequence[CallFacts]) -> GroupFigures:
    scores = [c.score for c in calls if c.score is not None]
    reviewed = [c for c in calls if c.final_verdict is not None]
    audited = [c for c in reviewed if c.audit_sample]
    audited_passed = sum(c.final_verdict == Verdict.PASS for c in audited)
    ci = wilson(audited_passed, len(audited)) if audited else None
    dead_air = [c.dead_air_s for c in calls if c.dead_air_s is not None]
    moods: Counter[str] = Counter(c.customer_end or "unknown" for c in calls)
    return GroupFigures(
        dimension=dimension,
        key=key,
        calls_scored=len(calls),
        machine_pass_rate=_share(sum(c.verdict == Verdict.PASS for c in calls), len(calls)),
        mean_score=_mean(scores),
        reviewed=len(reviewed),
        audited=len(audited),
        audited_pass_rate=_share(audited_passed, len(audited)),
        audited_ci=Interval(low=ci.low, high=ci.high) if ci else None,
        items=item_failures(calls),
        dead_air_mean_s=_mean(dead_air),
        customer_end=SentimentCounts.model_validate(moods),
        routed_review=sum(c.routed_review for c in calls),
        routed_recovery=sum(c.recovery for c in calls),
    )


def item_failures(calls: Iterable[CallFacts]) -> list[ItemFailure]:
    """Per item: failed / decided (N/A and undecidable are not the agent's to fail), most failed
    first; an inspector's decision counts instead of the machine's (`ItemFact.status`)."""
    failed: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    reviewed: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for call in calls:
        for item in call.items:
            if item.status in (ItemStatus.PASS, ItemStatus.FAIL):
                decided[item.item_id] += 1
                failed[item.item_id] += item.status == ItemStatus.FAIL
                reviewed[item.item_id] += item.reviewed
                labels.setdefault(item.item_id, item.label)
    rows = [
        ItemFailure(
            item_id=item,
            label=labels[item],
            failed=failed[item],
            decided=n,
            reviewed=reviewed[item],
            rate=round(failed[item] / n, 4),
        )
        for item, n in decided.items()
        if failed[item]
    ]
    return sorted(rows, key=lambda row: (-row.rate, -row.failed, row.item_id))


def _grouped(
    dimension: Dimension, calls: Sequence[CallFacts], key: Callable[[CallFacts], str | None]
) -> list[GroupFigures]:
    groups: dict[str, list[CallFacts]] = defaultdict(list)
    for call in calls:
        groups[key(call) or NONE_KEY].append(call)
    return [figures(dimension, name, groups[name]) for name in sorted(groups)]


def _trend(calls: Sequence[CallFacts], date_from: date, date_to: date, zone: tzinfo) -> list[DayTrend]:
    by_day: dict[date, list[CallFacts]] = defaultdict(list)
    for call in calls:
        by_day[call.started_at.astimezone(zone).date()].append(call)
    days = [date.fromordinal(n) for n in range(date_from.toordinal(), date_to.toordinal() + 1)]
    trend = []
    for day in days:
        found = by_day.get(day, [])
        moods = [c.customer_end for c in found if c.customer_end is not None]
        trend.append(
            DayTrend(
                day=day,
                calls_scored=len(found),
                machine_pass_rate=_share(sum(c.verdict == Verdict.PASS for c in found), len(found)),
                mean_score=_mean([c.score for c in found if c.score is not None]),
                negative_share=_share(sum(m == "negative" for m in moods), len(moods)),
            )
        )
    return trend


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
