"""How far the pass-rate estimate is from the truth, against the raw rate of the reviewed calls.

A synthetic week: agents whose calls the machine flags now and then; inspectors pass 90% of the
calls the machine passed and 30% of those it flagged (so the true pass rate is known). Each day
the sampling rules (review/sampling.py, default slots, a capacity) select calls with fresh random
call ids; the selected calls get the inspectors' verdicts; review/pass_rates.py estimates the
week's pass rate. Printed: the true rate, the mean raw rate of the reviewed calls, the mean
weighted estimate, and how often the 95% interval held the truth.

    .venv/bin/python benchmarks/sampling_bias.py [--runs 300]
"""

from __future__ import annotations

import argparse
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

from review.pass_rates import ALL, PassRateCall, pass_rates
from review.sampling import DayCall, SamplingRules, plan_day
from scoring.routing import audit_draw

MONDAY = date(2026, 11, 23)
AUDIT_RATE = 0.05


def week(rng: random.Random, agents: int, calls_per_day: int) -> list[tuple[date, str, int, bool, bool]]:
    """(day, agent, hour, flagged by the machine, passed by inspectors) of every call of a week."""
    rows = []
    for offset in range(5):
        for agent in range(agents):
            for _ in range(calls_per_day):
                flagged = rng.random() < 0.2
                passed = rng.random() < (0.3 if flagged else 0.9)
                rows.append(
                    (MONDAY + timedelta(days=offset), f"a{agent}", rng.randrange(7, 21), flagged, passed)
                )
    return rows


def one_run(
    rng: random.Random, rules: SamplingRules, agents: int, calls_per_day: int
) -> tuple[float, float, float, bool, float]:
    population = week(rng, agents, calls_per_day)
    truth = mean(passed for *_, passed in population)
    selected: dict[str, float] = {}
    earlier: dict[str, int] = {}
    units: list[tuple[str, bool, bool]] = []
    for day in sorted({row[0] for row in population}):
        calls = []
        for d, agent, hour, flagged, passed in population:
            if d != day:
                continue
            call_id = uuid.UUID(int=rng.getrandbits(128)).hex
            audit = not flagged and audit_draw(call_id) < AUDIT_RATE
            calls.append(
                DayCall(
                    call_id,
                    agent,
                    datetime(d.year, d.month, d.day, hour, tzinfo=UTC),
                    flagged,
                    audit,
                    0.0 if flagged else AUDIT_RATE,
                    rng.random() if flagged else 0.0,
                )
            )
            units.append((call_id, not flagged, passed))
        plan = plan_day(day, calls, rules, ZoneInfo("UTC"), {}, earlier)  # one week
        for selection in plan.selections:
            selected[selection.call_id] = selection.inclusion_probability
            if selection.agent_id is not None:
                earlier[selection.agent_id] = earlier.get(selection.agent_id, 0) + 1
    estimated = [
        PassRateCall("x", machine, selected.get(call_id), passed if call_id in selected else None)
        for call_id, machine, passed in units
    ]
    overall = next(row for row in pass_rates(estimated) if row.group == ALL)
    assert overall.estimate is not None and overall.reviewed_pass_rate is not None and overall.interval
    held = overall.interval.low <= truth <= overall.interval.high
    width = overall.interval.high - overall.interval.low
    return truth, overall.reviewed_pass_rate, overall.estimate, held, width


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--calls-per-day", type=int, default=12)
    parser.add_argument("--capacity", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(20261127)
    rules = SamplingRules(daily_capacity=args.capacity)
    results = [one_run(rng, rules, args.agents, args.calls_per_day) for _ in range(args.runs)]
    truth = mean(r[0] for r in results)
    raw = mean(r[1] for r in results)
    estimate = mean(r[2] for r in results)
    errors = [abs(r[2] - r[0]) for r in results]
    print(
        f"{args.runs} synthetic weeks, {args.agents} agents x {args.calls_per_day} calls a day, "
        f"capacity {args.capacity}/day"
    )
    print(f"true pass rate (mean)           {truth:.3f}")
    print(f"raw rate of the reviewed calls  {raw:.3f}  (bias {raw - truth:+.3f})")
    print(
        f"weighted estimate (Hajek)       {estimate:.3f}  (bias {estimate - truth:+.3f}, "
        f"mean |error| {mean(errors):.3f})"
    )
    held = sum(r[3] for r in results) / len(results)
    width = mean(r[4] for r in results)
    print(f"95% interval held the truth     {held:.0%} of the weeks (mean width {width:.3f})")


if __name__ == "__main__":
    main()
