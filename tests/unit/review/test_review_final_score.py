"""The score after review: the inspector's decision wins, scored by the card's own rules."""

from __future__ import annotations

from review.final_score import ItemDecision, final_score
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from tests.support.transcripts import segment, transcript


def _machine():  # type: ignore[no-untyped-def]
    card = ScorecardCatalog.load().get("generic-en")
    call = transcript(
        [
            segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, my name is Ann."),
            segment("customer", 4.0, 9.0, "I want to change my tariff."),
            segment("agent", 10.0, 14.0, "Sure, I have changed it. Anything else? Goodbye."),
        ]
    )
    return card, analyse(call, card).score


def test_overriding_a_failed_critical_item_passes_the_call() -> None:
    card, machine = _machine()
    critical = next(i for i in machine.items if i.critical and i.status == "fail")
    assert machine.verdict == "fail"
    final = final_score(
        card, machine, {critical.item_id: ItemDecision("pass", "token 1 (inspector)", "said at 0:02")}
    )
    reviewed = next(i for i in final.items if i.item_id == critical.item_id)
    assert reviewed.status == "pass" and reviewed.points == reviewed.max_points > 0
    assert "reviewed by token 1 (inspector): said at 0:02" in reviewed.reason
    assert final.total is not None and machine.total is not None and final.total > machine.total
    assert machine.items[0].status == _machine()[1].items[0].status  # the machine's score is untouched


def test_na_leaves_the_maximum_and_confirming_changes_nothing() -> None:
    card, machine = _machine()
    passed = next(i for i in machine.items if i.status == "pass")
    confirmed = final_score(card, machine, {passed.item_id: ItemDecision("pass", "token 2 (supervisor)")})
    assert confirmed.total == machine.total and confirmed.verdict == machine.verdict
    na = final_score(card, machine, {passed.item_id: ItemDecision("na", "token 2 (supervisor)")})
    item = next(i for i in na.items if i.item_id == passed.item_id)
    assert item.status == "na" and item.max_points == 0.0
    assert na.total is not None and machine.total is not None and na.total < machine.total
