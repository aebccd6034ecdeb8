"""The `customer_name` item type (docs/extending.md's worked example): a card using it scores a
call, passing on the agent's words with the customer's introduction as evidence, failing or N/A
as the call says, and its cut-off is learnt from inspectors' corrections like any other."""

from __future__ import annotations

import pytest

from asr.transcript import Transcript
from review.calibration import Correction, apply, fit
from scoring.evaluate import analyse
from scoring.items.base import Marks
from scoring.items.customer_name import CustomerNameItem
from scoring.results import FindingKind, ItemResult, ItemStatus
from scoring.scorecard import Scorecard, parse_scorecard
from tests.support.calibration import example
from tests.support.transcripts import segment, transcript

CARD_YAML = """
id: personal
version: 1
name: Personal service
language: en
sections:
  - name: Rapport
    items:
      - id: greeting
        label: Greeting
        weight: 50
        detector: phrase_present
        phrases: [thanks for calling]
      - id: used_name
        label: Used the customer's name
        weight: 50
        detector: customer_name
        introductions: [my name is, this is]
"""
CARD = parse_scorecard(CARD_YAML, "personal.yaml")


def call(introduction: str, reply: str) -> Transcript:
    return transcript(
        [
            segment("agent", 0.5, 3.0, "Thanks for calling Northwind, how can I help?"),
            segment("customer", 3.5, 7.0, introduction),
            segment("agent", 7.5, 11.0, reply),
            segment("customer", 11.5, 12.5, "Great, thanks."),
        ],
        duration=13.0,
    )


def used_name(said: Transcript, card: Scorecard = CARD) -> ItemResult:
    return next(i for i in analyse(said, card).score.items if i.item_id == "used_name")


def test_the_agent_saying_the_name_passes_with_both_sentences_as_evidence() -> None:
    result = used_name(call("Hi, my name is Dana Whitfield.", "Thanks Dana, let me look at that."))
    assert result.status == ItemStatus.PASS and result.points == 50
    said, given = result.evidence
    assert (said.kind, said.speaker, said.quote) == (FindingKind.PHRASE, "agent", "dana")
    assert (given.kind, given.speaker, given.matched) == (FindingKind.APPLIES, "customer", "Dana Whitfield")
    assert said.matched == "Dana" and said.start >= 7.5 and given.start == 3.5


@pytest.mark.parametrize(
    ("introduction", "reply"),
    [
        ("This is Dana Whitfield.", "Of course, Ms Whitfield, one moment."),  # the surname counts too
        ("My name is Catherine.", "Thank you Katherine."),  # as ASR spells it
    ],
)
def test_a_surname_or_another_spelling_passes(introduction: str, reply: str) -> None:
    assert used_name(call(introduction, reply)).status == ItemStatus.PASS


def test_a_name_never_said_fails_the_item_and_the_call() -> None:
    analysis = analyse(call("Hi, my name is Ann.", "Sure, I'll announce the change today."), CARD)
    result = next(i for i in analysis.score.items if i.item_id == "used_name")
    assert result.status == ItemStatus.FAIL and result.points == 0
    assert result.reason == 'the agent never said the name the customer gave at 3.5 s ("Ann")'
    assert [f.kind for f in result.evidence] == [FindingKind.APPLIES]
    assert analysis.score.total == 50 and analysis.score.verdict == "fail"


@pytest.mark.parametrize(
    "introduction", ["Hi, I have a problem with my bill.", "Honestly, this is ridiculous."]
)
def test_no_name_given_is_not_applicable(introduction: str) -> None:
    analysis = analyse(call(introduction, "Let me look at that."), CARD)
    result = next(i for i in analysis.score.items if i.item_id == "used_name")
    assert result.status == ItemStatus.NA and result.max_points == 0
    assert result.reason == "not applicable: the customer did not say their name"
    assert analysis.score.total == 100


def test_a_mono_mix_cannot_tell_who_gave_a_name() -> None:
    said = call("Hi, my name is Dana.", "Thanks Dana.")
    unattributed = [s.model_copy(update={"speaker": "unknown"}) for s in said.segments]
    mono = said.model_copy(update={"layout": "mono", "segments": unattributed})
    assert used_name(mono).status == ItemStatus.UNDECIDABLE


def test_inspectors_passing_a_spelling_the_card_was_too_strict_for_move_its_cut_off() -> None:
    strict = parse_scorecard(CARD_YAML + "        min_similarity: 95\n", "strict.yaml")
    said = call("My name is Catherine.", "Thank you Katherine.")
    passed = Correction(item_id="used_name", status=ItemStatus.PASS, evidence=["Thank you Katherine."])
    assert used_name(said, strict).status == ItemStatus.FAIL
    calibration = fit(strict, [example(n, said, passed) for n in range(3)])
    learnt = next(i for i in calibration.items if i.item_id == "used_name")
    assert learnt.item is not None and learnt.item.min_similarity <= 85 and learnt.item.exemplars == []
    assert used_name(said, apply(strict, calibration)).status == ItemStatus.PASS


def test_inspectors_mark_the_agents_words_as_its_evidence() -> None:
    assert CustomerNameItem.marks == Marks.EVIDENCE
