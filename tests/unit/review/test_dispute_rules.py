"""The dispute rules alone (review/disputes.py): the window, and who may dispute what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from review.disputes import DisputeRequest, DisputeWindow, Refusal, accepted_status, refusal
from scoring.results import ItemStatus

SCORED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_the_window_runs_from_the_later_of_scoring_and_review() -> None:
    window = DisputeWindow()
    assert window.closes_at(SCORED) == SCORED + timedelta(days=7)
    assert window.closes_at(SCORED, SCORED + timedelta(days=10)) == SCORED + timedelta(days=17)
    assert DisputeWindow(days=3).closes_at(SCORED, SCORED - timedelta(days=1)) == SCORED + timedelta(days=3)


def test_who_may_dispute_what() -> None:
    fine = DisputeRequest("A1", "A1", ItemStatus.FAIL, False, SCORED + timedelta(days=7), SCORED)
    assert refusal(fine) is None
    assert refusal(replace(fine, item_status=ItemStatus.PASS)) is None
    cases = {
        Refusal.NOT_YOURS: replace(fine, agent_id="A2"),
        Refusal.NO_SUCH_ITEM: replace(fine, item_status=None),
        Refusal.NOT_SCORED: replace(fine, item_status=ItemStatus.UNDECIDABLE),
        Refusal.ALREADY_DISPUTED: replace(fine, already_disputed=True),
        Refusal.WINDOW_CLOSED: replace(fine, now=fine.closes_at),
    }
    for expected, request in cases.items():
        refused = refusal(request)
        assert refused is not None and refused.refusal == expected
    unknown_agent = refusal(replace(fine, agent_id=None, call_agent_id=None))
    assert unknown_agent is not None and unknown_agent.refusal == Refusal.NOT_YOURS  # no agent id: no call


def test_a_supervisor_accepts_with_a_human_status_only() -> None:
    assert accepted_status(ItemStatus.NA) == ItemStatus.NA
    with pytest.raises(ValueError):
        accepted_status(ItemStatus.UNDECIDABLE)
