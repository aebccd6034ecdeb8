"""Pass rates per agent or team, estimated from the reviewed selections without bias.

The machine's pass rate over every call is what the machine thinks; inspectors' verdicts are
the truth, but only on the calls sampling selected (review/sampling.py), and those are not a
plain random sample: flagged calls and new hires' calls are selected with certainty, the rest
with small probabilities. The raw pass rate of the reviewed calls is therefore biased low. Each
reviewed call stands for 1/π calls of the population (π its inclusion probability), and the
Hajek estimator, sum(y/π) / sum(1/π), is the population's pass rate up to a bias of order 1/n
(the Horvitz-Thompson total divided by the estimated population size, which is steadier than
dividing by the known size when few calls are reviewed).

The interval is Wilson's, which stays inside [0, 1] and does not collapse when every reviewed
call passed, on an effective sample size: the smaller of Kish's (sum w)² / sum w² (w = 1/π)
and p(1-p)/v, v being the estimator's linearised variance under independent (Poisson) sampling,
sum((1 - π)/π² (y - p)²) / N̂². The linearised variance alone is too small when a few heavy
weights happen to agree (three sampled calls that all passed say little about thirty), Kish's
alone ignores that calls reviewed with certainty (π = 1) have no sampling error; a group
reviewed in full is known exactly.

Selected calls not yet reviewed are left out (and counted): the estimate assumes a call's
review does not wait on whether it passes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from review.agreement import Z95, Interval, wilson

ALL = "all"
"""The group of every call."""


@dataclass(frozen=True)
class PassRateCall:
    """One scored call of the period."""

    group: str | None
    machine_pass: bool
    inclusion_probability: float | None = None
    """None: sampling did not select it."""
    human_pass: bool | None = None
    """The final verdict after review; None: not reviewed."""


@dataclass(frozen=True)
class PassRate:
    group: str
    calls: int
    machine_pass_rate: float
    selected: int
    reviewed: int
    reviewed_pass_rate: float | None
    """The raw rate over the reviewed calls, biased towards the calls selected for risk."""
    estimate: float | None
    """The Hajek estimate of the pass rate inspectors would give every call of the group."""
    interval: Interval | None


def pass_rates(calls: Iterable[PassRateCall], z: float = Z95) -> list[PassRate]:
    """One row per group (by name), then the row of all calls."""
    groups: dict[str, list[PassRateCall]] = defaultdict(list)
    everyone: list[PassRateCall] = []
    for call in calls:
        everyone.append(call)
        if call.group is not None:
            groups[call.group].append(call)
    return [estimate(name, groups[name], z) for name in sorted(groups)] + [estimate(ALL, everyone, z)]


def estimate(group: str, calls: list[PassRateCall], z: float = Z95) -> PassRate:
    reviewed = [c for c in calls if c.inclusion_probability and c.human_pass is not None]
    hajek = interval = raw = None
    if reviewed:
        raw = sum(bool(c.human_pass) for c in reviewed) / len(reviewed)
        hajek, interval = _hajek(reviewed, z)
    return PassRate(
        group=group,
        calls=len(calls),
        machine_pass_rate=sum(c.machine_pass for c in calls) / len(calls) if calls else 0.0,
        selected=sum(c.inclusion_probability is not None for c in calls),
        reviewed=len(reviewed),
        reviewed_pass_rate=raw,
        estimate=hajek,
        interval=interval,
    )


def _hajek(reviewed: list[PassRateCall], z: float) -> tuple[float, Interval]:
    weights = [1.0 / (c.inclusion_probability or 1.0) for c in reviewed]
    outcomes = [1.0 if c.human_pass else 0.0 for c in reviewed]
    population = sum(weights)
    rate = sum(w * y for w, y in zip(weights, outcomes, strict=True)) / population
    variance = sum((1 - 1 / w) * w * w * (y - rate) ** 2 for w, y in zip(weights, outcomes, strict=True)) / (
        population * population
    )
    if all(w == 1.0 for w in weights):
        return rate, Interval(rate, rate)
    effective = population * population / sum(w * w for w in weights)
    if variance > 0 and 0 < rate < 1:
        effective = min(effective, rate * (1 - rate) / variance)
    return rate, wilson(rate * effective, effective, z)
