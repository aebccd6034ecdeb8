"""Error cases and training needs: what trainers coach on.

Error cases (错误案例): the items failed most often, each with example calls at the failing moment.
Training needs: per agent (or team), the items they fail more often than their peers do, so
coaching goes where someone is behind the others, not where the whole floor struggles (that is a
script or process issue, which the systemic-issue alert points at).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from insights.facts import CallFacts, Example, example
from insights.report import item_failures
from scoring.results import ItemStatus


class ErrorCase(BaseModel):
    item_id: str
    label: str
    failed: int
    decided: int
    reviewed: int = Field(default=0, description="of the decided, calls where an inspector decided it")
    rate: float
    examples: list[Example] = Field(description="failed calls at the failing moment, the newest first")


class Peers(StrEnum):
    AGENT = "agent"
    TEAM = "team"


class TrainingNeed(BaseModel):
    key: str = Field(description="the agent id or team")
    item_id: str
    label: str
    failed: int
    decided: int
    reviewed: int = Field(default=0, description="of the decided, calls where an inspector decided it")
    rate: float
    peer_rate: float = Field(description="the failure rate of everyone else on the item")
    gap: float = Field(description="rate - peer_rate")


def error_cases(calls: Sequence[CallFacts], items: int, per_item: int) -> list[ErrorCase]:
    newest = sorted(calls, key=lambda c: (c.started_at, c.call_id), reverse=True)
    cases = []
    for row in item_failures(calls)[:items]:
        failing = [
            (call, item)
            for call in newest
            for item in call.items
            if item.item_id == row.item_id and item.status == ItemStatus.FAIL
        ]
        cases.append(
            ErrorCase(
                **row.model_dump(),
                examples=[example(call, item) for call, item in failing[:per_item]],
            )
        )
    return cases


def training_needs(
    calls: Sequence[CallFacts], by: Peers, min_decided: int = 3, min_gap: float = 0.1
) -> list[TrainingNeed]:
    """Items where an agent's (team's) failure rate is at least `min_gap` above everyone else's,
    on at least `min_decided` of their calls; the largest gap first."""
    key: Callable[[CallFacts], str | None] = (
        (lambda c: c.agent_id) if by == Peers.AGENT else (lambda c: c.team)
    )
    failed: dict[tuple[str, str], int] = defaultdict(int)
    decided: dict[tuple[str, str], int] = defaultdict(int)
    reviewed: dict[tuple[str, str], int] = defaultdict(int)
    total_failed: dict[str, int] = defaultdict(int)
    total_decided: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for call in calls:
        who = key(call)
        for item in call.items:
            if item.status not in (ItemStatus.PASS, ItemStatus.FAIL):
                continue
            fail = int(item.status == ItemStatus.FAIL)
            labels[item.item_id] = item.label
            total_failed[item.item_id] += fail
            total_decided[item.item_id] += 1
            if who:
                failed[who, item.item_id] += fail
                decided[who, item.item_id] += 1
                reviewed[who, item.item_id] += item.reviewed
    needs = []
    for (who, item_id), n in decided.items():
        others = total_decided[item_id] - n
        if n < min_decided or others == 0:
            continue
        rate = failed[who, item_id] / n
        peer_rate = (total_failed[item_id] - failed[who, item_id]) / others
        if rate - peer_rate >= min_gap:
            needs.append(
                TrainingNeed(
                    key=who,
                    item_id=item_id,
                    label=labels[item_id],
                    failed=failed[who, item_id],
                    decided=n,
                    reviewed=reviewed[who, item_id],
                    rate=round(rate, 4),
                    peer_rate=round(peer_rate, 4),
                    gap=round(rate - peer_rate, 4),
                )
            )
    return sorted(needs, key=lambda need: (-need.gap, need.key, need.item_id))
