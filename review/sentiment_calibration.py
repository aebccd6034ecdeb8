"""The sentiment head refitted with inspectors' corrected customer-turn labels, and kept only if
it agrees with them at least as well as the head in use on corrected turns it did not learn from.

The same rules as the scorecard calibration (review/calibration.py): the newest share of the
corrected turns held out when there are enough, else contiguous folds in time order; accuracy and
Cohen's kappa with intervals before (the head in use) and after; activated when neither falls.
A turn is predicted as scoring predicts it (`turn_sentiment`: its most clearly polar clause).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from models.sentiment import turn_sentiment
from models.sentiment_refit import LabelledTurn, RefitSettings, SentimentHead, refit_head
from review.agreement import Pair
from review.calibration import Compared, Holdout, compare, splits

ITEM = "customer turn sentiment"


class HeadRun(BaseModel):
    head: SentimentHead = Field(description="refitted on every corrected turn")
    method: str = Field(description="time_split, k_fold or none")
    held_out: int
    items: list[Compared]
    activate: bool
    reasons: list[str] = Field(default_factory=list)


def refit_sentiment(
    shipped: SentimentHead,
    current: SentimentHead,
    corrected: Sequence[LabelledTurn],
    anchors: Sequence[LabelledTurn] = (),
    settings: RefitSettings = RefitSettings(),
    holdout: Holdout = Holdout(),
    version: str = "refit",
) -> HeadRun:
    """Refit `shipped` on `corrected` (oldest first; with `anchors`, the seed set), and compare it
    with `current` (the head in use) on held-out corrected turns. Every refit starts from the
    shipped head, so a version is a function of all corrections so far, not of the previous one."""
    folds = splits(corrected, holdout)
    before: list[Pair] = []
    after: list[Pair] = []
    for train, test in folds:
        before.extend(_pairs(current, test))
        after.extend(_pairs(refit_head(shipped, train, anchors, settings), test))
    compared = compare(before, after)
    reasons = [f"agreement falls on {c.item}" for c in compared if c.falls]
    if not folds:
        reasons.append(f"too few corrected turns to test on ({len(corrected)}; at least 2 are needed)")
    return HeadRun(
        head=refit_head(shipped, corrected, anchors, settings, version=version),
        method="none" if not folds else "time_split" if len(folds) == 1 else "k_fold",
        held_out=sum(len(test) for _, test in folds),
        items=compared,
        activate=not reasons,
        reasons=reasons,
    )


def _pairs(head: SentimentHead, turns: Sequence[LabelledTurn]) -> list[Pair]:
    predicted = turn_sentiment(head.model(), [t.text for t in turns])
    return [Pair(ITEM, p.label, t.label) for p, t in zip(predicted, turns, strict=True)]
