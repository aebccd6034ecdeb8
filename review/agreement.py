"""How well the machine agrees with inspectors, item by item, with how sure we can be of it.

Accuracy alone flatters an item that almost always passes (a machine that always says "pass"
agrees 95% of the time with a 95% pass rate), so every figure comes with Cohen's kappa, which
discounts the agreement expected by chance. Both come with 95% intervals: with the few dozen
reviews a new deployment has, the interval is the honest part of the number.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z95 = 1.959964


@dataclass(frozen=True)
class Pair:
    """One reviewed item: what the machine said and what the inspector decided."""

    item: str
    machine: str
    human: str


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class Agreement:
    item: str
    reviews: int
    accuracy: float
    accuracy_ci: Interval
    kappa: float | None
    """None when chance agreement is total (both raters used one label only): kappa is undefined."""
    kappa_ci: Interval | None


def wilson(successes: float, n: float, z: float = Z95) -> Interval:
    """Wilson's score interval for a proportion: sound at 0% and 100% and for small n, where the
    textbook p ± z·se interval leaves [0, 1] or collapses to a point. Counts may be fractional:
    an effective sample size of a weighted estimate (review/pass_rates.py)."""
    if n == 0:
        return Interval(0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> tuple[float, float] | None:
    """Cohen's kappa of two raters and its large-sample standard error, or None if undefined."""
    n = len(first)
    if n == 0 or n != len(second):
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / (n * n)
    if expected >= 1.0:
        return None
    kappa = (observed - expected) / (1 - expected)
    se = math.sqrt(max(observed * (1 - observed), 0.0) / (n * (1 - expected) ** 2))
    return kappa, se


def fleiss_kappa(ratings: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa: agreement of a fixed number of raters (two or more) on each subject.

    `ratings[i]` holds every rater's label for subject i. None when undefined (one label only).
    """
    if not ratings:
        return None
    raters = len(ratings[0])
    if raters < 2 or any(len(row) != raters for row in ratings):
        raise ValueError("every subject needs the same number of ratings, at least two")
    totals: Counter[str] = Counter()
    per_subject = []
    for row in ratings:
        counts = Counter(row)
        totals.update(counts)
        per_subject.append(sum(c * (c - 1) for c in counts.values()) / (raters * (raters - 1)))
    observed = sum(per_subject) / len(ratings)
    grand = len(ratings) * raters
    expected = sum((count / grand) ** 2 for count in totals.values())
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def agreement_by_item(pairs: Iterable[Pair]) -> list[Agreement]:
    """One row per item, and a last row `all` over every reviewed item."""
    grouped: dict[str, list[Pair]] = defaultdict(list)
    everything: list[Pair] = []
    for pair in pairs:
        grouped[pair.item].append(pair)
        everything.append(pair)
    rows = [_agreement(item, grouped[item]) for item in sorted(grouped)]
    return [*rows, _agreement("all", everything)] if everything else []


def _agreement(item: str, pairs: list[Pair]) -> Agreement:
    agree = sum(p.machine == p.human for p in pairs)
    kappa = cohen_kappa([p.machine for p in pairs], [p.human for p in pairs])
    return Agreement(
        item=item,
        reviews=len(pairs),
        accuracy=agree / len(pairs),
        accuracy_ci=wilson(agree, len(pairs)),
        kappa=None if kappa is None else kappa[0],
        kappa_ci=None
        if kappa is None
        else Interval(max(-1.0, kappa[0] - Z95 * kappa[1]), min(1.0, kappa[0] + Z95 * kappa[1])),
    )
