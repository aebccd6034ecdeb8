"""When a review is complete: the rules an inspector's evaluation of a call must meet before it
leaves the queue as done, pure.

A review is a draft while the inspector decides items; completing it says "this is my evaluation",
so every item that applies must carry a person's decision (a confirmation counts), and the items
the card asks to explain (`Scorecard.comments_required`) must carry a comment, since the agent
reads them when acknowledging or disputing.
"""

from __future__ import annotations

from collections.abc import Mapping

from review.final_score import ItemDecision
from scoring.results import ItemStatus, Score
from scoring.scorecard import CommentsRequired


def completion_problems(
    machine: Score, decisions: Mapping[str, ItemDecision], comments: CommentsRequired
) -> list[str]:
    """What stops the review from being completed, one line per item; empty when it may be.

    An item applies unless its final status is N/A (the machine's, kept, or the inspector's)."""
    problems = []
    for item in machine.items:
        decision = decisions.get(item.item_id)
        if decision is None:
            if item.status != ItemStatus.NA:
                problems.append(f"{item.label}: not decided yet")
            continue
        overridden = decision.status != item.status
        needs_comment = (
            comments == CommentsRequired.FAILED_OR_OVERRIDDEN
            and (overridden or decision.status == ItemStatus.FAIL)
        ) or (comments == CommentsRequired.OVERRIDDEN and overridden)
        if needs_comment and not (decision.comment or "").strip():
            why = "overridden" if overridden else "failed"
            problems.append(f"{item.label}: {why}, and needs a comment saying why")
    return problems
