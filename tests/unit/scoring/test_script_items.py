"""Script steps in order, items placed before or after another item, and the empathy condition."""

from __future__ import annotations

import pytest

from scoring.evaluate import analyse
from scoring.results import ItemResult
from scoring.scorecard import ScorecardError, parse_scorecard
from tests.support.transcripts import segment, transcript

CARD = """
id: script-test
version: 1
name: Script test
language: en
pass_mark: 50
sections:
  - name: Flow
    items:
      - id: greeting
        label: Greeting
        weight: 20
        detector: phrase_present
        phrases: [thanks for calling]
      - id: disclosure_after_greeting
        label: Disclosure after the greeting
        weight: 20
        detector: phrase_present
        window: {after: greeting}
        phrases: [this call is recorded]
      - id: replacement
        label: Card replacement script
        weight: 40
        detector: script_steps
        partial_credit: true
        steps:
          - name: verify identity
            phrases: [can you confirm your date of birth]
          - name: block the card
            phrases: [I have blocked the old card]
          - name: delivery time
            phrases: [the new card arrives in five working days]
      - id: empathy
        label: Empathy
        weight: 20
        detector: phrase_present
        applies_if: {customer_sentiment_any: [negative], description: the customer is upset}
        phrases: [I'm sorry to hear that]
"""


def results(lines: list[tuple[str, float, float, str]]) -> dict[str, ItemResult]:
    call = transcript([segment(*line) for line in lines], duration=60.0)  # type: ignore[arg-type]
    return {i.item_id: i for i in analyse(call, parse_scorecard(CARD)).score.items}


def test_steps_in_order_pass_with_one_finding_per_step() -> None:
    found = results(
        [
            ("agent", 0.5, 3.0, "Thanks for calling Fabrikam Bank. This call is recorded."),
            ("customer", 4.0, 6.0, "Hi, I'd like a new card please."),
            ("agent", 7.0, 10.0, "Sure, can you confirm your date of birth?"),
            ("customer", 11.0, 12.0, "March third, eighty one."),
            ("agent", 13.0, 16.0, "Thank you. I have blocked the old card."),
            ("agent", 17.0, 20.0, "The new card arrives in five working days."),
        ]
    )
    script = found["replacement"]
    assert script.status == "pass" and script.points == 40
    assert [e.detail for e in script.evidence] == ["verify identity", "block the card", "delivery time"]
    assert found["disclosure_after_greeting"].status == "pass"
    assert found["empathy"].status == "na"
    assert found["empathy"].reason == "not applicable: the customer never sounded negative"


def test_missing_and_misplaced_steps_are_named_and_partially_credited() -> None:
    found = results(
        [
            ("agent", 0.5, 3.0, "This call is recorded. Thanks for calling Fabrikam Bank."),
            ("customer", 4.0, 6.0, "My card was stolen, this is a nightmare, I'm furious."),
            ("agent", 7.0, 10.0, "I have blocked the old card."),
            ("agent", 11.0, 14.0, "Now, can you confirm your date of birth?"),
        ]
    )
    script = found["replacement"]
    assert script.status == "fail"
    assert "missing: delivery time" in script.reason and "out of order: block the card" in script.reason
    assert script.points == pytest.approx(40 / 3, abs=0.01)
    assert found["disclosure_after_greeting"].status == "fail"  # said, but before the greeting
    assert found["empathy"].status == "fail"  # the customer was upset and nobody acknowledged it


def test_a_window_naming_a_later_or_unknown_item_is_refused() -> None:
    broken = CARD.replace("window: {after: greeting}", "window: {after: empathy}")
    with pytest.raises(ScorecardError, match="not an earlier item"):
        parse_scorecard(broken, "cards/script.yaml")
