"""The final score of a reviewed call: the inspector's decision wins, item by item.

The machine's score is kept as it was; the final one is the same card scored again with the
reviewed items' statuses, through the very function that scored the machine's (so N/A items
leave the maximum and a failed critical item fails the call, exactly as for the machine).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scoring.evaluate import score
from scoring.results import ItemResult, ItemStatus, Score
from scoring.scorecard import Scorecard

HUMAN_STATUSES: tuple[ItemStatus, ...] = (ItemStatus.PASS, ItemStatus.FAIL, ItemStatus.NA)
"""What an inspector may decide. "undecidable" is the machine's way of asking a person; a
person who cannot decide leaves the item unreviewed."""


@dataclass(frozen=True)
class ItemDecision:
    status: ItemStatus
    reviewer: str
    comment: str | None = None


def final_score(card: Scorecard, machine: Score, decisions: Mapping[str, ItemDecision]) -> Score:
    """`machine` with every decided item set to the inspector's status and scored again.

    A human pass earns the item's full weight and a human fail none (partial credit is the
    machine's estimate of a script's steps; an inspector who fails the item has judged it whole).
    """
    weights = {item.id: item.weight for item in card.all_items()}
    results = [_decided(result, decisions.get(result.item_id), weights) for result in machine.items]
    return score(card, results)


def _decided(result: ItemResult, decision: ItemDecision | None, weights: Mapping[str, float]) -> ItemResult:
    if decision is None:
        return result
    if decision.status not in HUMAN_STATUSES:
        raise ValueError(f"an inspector decides pass, fail or na, not {decision.status!r}")
    weight = weights.get(result.item_id, result.max_points)
    said = f"reviewed by {decision.reviewer}" + (f": {decision.comment}" if decision.comment else "")
    return result.model_copy(
        update={
            "status": ItemStatus(decision.status),  # decisions read back from the database are strings
            "points": weight if decision.status == ItemStatus.PASS else 0.0,
            "max_points": 0.0 if decision.status == ItemStatus.NA else weight,
            "reason": said if decision.status != result.status else f"{result.reason} (confirmed, {said})",
        }
    )
