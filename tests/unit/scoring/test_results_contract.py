"""The stored results are a versioned contract: stable finding ids, old rows upgraded on read,
and N/A reasons that read as reasons."""

from __future__ import annotations

from typing import Any

import pytest

from asr.transcript import TRANSCRIPT_SCHEMA_VERSION, Transcript, upgrade_transcript
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.results import (
    ANALYSIS_SCHEMA_VERSION,
    Analysis,
    Finding,
    ItemStatus,
    make_ids_unique,
    upgrade_analysis,
)
from scoring.scorecard import ScorecardError, parse_scorecard
from tests.support.transcripts import segment, transcript


def call() -> Transcript:
    return transcript(
        [
            segment("agent", 0.5, 4.0, "Good morning, thanks for calling Northwind Water, this is Sam."),
            segment("customer", 8.0, 11.0, "This is outrageous, I want to speak to your manager."),
            segment("agent", 40.0, 43.0, "Is there anything else I can help you with?"),
            segment("customer", 43.5, 44.5, "No."),
        ],
        duration=46.0,
    )


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyse(call(), ScorecardCatalog.load().get("generic-en"))


def test_finding_ids_are_stable_unique_and_shared_with_the_evidence(analysis: Analysis) -> None:
    again = analyse(call(), ScorecardCatalog.load().get("generic-en"))
    ids = [f.id for f in analysis.findings]
    assert ids == [f.id for f in again.findings]
    assert len(set(ids)) == len(ids) and all(ids)
    evidence = [f for item in analysis.score.items for f in item.evidence]
    assert evidence and {f.id for f in evidence} <= set(ids)


def test_findings_alike_in_everything_hashed_get_numbered() -> None:
    twins = [Finding(kind="silence", start=1.0, end=5.0) for _ in range(3)]
    make_ids_unique(twins)
    base = twins[0].id
    assert [f.id for f in twins] == [base, f"{base}-2", f"{base}-3"]
    make_ids_unique(twins)  # a second pass (a stored analysis read again) changes nothing
    assert [f.id for f in twins] == [base, f"{base}-2", f"{base}-3"]


def test_an_analysis_stored_before_ids_is_upgraded_on_read(analysis: Analysis) -> None:
    old: dict[str, Any] = analysis.model_dump(mode="json", exclude={"schema_version"})
    for finding in [*old["findings"], *(f for item in old["score"]["items"] for f in item["evidence"])]:
        del finding["id"]
    assert upgrade_analysis(old)["schema_version"] == ANALYSIS_SCHEMA_VERSION
    read = Analysis.model_validate(old)
    assert read.schema_version == ANALYSIS_SCHEMA_VERSION
    assert read.model_dump() == analysis.model_dump()


def test_a_transcript_stored_before_versions_is_upgraded_and_a_newer_one_refused() -> None:
    old = call().model_dump(mode="json", exclude={"schema_version"})
    assert upgrade_transcript(old)["schema_version"] == TRANSCRIPT_SCHEMA_VERSION
    assert Transcript.model_validate(old) == call()
    with pytest.raises(ValueError, match="reads versions 1 to"):
        Transcript.model_validate({**old, "schema_version": TRANSCRIPT_SCHEMA_VERSION + 1})


CARD = """
id: na
version: 1
name: conditions
language: en
sections:
  - name: All
    items:
      - id: greeting
        label: Greeting
        weight: 20
        detector: phrase_present
        phrases: [thanks for calling]
      - id: thanks
        label: Thanks at the end
        weight: 20
        detector: phrase_present
        phrases: [thank you for your patience]
        applies_if: {customer_sentiment_end: [positive]}
      - id: account
        label: Account check
        weight: 20
        detector: phrase_present
        phrases: [date of birth]
        applies_if: {phrases: [I can see your account]}
      - id: empathy
        label: Empathy
        weight: 20
        detector: phrase_present
        phrases: [I'm sorry to hear that]
        applies_if: {customer_sentiment_any: [positive]}
      - id: recovery
        label: Recovery
        weight: 20
        detector: phrase_present
        phrases: [we will make this right]
        applies_if: {customer_sentiment_end: [positive], na_reason: the customer left content}
"""


def test_not_applicable_says_what_was_not_met_or_the_cards_reason() -> None:
    items = {i.item_id: i for i in analyse(call(), parse_scorecard(CARD)).score.items}
    assert all(items[i].status == ItemStatus.NA for i in ("thanks", "account", "empathy", "recovery"))
    assert items["thanks"].reason == "not applicable: the customer did not end the call in a positive mood"
    assert items["account"].reason == "not applicable: the agent said none of the phrases that make it apply"
    assert items["empathy"].reason == "not applicable: the customer never sounded positive"
    assert items["recovery"].reason == "not applicable: the customer left content"


def test_an_na_reason_that_repeats_not_applicable_is_refused_with_its_line() -> None:
    card = CARD.replace("na_reason: the customer left content", "na_reason: 'not applicable: content'")
    with pytest.raises(
        ScorecardError, match=r":37: sections\.0\.items\.4\.applies_if\.na_reason: .*leave out"
    ):
        parse_scorecard(card)
