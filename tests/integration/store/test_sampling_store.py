"""The sampling rules over stored calls (services/sampling.py): the day's selections are stored with
their reasons and probabilities, enter the review queue, and give pass rates (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from runtime.services import Services
from scoring.routing import RoutingQueue, route
from services.sampling import GroupBy, new_hire_reasons, pass_rate_report, sample_yesterday_if_due, select_day
from store.review_queue import QueueFilter
from store.roster import AgentProfile
from tests.support.sampling import DAY, reviewed, scored
from tests.support.scoring import make_score


def test_a_days_selection_is_stored_queued_and_replaced_on_a_rerun(services: Services) -> None:
    services.roster.put("new", AgentProfile(team="blue", start_date=DAY - timedelta(days=2)))
    services.roster.put("old", AgentProfile(team="red", start_date=date(2025, 1, 6)))
    new_calls = [scored(services, "new", 10), scored(services, "new", 21)]
    old_calls = [scored(services, "old", hour) for hour in (9, 10, 10, 11, 15, 20, 22)]
    failed = scored(services, "old", 13, passed=False)
    scored(services, "other", 10)  # not on the roster: weekly minimum only

    [day] = select_day(services, DAY)
    picked = {s.call_id: s for s in day.plan.selections}
    assert set(new_calls) <= set(picked) and failed in picked
    assert all(picked[c].inclusion_probability == 1.0 for c in [*new_calls, failed])
    stored = services.selections.of_call(new_calls[0])
    assert stored is not None and stored.rules == ["new_hire"] and stored.day == DAY and stored.queue == ""
    assert stored.reasons == ["new hire: started 2026-11-23, first 7 days"]
    old_picked = [picked[c] for c in old_calls if c in picked]
    assert len(old_picked) >= 2  # the weekly minimum of 3 less the flagged call, plus the spread
    assert all(0 < s.inclusion_probability <= 1 for s in old_picked)
    assert any(s.inclusion_probability < 1 for s in old_picked)

    queued = {row.call.id for row in services.review_queue.page(QueueFilter(limit=100)).rows}
    assert set(picked) <= queued
    assert select_day(services, DAY)[0].plan.selections == day.plan.selections
    assert services.selections.selected_before("", DAY, DAY + timedelta(days=1))["old"] == len(old_picked) + 1


def test_new_hires_are_reviewed_from_routing_on(services: Services) -> None:
    services.roster.put("new", AgentProfile(start_date=DAY))
    call = services.calls.get(scored(services, "new", 10))
    assert call is not None
    reasons = new_hire_reasons(services, call)
    assert reasons == ["new hire: started 2026-11-25, first 7 days reviewed"]
    decision = route(call.id, make_score(95, "pass"), 0.0, mandatory=reasons)
    assert decision.queue == RoutingQueue.REVIEW and decision.inclusion_probability == 1.0
    services.roster.put("new", AgentProfile(start_date=DAY - timedelta(days=7)))
    assert new_hire_reasons(services, call) == []


def test_pass_rates_weight_the_reviewed_selections(services: Services) -> None:
    services.roster.put("a", AgentProfile(team="red", start_date=date(2025, 1, 6)))
    calls = [scored(services, "a", 10) for _ in range(6)] + [scored(services, "b", 10, team="blue")]
    failed = scored(services, "a", 11, passed=False)
    select_day(services, DAY)
    for call_id in [*calls, failed]:
        selection = services.selections.of_call(call_id)
        if selection is not None:
            reviewed(services, call_id, passed=call_id != failed)

    rows = {r.group: r for r in pass_rate_report(services, GroupBy.TEAM, DAY, DAY)}
    assert set(rows) == {"red", "blue", "all"}  # agent a's team from the roster
    red = rows["red"]
    assert (red.calls, red.machine_pass_rate) == (7, 6 / 7)
    assert red.reviewed == red.selected and red.estimate is not None and red.reviewed_pass_rate is not None
    assert red.reviewed_pass_rate < red.estimate < 1  # the failed call counts once, not as often as sampled
    assert pass_rate_report(services, GroupBy.AGENT, DAY + timedelta(days=1), None)[-1].calls == 0


def test_the_scheduled_job_samples_yesterday_once_after_report_time(services: Services) -> None:
    scored(services, "a", 10)
    morning = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert sample_yesterday_if_due(services, morning) == []
    [done] = sample_yesterday_if_due(services, morning + timedelta(hours=2))
    assert done.plan.day == DAY and len(done.plan.selections) == 1
    assert sample_yesterday_if_due(services, morning + timedelta(hours=3)) == []
