"""Every applicability decision carries its evidence: the sentence (or the customer's turn) that
made an item apply, or the N/A reason in words; older stored analyses read without it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from scoring.evaluate import analyse
from scoring.results import ANALYSIS_SCHEMA_VERSION, Analysis, ItemStatus
from scoring.scorecard import parse_scorecard
from tests.support.api import scored_call_with_pii, token
from tests.support.transcripts import segment, transcript
from tests.support.web import add_user, sign_in

CARD = parse_scorecard(
    """
id: applies
version: 1
name: applicability
language: en
sections:
  - name: All
    items:
      - id: greeting
        label: Greeting
        weight: 40
        detector: phrase_present
        phrases: [thanks for calling]
      - id: verification
        label: Verification
        weight: 30
        detector: phrase_present
        phrases: [can you confirm your date of birth]
        applies_if:
          phrases: [let me pull up your account]
          na_reason: no account work found
      - id: empathy
        label: Empathy
        weight: 30
        detector: phrase_present
        phrases: [I'm sorry to hear that]
        applies_if: {customer_sentiment_any: [negative]}
"""
)


def call(account: bool) -> Any:
    middle = (
        "Sure, let me pull up your account now." if account else "Sure, I can tell you our opening hours."
    )
    return transcript(
        [
            segment("agent", 0.5, 4.0, "Hello, thanks for calling Northwind, this is Sam."),
            segment("customer", 5.0, 8.0, "This is outrageous, I have been waiting for a week!"),
            segment("agent", 9.0, 12.0, middle),
            segment("customer", 13.0, 14.0, "Okay."),
        ],
        duration=15.0,
    )


def test_an_item_that_applies_quotes_the_sentence_that_made_it_apply() -> None:
    items = {i.item_id: i for i in analyse(call(account=True), CARD).score.items}
    why = items["verification"].applies_because
    assert items["verification"].status == ItemStatus.FAIL
    assert why is not None and why.kind == "applies" and why.item_id == "verification"
    assert why.speaker == "agent" and "pull up your account" in why.quote and why.start >= 9.0
    assert why.matched == "let me pull up your account" and why.id


def test_a_mood_condition_quotes_the_customer_turn_that_met_it() -> None:
    empathy = next(i for i in analyse(call(account=True), CARD).score.items if i.item_id == "empathy")
    assert empathy.applies_because is not None
    assert empathy.applies_because.speaker == "customer" and "outrageous" in empathy.applies_because.quote
    assert "negative" in empathy.applies_because.detail


def test_an_item_that_does_not_apply_says_why_and_quotes_nothing() -> None:
    items = {i.item_id: i for i in analyse(call(account=False), CARD).score.items}
    assert items["verification"].status == ItemStatus.NA
    assert items["verification"].reason == "not applicable: no account work found"
    assert items["verification"].applies_because is None
    assert items["greeting"].applies_because is None  # no condition: nothing to justify


def test_an_analysis_stored_before_applicability_evidence_reads_without_it() -> None:
    stored = analyse(call(account=True), CARD).model_dump(mode="json")
    stored["schema_version"] = 2
    for item in stored["score"]["items"]:
        del item["applies_because"]
    del stored["calibration_id"]
    read = Analysis.model_validate(stored)
    assert read.schema_version == ANALYSIS_SCHEMA_VERSION
    assert all(item.applies_because is None for item in read.score.items) and read.calibration_id is None


def test_the_api_and_the_call_page_show_what_made_an_item_apply_masked_where_they_must(
    client: TestClient,
) -> None:
    call_id = scored_call_with_pii(client, "A7")  # generic-en: empathy applies to an upset caller
    inspector = client.get(f"/calls/{call_id}", headers=token(client, "inspector")).json()
    empathy = next(i for i in inspector["scorecard"]["items"] if i["item_id"] == "empathy")
    assert empathy["applies_because"]["speaker"] == "customer"
    assert "4111 1111 1111 1111" in empathy["applies_because"]["quote"]
    trainer = client.get(f"/calls/{call_id}", headers=token(client, "trainer")).json()
    masked = next(i for i in trainer["scorecard"]["items"] if i["item_id"] == "empathy")["applies_because"]
    assert "4111" not in masked["quote"] and "[CARD]" in masked["quote"]
    add_user(client, "ivy", "inspector")
    assert sign_in(client, "ivy").status_code == 303
    page = client.get(f"/ui/calls/{call_id}").text
    assert "applies because:" in page and "This is outrageous" in page
