"""Which of a day's calls inspectors review, why, and with what probability: the sampling rules.

The rules QA teams use, per queue (`SamplingRules`): every call of a new hire in their first
days; at least N calls per agent per week; a random sample spread over the parts of the day
(peak, off-peak, shift change); then, up to the day's inspector capacity, the calls a review is
most likely to find defects in (review/ordering.py).

Each selection keeps its inclusion probability, the chance the design gave that call of being
selected, so that pass rates can be estimated from the selections without bias
(review/pass_rates.py). The design, for the calls of one queue on one day:

- new hires' calls: certain (1). They are never dropped for capacity; those beyond it are
  marked over capacity.
- routing's random audit (drawn as each call was scored, at `CALLQA_AUDIT_RATE`): q for a call
  routing did not flag, drawn independently of everything below.
- weekly minimum: agent a still needs `need` calls this week (counted from earlier days'
  selections); n_a = min(need, N_a) of the agent's N_a calls of the day are taken at random
  (simple random sampling without replacement), so each has n_a / N_a.
- time-slot spread: `spread_per_day` calls shared out over the slots that have calls; n_h of a
  slot's N_h calls taken at random: n_h / N_h.
- risk: the flagged calls (failed, near the pass mark, undecidable) with the most expected
  defects fill what capacity is left: certain (1) for those taken.

Every number of calls above (n_a, n_h, how many risk calls fit) is fixed by the day's calls
and earlier days' selections, never by the draws of the day, and each random draw is an
independent hash of the call id (a random permutation per rule), so a call's probability of
being selected by any rule is exactly 1 - (1 - q)(1 - n_a/N_a)(1 - n_h/N_h), or 1 when a certain
rule takes it. A call drawn by two rules is one selection with both reasons (the capacity it was
given by one of them is then left unused: the price of exact probabilities).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from review.ordering import ReviewCandidate, expected_defects, review_order


class SelectionRule(StrEnum):
    NEW_HIRE = "new_hire"
    AUDIT = "audit"
    WEEKLY_MINIMUM = "weekly_minimum"
    TIME_SLOT = "time_slot"
    RISK = "risk"


class TimeSlot(BaseModel):
    """A part of the day, as hour ranges [start, end) in the local time (`CALLQA_REPORT_TIMEZONE`)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=50)
    hours: list[tuple[int, int]] = Field(min_length=1)

    @field_validator("hours")
    @classmethod
    def _ranges(cls, hours: list[tuple[int, int]]) -> list[tuple[int, int]]:
        for start, end in hours:
            if not 0 <= start < end <= 24:
                raise ValueError(f"hour range {start}-{end} must satisfy 0 <= start < end <= 24")
        return hours


DEFAULT_SLOTS = [
    TimeSlot(name="off-peak", hours=[(0, 8), (19, 24)]),
    TimeSlot(name="shift change", hours=[(8, 9), (12, 14), (17, 19)]),
    TimeSlot(name="peak", hours=[(9, 12), (14, 17)]),
]


class SamplingRules(BaseModel):
    """One queue's sampling rules (`CALLQA_SAMPLING` for every queue, `queues.<name>.sampling`
    for one)."""

    model_config = ConfigDict(frozen=True)

    weekly_minimum: int = Field(default=3, ge=0, le=1000, description="calls reviewed per agent per week")
    new_hire_days: int = Field(
        default=7, ge=0, le=365, description="days from an agent's start date whose calls are all reviewed"
    )
    daily_capacity: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="calls inspectors review per day in this queue; none: no limit",
    )
    spread_per_day: int = Field(
        default=6, ge=0, le=100_000, description="calls a day drawn at random, shared out over the time slots"
    )
    time_slots: list[TimeSlot] = Field(default_factory=lambda: list(DEFAULT_SLOTS))

    @model_validator(mode="after")
    def _slots_cover_the_day(self) -> SamplingRules:
        """Every hour in exactly one slot: a call in no slot could never be spread-sampled, and
        one in two slots would have two probabilities."""
        owners: dict[int, str] = {}
        for slot in self.time_slots:
            for start, end in slot.hours:
                for hour in range(start, end):
                    if hour in owners:
                        raise ValueError(f"hour {hour} is in both {owners[hour]!r} and {slot.name!r}")
                    owners[hour] = slot.name
        missing = sorted(set(range(24)) - set(owners))
        if missing:
            raise ValueError(f"hours {missing} are in no time slot")
        return self

    def slot_of(self, moment: datetime, zone: ZoneInfo) -> str:
        hour = moment.astimezone(zone).hour
        return next(s.name for s in self.time_slots for start, end in s.hours if start <= hour < end)

    def is_new_hire(self, start_date: date | None, day: date) -> bool:
        return start_date is not None and start_date <= day < start_date + timedelta(days=self.new_hire_days)


@dataclass(frozen=True)
class DayCall:
    """One scored call of the day, as the rules see it."""

    call_id: str
    agent_id: str | None
    started_at: datetime
    flagged: bool
    """Routing sent it to review for what the machine found (not for the random audit)."""
    audit_sample: bool
    audit_rate: float
    """The audit rate routing drew it at (0 for a flagged call: routing does not draw those)."""
    priority: float
    score: float | None = None

    @property
    def candidate(self) -> ReviewCandidate:
        return ReviewCandidate(self.call_id, self.priority, self.score)


@dataclass(frozen=True)
class Selection:
    call_id: str
    agent_id: str | None
    rules: tuple[SelectionRule, ...]
    reasons: tuple[str, ...]
    inclusion_probability: float
    over_capacity: bool = False


@dataclass(frozen=True)
class DayPlan:
    day: date
    calls: int
    capacity: int | None
    selections: list[Selection]

    @property
    def within_capacity(self) -> int:
        return sum(not s.over_capacity for s in self.selections)

    @property
    def over_capacity(self) -> int:
        return sum(s.over_capacity for s in self.selections)

    def count(self, rule: SelectionRule) -> int:
        return sum(rule in s.rules for s in self.selections)


def plan_day(
    day: date,
    calls: Sequence[DayCall],
    rules: SamplingRules,
    zone: ZoneInfo,
    start_dates: Mapping[str, date],
    selected_earlier_this_week: Mapping[str, int],
) -> DayPlan:
    """The day's selections for one queue, its day and slots read in `zone`. `start_dates`: the
    roster's start date per agent; `selected_earlier_this_week`: each agent's selections on
    earlier days of the ISO week."""
    picks: dict[str, _Pick] = {c.call_id: _Pick(c) for c in calls}
    budget = rules.daily_capacity

    mandatory = [
        c for c in calls if c.agent_id is not None and rules.is_new_hire(start_dates.get(c.agent_id), day)
    ]
    ranked = review_order(c.candidate for c in mandatory)
    for rank, candidate in enumerate(ranked):
        pick = picks[candidate.call_id]
        start = start_dates[pick.call.agent_id or ""]
        pick.certain(
            SelectionRule.NEW_HIRE, f"new hire: started {start.isoformat()}, first {rules.new_hire_days} days"
        )
        pick.over_capacity = budget is not None and rank >= budget
    if budget is not None:
        budget = max(0, budget - len(mandatory))
    sampled = [c for c in calls if not picks[c.call_id].is_certain]

    for call in sampled:
        reason = f"random audit sample (rate {call.audit_rate:.0%})"
        picks[call.call_id].offer(SelectionRule.AUDIT, call.audit_rate, reason, taken=call.audit_sample)

    by_agent: dict[str, list[DayCall]] = defaultdict(list)
    for call in sampled:
        if call.agent_id is not None:
            by_agent[call.agent_id].append(call)
    needs = {
        agent: max(
            0, rules.weekly_minimum - selected_earlier_this_week.get(agent, 0) - _certain_count(picks, agent)
        )
        for agent in by_agent
    }
    taken, budget = _share(needs, {a: len(cs) for a, cs in by_agent.items()}, budget)
    for agent, n in taken.items():
        frame = by_agent[agent]
        reason = (
            f"weekly minimum of {rules.weekly_minimum} for agent {agent}: {n} of the day's {len(frame)} calls"
        )
        _offer_subset(picks, frame, n, SelectionRule.WEEKLY_MINIMUM, reason)

    by_slot: dict[str, list[DayCall]] = defaultdict(list)
    for call in sampled:
        by_slot[rules.slot_of(call.started_at, zone)].append(call)
    sizes = {slot: len(frame) for slot, frame in by_slot.items()}
    wanted = rules.spread_per_day if budget is None else min(rules.spread_per_day, budget)
    shares, _ = _share(sizes, sizes, wanted)
    budget = None if budget is None else budget - sum(shares.values())
    for slot, n in shares.items():
        frame = by_slot[slot]
        _offer_subset(
            picks, frame, n, SelectionRule.TIME_SLOT, f"time slot {slot}: {n} of {len(frame)} calls"
        )

    flagged = review_order(c.candidate for c in sampled if c.flagged)
    for candidate in flagged if budget is None else flagged[:budget]:
        picks[candidate.call_id].certain(
            SelectionRule.RISK, f"flagged by the machine, {expected_defects(candidate):.2f} expected defects"
        )

    selections = [pick.selection for pick in picks.values() if pick.rules]
    return DayPlan(day, len(calls), rules.daily_capacity, sorted(selections, key=lambda s: s.call_id))


class _Pick:
    """One call's selection as the rules add to it."""

    def __init__(self, call: DayCall) -> None:
        self.call = call
        self.rules: list[SelectionRule] = []
        self.reasons: list[str] = []
        self.miss = 1.0
        """Probability that no rule so far would have selected the call."""
        self.over_capacity = False

    @property
    def is_certain(self) -> bool:
        return self.miss == 0.0

    def certain(self, rule: SelectionRule, reason: str) -> None:
        self.offer(rule, 1.0, reason, taken=True)

    def offer(self, rule: SelectionRule, probability: float, reason: str, taken: bool) -> None:
        """A rule that gave this call `probability`, and whether its draw took it: the chance
        counts either way, since the call's probability is over every draw that might have
        happened."""
        self.miss *= 1.0 - probability
        if taken:
            self.rules.append(rule)
            self.reasons.append(reason)

    @property
    def selection(self) -> Selection:
        return Selection(
            self.call.call_id,
            self.call.agent_id,
            tuple(self.rules),
            tuple(self.reasons),
            self.inclusion_probability,
            self.over_capacity,
        )

    @property
    def inclusion_probability(self) -> float:
        """1 - P(no rule selects it), over every rule that could have, selected or not."""
        return 1.0 - self.miss


def _certain_count(picks: Mapping[str, _Pick], agent: str) -> int:
    return sum(p.is_certain for p in picks.values() if p.call.agent_id == agent)


def _share(
    wants: Mapping[str, int], sizes: Mapping[str, int], budget: int | None
) -> tuple[dict[str, int], int | None]:
    """Give each stratum up to what it wants and has, one call at a time round the strata (the
    neediest first), until the budget runs out; what is left of the budget comes back."""
    wants = {k: min(w, sizes[k]) for k, w in wants.items()}
    given = dict.fromkeys(wants, 0)
    order = sorted(wants, key=lambda k: (-wants[k], k))
    left = budget
    while left is None or left > 0:
        progressed = False
        for key in order:
            if given[key] < wants[key] and (left is None or left > 0):
                given[key] += 1
                left = None if left is None else left - 1
                progressed = True
        if not progressed:
            break
    return {k: n for k, n in given.items() if n}, left


def _offer_subset(
    picks: Mapping[str, _Pick], frame: Sequence[DayCall], n: int, rule: SelectionRule, reason: str
) -> None:
    """n of the frame's calls drawn at random: each call of the frame had n / N."""
    taken = {c.call_id for c in _random_subset(frame, n, rule)}
    for call in frame:
        picks[call.call_id].offer(rule, n / len(frame), reason, taken=call.call_id in taken)


def _random_subset(frame: Sequence[DayCall], n: int, rule: SelectionRule) -> list[DayCall]:
    """n calls of the frame at random, without replacement: the first n in an order fixed by a
    hash of the rule and the call id (reproducible, and independent of every other rule's)."""
    return sorted(frame, key=lambda c: draw(rule, c.call_id))[:n]


def draw(rule: SelectionRule, call_id: str) -> bytes:
    return hashlib.sha256(f"callqa-sample:{rule}:{call_id}".encode()).digest()


def week_start(day: date) -> date:
    """Monday of the ISO week the day is in."""
    return day - timedelta(days=day.weekday())
