"""Excellent calls (优秀录音) for trainers: the calls worth playing to others, and per scorecard
item the best examples of it done well, at the moment it happens.

A call's excellence is a weighted mix of four signals a QA trainer looks for: a high score; a
customer who started upset and ended content (the hardest thing to do well); a first-contact
resolution (no "I called before" cue and no call back needed); and empathy shown. Only calls the
machine passed qualify: a call with a failed item is not an example to copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from insights.facts import CallFacts, Example, example
from scoring.results import ItemStatus, Verdict


@dataclass(frozen=True)
class ExcellenceWeights:
    """How much each signal counts (they sum to 1, so the result reads as a 0-1 mark).
    `empathy_items`: the scorecard items that are empathy (ids differ between cards)."""

    score: float = 0.5
    turnaround: float = 0.2
    first_contact: float = 0.15
    empathy: float = 0.15
    empathy_items: tuple[str, ...] = ("empathy",)


class ExcellentCall(BaseModel):
    example: Example
    excellence: float = Field(description="0-1: the weighted signals")
    signals: list[str] = Field(description="why it ranks here, in words")


class ItemExamples(BaseModel):
    item_id: str
    label: str
    examples: list[Example] = Field(description="passing calls with the item's evidence, best score first")


def rank_excellent(
    calls: Sequence[CallFacts], limit: int, weights: ExcellenceWeights = ExcellenceWeights()
) -> list[ExcellentCall]:
    passed = [call for call in calls if (call.final_verdict or call.verdict) == Verdict.PASS]
    ranked = [_excellent(call, weights) for call in passed]
    ranked.sort(key=lambda c: (-c.excellence, -(c.example.score or 0.0), c.example.call_id))
    return ranked[:limit]


def _excellent(call: CallFacts, weights: ExcellenceWeights) -> ExcellentCall:
    signals: list[str] = []
    mark = weights.score * (call.score or 0.0) / 100
    if call.score is not None:
        signals.append(f"score {call.score:.0f}")
    if call.customer_start == "negative" and call.customer_end in ("neutral", "positive"):
        mark += weights.turnaround * (1.0 if call.customer_end == "positive" else 0.5)
        signals.append(f"customer turned from negative to {call.customer_end}")
    if not call.repeat_contact and not call.recovery:
        mark += weights.first_contact
        signals.append("resolved at first contact (no repeat-contact cue, no call back needed)")
    if any(i.item_id in weights.empathy_items and i.status == ItemStatus.PASS for i in call.items):
        mark += weights.empathy
        signals.append("showed empathy with an upset caller")
    return ExcellentCall(example=example(call), excellence=round(mark, 4), signals=signals)


def best_examples(calls: Sequence[CallFacts], per_item: int) -> list[ItemExamples]:
    """Per item, the passing calls where it passed with evidence to play, the best score first
    (the verdict and item statuses after review: an item an inspector failed is no example)."""
    found: dict[str, list[tuple[CallFacts, int]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for call in calls:
        if (call.final_verdict or call.verdict) != Verdict.PASS:
            continue
        for index, item in enumerate(call.items):
            if item.status == ItemStatus.PASS and item.moment is not None:
                found[item.item_id].append((call, index))
                labels[item.item_id] = item.label
    rows = []
    for item_id in sorted(found):
        best = sorted(found[item_id], key=lambda pair: (-(pair[0].score or 0.0), pair[0].call_id))[:per_item]
        rows.append(
            ItemExamples(
                item_id=item_id,
                label=labels[item_id],
                examples=[example(call, call.items[index]) for call, index in best],
            )
        )
    return rows
