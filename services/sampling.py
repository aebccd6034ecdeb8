"""The sampling rules run over stored calls, and the pass rates estimated from what they selected.

When each rule is decided: a new hire's call is known to need review the moment it is scored
(routing puts it in the review queue then, `new_hire_reasons`); the weekly minimum, the spread
over the day's time slots and the daily capacity need the whole day, so they run once the day
is over (the daily scheduled task, or `callqa sample run`) and write the day's selections with
their inclusion probabilities (review/sampling.py). Days are read in `CALLQA_REPORT_TIMEZONE`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

import structlog

from review.pass_rates import PassRate, PassRateCall, pass_rates
from review.queue_reasons import not_said_by_routing, sampling_reasons
from review.sampling import DayCall, DayPlan, plan_day, week_start
from runtime.services import Services
from scoring.results import Verdict
from scoring.routing import RoutingDecision, RoutingQueue
from store.sampling import ScoredCall, SelectionRow
from store.tables import Call, SampleSelection

log = structlog.get_logger("callqa.sampling")


class GroupBy(StrEnum):
    AGENT = "agent"
    TEAM = "team"


@dataclass(frozen=True)
class QueueDay:
    queue: str
    """'' for calls with no queue."""
    plan: DayPlan


def day_bounds(services: Services, day: date) -> tuple[datetime, datetime]:
    """[midnight, next midnight) of the day in the report time zone, as UTC times."""
    start, end = _midnight(services, day, 0), _midnight(services, day, 1)
    assert start is not None and end is not None, (
        "a day the sampling rules run on is not at the calendar's end"
    )
    return start, end


def yesterday(services: Services) -> date:
    return datetime.now(services.settings.report_zone).date() - timedelta(days=1)


def sample_yesterday_if_due(services: Services, now: datetime) -> list[QueueDay]:
    """The scheduled job: yesterday's selections (in the report zone), once `report_time` has
    passed today (yesterday's calls are scored by then, as for the daily report) and no selection
    of that day is stored yet. A deployment down then samples the day when it comes back; a day
    run by hand (`callqa sample run`) is left as it is."""
    settings = services.settings
    local = now.astimezone(settings.report_zone)
    day = local.date() - timedelta(days=1)
    if local.time() < settings.report_time or services.selections.any_on(day):
        return []
    return select_day(services, day)


def new_hire_reasons(services: Services, call: Call) -> list[str]:
    """Why routing must send this call to review whatever its score: its agent's first days."""
    if call.agent_id is None:
        return []
    agent = services.roster.get(call.agent_id)
    rules = services.settings.sampling_rules(call.queue)
    day = (call.started_at or call.created_at).astimezone(services.settings.report_zone).date()
    if agent is None or not rules.is_new_hire(agent.start_date, day):
        return []
    return [f"new hire: started {agent.start_date.isoformat()}, first {rules.new_hire_days} days reviewed"]


def select_day(services: Services, day: date, queue: str | None = None) -> list[QueueDay]:
    """Run the sampling rules over the day's scored calls, each queue by its own rules (only
    `queue` when given), replacing what an earlier run selected for that queue's day."""
    start, end = day_bounds(services, day)
    by_queue: dict[str, list[ScoredCall]] = defaultdict(list)
    for scored in services.selections.scored_between(start, end):
        by_queue[scored.call.queue or ""].append(scored)
    if queue is not None:
        by_queue = {queue: by_queue.get(queue, [])}
    agents = sorted({s.call.agent_id for group in by_queue.values() for s in group if s.call.agent_id})
    start_dates = {agent_id: row.start_date for agent_id, row in services.roster.of(agents).items()}
    done = []
    for name, group in sorted(by_queue.items()):
        calls = [_day_call(scored) for scored in group]
        plan = plan_day(
            day,
            calls,
            services.settings.sampling_rules(name or None),
            services.settings.report_zone,
            start_dates,
            services.selections.selected_before(name, week_start(day), day),
        )
        rows = [
            SelectionRow(
                s.call_id,
                s.agent_id,
                [str(rule) for rule in s.rules],
                list(s.reasons),
                s.inclusion_probability,
                s.over_capacity,
            )
            for s in plan.selections
        ]
        services.selections.replace_day(name, day, [c.call_id for c in calls], rows)
        log.info(
            "day sampled",
            day=day.isoformat(),
            queue=name,
            calls=plan.calls,
            selected=len(plan.selections),
            over_capacity=plan.over_capacity,
        )
        done.append(QueueDay(name, plan))
    return done


def _day_call(scored: ScoredCall) -> DayCall:
    call = scored.call
    routing = RoutingDecision.model_validate(scored.routing)
    flagged = routing.queue == RoutingQueue.REVIEW and not routing.audit_sample
    return DayCall(
        call_id=call.id,
        agent_id=call.agent_id,
        started_at=call.started_at or call.created_at,
        flagged=flagged,
        audit_sample=routing.audit_sample,
        audit_rate=0.0 if flagged else routing.inclusion_probability,
        priority=routing.priority,
        score=call.score_total,
    )


def pass_rate_report(
    services: Services, by: GroupBy, first: date | None = None, last: date | None = None
) -> list[PassRate]:
    """Pass rates per agent or team (the roster's team where the call names none) of the calls
    that happened from `first` to `last` (days in the report zone, both included)."""
    start = _midnight(services, first, 0)
    end = _midnight(services, last, 1)
    calls = [
        PassRateCall(
            group=row.agent_id if by == GroupBy.AGENT else row.team,
            machine_pass=row.verdict == Verdict.PASS,
            inclusion_probability=row.inclusion_probability,
            human_pass=row.final_verdict == Verdict.PASS if row.reviewed and row.final_verdict else None,
        )
        for row in services.selections.outcomes(start, end)
    ]
    return pass_rates(calls)


def _midnight(services: Services, day: date | None, days_after: int) -> datetime | None:
    """Midnight (UTC time) of the day `days_after` this one in the report zone; None, no bound,
    for no day or one at the end of the calendar."""
    if day is None:
        return None
    try:
        midnight = datetime.combine(day + timedelta(days=days_after), time.min, services.settings.report_zone)
        return midnight.astimezone(UTC)
    except OverflowError:
        return None


def sampled_reasons(selection: SampleSelection | None, routing_reasons: list[str] | None) -> list[str]:
    """What the sampling rules say of a call beyond what routing says (the queue and call pages)."""
    if selection is None:
        return []
    sampled = sampling_reasons(selection.rules, selection.reasons)
    return [s.reason for s in not_said_by_routing(sampled, routing_reasons or [])]
