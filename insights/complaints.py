"""Which of a call's customer turns are complaints: what complaint topics (投诉溯源) cluster.

A customer turn is a complaint when the sentiment head labelled it negative, or when it carries a
dissatisfaction cue (a threat to cancel, a regulator, a manager, "I called before": the escalation
cues of scoring/cues/escalation.yaml). Either signal alone misses complaints: "I was charged twice
again this month" is often scored neutral by sentiment, and "this is ridiculous" carries no cue.
Both already exist per call in English and Chinese (the sentiment head and the cue lists are
bilingual), so nothing is recomputed: the call's stored analysis is read, and the turn is the unit
because sentiment is labelled per turn and the search index stores one vector per turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.results import Analysis

NEGATIVE = "negative"
"""The reason given for a turn the sentiment head labelled negative (a cue gives its category)."""
_SLACK = 0.01
"""Seconds of rounding allowed when a cue's or a sentiment turn's times are matched to a turn."""


@dataclass(frozen=True)
class TurnSpan:
    """A customer turn as the search index holds it: its position in the call and its times."""

    position: int
    start: float
    end: float


@dataclass(frozen=True)
class Complaint:
    position: int
    reasons: tuple[str, ...]
    """`negative` and/or the cue categories found in the turn (`cancel`, `regulator`, ...)."""


def complaint_turns(analysis: Analysis, turns: Sequence[TurnSpan]) -> list[Complaint]:
    """The customer turns of `turns` that are complaints, in order, with why."""
    negative = [
        t.start
        for t in (analysis.sentiment.turns if analysis.sentiment else [])
        if t.speaker == "customer" and t.label == NEGATIVE
    ]
    cues = analysis.escalation.cues if analysis.escalation else []
    found = []
    for turn in turns:
        inside = turn.start - _SLACK, turn.end + _SLACK
        reasons = [NEGATIVE] if any(inside[0] <= start <= inside[1] for start in negative) else []
        reasons += sorted({c.category for c in cues if inside[0] <= c.start <= inside[1]})
        if reasons:
            found.append(Complaint(turn.position, tuple(reasons)))
    return found
