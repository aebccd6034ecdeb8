"""The order inspectors should work calls in: the most defects found per review first.

An inspector's day is limited, so the calls worth their time are those where a review most
likely finds a defect. Routing's priority is that number: the risk model's probability that an
inspector fails or changes the call when a model is active (models/risk.py), else the rules'
levels (1.0 a failed call, 0.5 near the pass mark or undecidable, 0.1 a random audit, 0.0 an
auto-pass), a ranking of the same thing on a coarser scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewCandidate:
    """What the ordering needs to know of a call."""

    call_id: str
    priority: float
    """Routing's priority (scoring/routing.py)."""
    score: float | None = None


def expected_defects(candidate: ReviewCandidate) -> float:
    """Defects a review of this call is expected to find."""
    return candidate.priority


def review_order(candidates: Iterable[ReviewCandidate]) -> list[ReviewCandidate]:
    """Most expected defects first; ties by the lower score (further from passing), then by id so
    that the order never depends on how the rows were read."""
    return sorted(
        candidates,
        key=lambda c: (
            -expected_defects(c),
            c.score if c.score is not None else float("inf"),
            c.call_id,
        ),
    )
