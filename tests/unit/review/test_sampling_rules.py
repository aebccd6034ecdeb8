"""The sampling rules (review/sampling.py) and the pass-rate estimator (review/pass_rates.py), pure."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from review.ordering import ReviewCandidate, review_order
from review.pass_rates import ALL, PassRateCall, pass_rates
from review.sampling import DayCall, SamplingRules, SelectionRule, TimeSlot, plan_day, week_start
from scoring.routing import audit_draw

DAY = date(2026, 11, 25)  # a Wednesday
UTC_ZONE = ZoneInfo("UTC")


def call(
    agent: str | None = "a1",
    hour: int = 10,
    flagged: bool = False,
    priority: float | None = None,
    audit_rate: float = 0.0,
    call_id: str | None = None,
) -> DayCall:
    call_id = call_id or uuid.uuid4().hex
    audit = not flagged and audit_draw(call_id) < audit_rate
    return DayCall(
        call_id=call_id,
        agent_id=agent,
        started_at=datetime(DAY.year, DAY.month, DAY.day, hour, 30, tzinfo=UTC),
        flagged=flagged,
        audit_sample=audit,
        audit_rate=0.0 if flagged else audit_rate,
        priority=priority if priority is not None else (1.0 if flagged else 0.1 if audit else 0.0),
        score=50.0 if flagged else 95.0,
    )


def plan(calls: list[DayCall], rules: SamplingRules, starts: dict[str, date] | None = None, earlier=None):  # type: ignore[no-untyped-def]
    return plan_day(DAY, calls, rules, UTC_ZONE, starts or {}, earlier or {})


def test_time_slots_must_cover_the_day_once() -> None:
    with pytest.raises(ValidationError, match=r"hours \[.*\] are in no time slot"):
        SamplingRules(time_slots=[TimeSlot(name="day", hours=[(8, 20)])])
    with pytest.raises(ValidationError, match="hour 9 is in both 'a' and 'b'"):
        SamplingRules(time_slots=[TimeSlot(name="a", hours=[(0, 10)]), TimeSlot(name="b", hours=[(9, 24)])])
    with pytest.raises(ValidationError, match="0 <= start < end <= 24"):
        TimeSlot(name="x", hours=[(20, 8)])
    assert (
        SamplingRules().slot_of(datetime(2026, 1, 1, 12, 30, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))
        == "off-peak"
    )


def test_a_new_hires_calls_are_all_selected_even_over_capacity() -> None:
    rules = SamplingRules(daily_capacity=3, weekly_minimum=0, spread_per_day=0)
    calls = [call("new", priority=p) for p in (0.0, 0.5, 1.0, 0.1, 0.0)] + [call("old", flagged=True)]
    result = plan(calls, rules, {"new": DAY - timedelta(days=6), "old": DAY - timedelta(days=7)})
    new = [s for s in result.selections if s.agent_id == "new"]
    assert len(new) == 5 and all(s.inclusion_probability == 1.0 for s in new)
    assert all(s.rules == (SelectionRule.NEW_HIRE,) for s in new)
    assert "new hire: started 2026-11-19, first 7 days" in new[0].reasons
    assert result.over_capacity == 2  # the two with the fewest expected defects
    by_id = {c.call_id: c for c in calls}
    assert sorted(by_id[s.call_id].priority for s in new if s.over_capacity) == [0.0, 0.0]
    assert [s.agent_id for s in result.selections if s.agent_id == "old"] == []  # no capacity left


def test_weekly_minimum_counts_earlier_days_and_draws_the_rest_at_random() -> None:
    rules = SamplingRules(weekly_minimum=3, spread_per_day=0)
    calls = [call("a1") for _ in range(10)] + [call("a2") for _ in range(2)] + [call("a3") for _ in range(5)]
    result = plan(calls, rules, earlier={"a1": 1, "a3": 3})
    counts = Counter(s.agent_id for s in result.selections)
    assert counts == {"a1": 2, "a2": 2}
    a1 = [s for s in result.selections if s.agent_id == "a1"]
    assert all(s.inclusion_probability == pytest.approx(2 / 10) for s in a1)
    assert "weekly minimum of 3 for agent a1: 2 of the day's 10 calls" in a1[0].reasons
    assert all(s.inclusion_probability == 1.0 for s in result.selections if s.agent_id == "a2")


def test_spread_sample_covers_every_slot_that_has_calls() -> None:
    rules = SamplingRules(weekly_minimum=0, spread_per_day=3)
    calls = [call(hour=10) for _ in range(30)] + [call(hour=21) for _ in range(4)] + [call(hour=13)]
    result = plan(calls, rules)
    slots = Counter(
        rules.slot_of(c.started_at, UTC_ZONE)
        for c in calls
        if c.call_id in {s.call_id for s in result.selections}
    )
    assert slots == {"off-peak": 1, "shift change": 1, "peak": 1}
    probability = {s.reasons[0]: s.inclusion_probability for s in result.selections}
    assert probability == {
        "time slot off-peak: 1 of 4 calls": pytest.approx(1 / 4),
        "time slot shift change: 1 of 1 calls": 1.0,
        "time slot peak: 1 of 30 calls": pytest.approx(1 / 30),
    }


def test_capacity_fills_with_the_flagged_calls_most_likely_to_have_defects() -> None:
    calls = [call("a1", flagged=True, priority=p) for p in (0.5, 0.9, 0.2, 0.7)] + [
        call("a2") for _ in range(5)
    ]
    by_id = {c.call_id: c for c in calls}
    for weekly, taken in ((0, [0.5, 0.7, 0.9]), (1, [0.9])):  # 4 - weekly minimum (one each) - spread (1)
        result = plan(calls, SamplingRules(daily_capacity=4, weekly_minimum=weekly, spread_per_day=1))
        assert result.within_capacity <= 4
        risk = [s for s in result.selections if SelectionRule.RISK in s.rules]
        assert sorted(by_id[s.call_id].priority for s in risk) == taken
        assert all(s.inclusion_probability == 1.0 for s in risk)
        assert "flagged by the machine, 0.90 expected defects" in risk[-1].reasons or len(risk) > 1


def test_review_order_is_expected_defects_then_score() -> None:
    ordered = review_order(
        [ReviewCandidate("a", 0.5, 80), ReviewCandidate("b", 1.0, 40), ReviewCandidate("c", 0.5, 70)]
    )
    assert [c.call_id for c in ordered] == ["b", "c", "a"]


def test_week_starts_on_monday() -> None:
    assert week_start(DAY) == date(2026, 11, 23)


def population(n_agents: int = 4, per_agent: int = 15) -> list[tuple[str, int, bool]]:
    """(agent, hour, flagged) of a day's calls: a fixed shape the draws are repeated on."""
    rng = random.Random(7)
    return [
        (f"a{a}", rng.choice([3, 10, 10, 11, 13, 15, 20]), rng.random() < 0.25)
        for a in range(n_agents)
        for _ in range(per_agent)
    ]


def test_the_stored_probabilities_are_the_real_selection_frequencies() -> None:
    """Every call's recorded inclusion probability matches how often it is actually selected when
    the day's draws are repeated (fresh call ids, the same calls), whatever rules took it."""
    shape = population()
    rules = SamplingRules(daily_capacity=20, weekly_minimum=3, spread_per_day=6)
    earlier = {"a0": 2, "a1": 5}
    runs = 400
    selected = [0] * len(shape)
    recorded: list[set[float]] = [set() for _ in shape]
    for _ in range(runs):
        calls = [
            call(a, h, f, priority=0.5 + 0.01 * i if f else None, audit_rate=0.1)
            for i, (a, h, f) in enumerate(shape)
        ]
        result = plan(calls, rules, earlier=earlier)
        chosen = {s.call_id: s.inclusion_probability for s in result.selections}
        for i, c in enumerate(calls):
            if c.call_id in chosen:
                selected[i] += 1
                recorded[i].add(round(chosen[c.call_id], 9))
    for i in range(len(shape)):
        if selected[i] == 0:
            continue
        assert len(recorded[i]) == 1, "a call's probability depends only on the day's shape"
        probability = recorded[i].pop()
        tolerance = 4 * (probability * (1 - probability) / runs) ** 0.5 + 1e-9
        assert selected[i] / runs == pytest.approx(probability, abs=tolerance)


def test_weighted_pass_rate_is_unbiased_where_the_raw_review_rate_is_not() -> None:
    """A synthetic population where inspectors pass 90% of the calls the machine passed and 30% of
    those it flagged: the true pass rate is known; the reviewed calls over-represent flagged ones."""
    rng = random.Random(11)
    shape = population(n_agents=5, per_agent=20)
    truth_rng = random.Random(3)
    human = [truth_rng.random() < (0.3 if flagged else 0.9) for _, _, flagged in shape]
    true_rate = mean(human)
    rules = SamplingRules(daily_capacity=25, weekly_minimum=2, spread_per_day=6)
    estimates, raw = [], []
    for _ in range(200):
        calls = [call(a, h, f, priority=rng.random() if f else None, audit_rate=0.05) for a, h, f in shape]
        chosen = {s.call_id: s.inclusion_probability for s in plan(calls, rules).selections}
        units = [
            PassRateCall(
                group=c.agent_id,
                machine_pass=not c.flagged,
                inclusion_probability=chosen.get(c.call_id),
                human_pass=human[i] if c.call_id in chosen else None,
            )
            for i, c in enumerate(calls)
        ]
        overall = next(r for r in pass_rates(units) if r.group == ALL)
        assert overall.estimate is not None and overall.reviewed_pass_rate is not None
        estimates.append(overall.estimate)
        raw.append(overall.reviewed_pass_rate)
    assert mean(estimates) == pytest.approx(true_rate, abs=0.02)
    assert mean(raw) < true_rate - 0.05


def test_pass_rate_rows_and_intervals() -> None:
    units = [PassRateCall("t1", True, 1.0, True), PassRateCall("t1", False, 1.0, False)]
    units += [PassRateCall("t2", True, 0.1, True) for _ in range(3)] + [
        PassRateCall("t2", True) for _ in range(27)
    ]
    units += [PassRateCall("t3", True, 0.5, None), PassRateCall(None, False)]
    rows = {r.group: r for r in pass_rates(units)}
    assert list(rows) == ["t1", "t2", "t3", ALL]
    t1 = rows["t1"]
    assert (t1.estimate, t1.interval.low, t1.interval.high) == (0.5, 0.5, 0.5)  # type: ignore[union-attr]
    t2 = rows["t2"]
    assert (
        t2.estimate == 1.0 and t2.interval is not None and t2.interval.low < 0.5 and t2.interval.high == 1.0
    )
    assert (t2.calls, t2.selected, t2.reviewed, t2.machine_pass_rate) == (30, 3, 3, 1.0)
    t3 = rows["t3"]
    assert (t3.selected, t3.reviewed, t3.estimate, t3.interval) == (1, 0, None, None)
    everyone = rows[ALL]
    assert (everyone.calls, everyone.reviewed, everyone.estimate) == (34, 5, pytest.approx(31 / 32))
    assert everyone.interval is not None and everyone.interval.low < 0.7  # 3 sampled calls of 30 say little
