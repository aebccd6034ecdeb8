"""The calibration engine, pure: corrections move cut-offs and teach conditions, exemplars make
a company's own wording match, and a fitting that agrees worse on newer calls is not activated."""

from __future__ import annotations

import pytest

from asr.transcript import Transcript
from review.calibration import (
    Calibration,
    CalibrationError,
    Cutoffs,
    FitSettings,
    Holdout,
    ItemCalibration,
    apply,
    calibrate,
    fit,
    predictions,
)
from scoring.evaluate import analyse
from scoring.results import ItemStatus
from scoring.scorecard import PhrasePresentItem
from tests.support.calibration import ACCOUNT, BIRTHDAY, CARD, call, example, verification


def status_of(card_calibration: Calibration | None, said: Transcript) -> ItemStatus:
    card = apply(CARD, card_calibration)
    return next(i.status for i in analyse(said, card).score.items if i.item_id == "verification")


def test_corrections_of_a_missed_paraphrase_move_the_cut_off() -> None:
    examples = [example(n, call(ACCOUNT, BIRTHDAY), verification(ItemStatus.PASS)) for n in range(3)]
    assert status_of(None, call(ACCOUNT, BIRTHDAY)) == ItemStatus.FAIL
    calibration = fit(CARD, examples)
    learnt = next(i for i in calibration.items if i.item_id == "verification")
    assert learnt.corrections == 3 and learnt.item is not None
    assert (learnt.item.min_similarity, learnt.item.semantic, learnt.item.exemplars) != (85, None, [])
    assert status_of(calibration, call(ACCOUNT, BIRTHDAY)) == ItemStatus.PASS
    assert all(p.machine == p.human for p in predictions(CARD, examples, calibration))


def test_confirmed_decisions_move_nothing() -> None:
    said = call(ACCOUNT, "Can you confirm your date of birth please?")
    examples = [example(n, said, verification(ItemStatus.PASS)) for n in range(4)]
    learnt = next(i for i in fit(CARD, examples).items if i.item_id == "verification")
    assert learnt.item == Cutoffs(min_similarity=85, semantic=None, exemplars=[])
    assert learnt.condition == Cutoffs(min_similarity=85, semantic=55, exemplars=[])
    run = calibrate(CARD, examples)
    assert not run.assessment.activate
    assert run.assessment.reasons == ["nothing new was learnt: it would score as the calibration in use"]


def test_an_inspector_marked_sentence_becomes_an_exemplar_that_matches_a_paraphrase() -> None:
    marked = "For security, what is the birthday on the account?"
    examples = [
        example(n, call(ACCOUNT, marked), verification(ItemStatus.PASS, evidence=[marked])) for n in range(3)
    ]
    learnt = next(i for i in fit(CARD, examples).items if i.item_id == "verification")
    assert learnt.item is not None and learnt.item.exemplars == [marked]
    exemplar_only = Calibration(
        scorecard_id="cal",
        scorecard_version=3,
        examples=3,
        items=[
            ItemCalibration(
                item_id="verification",
                corrections=3,
                item=learnt.item.model_copy(update={"semantic": 55, "min_similarity": 85}),
            )
        ],
    )
    paraphrase = call(ACCOUNT, "Just for security, what's the birthday on this account please?")
    assert status_of(None, paraphrase) == ItemStatus.FAIL
    assert status_of(exemplar_only, paraphrase) == ItemStatus.PASS


def test_na_and_applies_corrections_teach_the_condition() -> None:
    reset = "I have reset the password for your online banking login."
    sale = "Would you like to hear about our new broadband offer today?"
    examples = [
        example(0, call(reset), verification(ItemStatus.FAIL)),
        example(1, call(reset.replace("I have", "I've")), verification(ItemStatus.FAIL)),
        example(
            2, call("Okay, I have now reset your online banking password."), verification(ItemStatus.FAIL)
        ),
        example(3, call(sale), verification(ItemStatus.NA)),
        example(4, call(ACCOUNT), verification(ItemStatus.FAIL)),
    ]
    assert status_of(None, call(reset)) == ItemStatus.NA
    calibration = fit(CARD, examples)
    learnt = next(i for i in calibration.items if i.item_id == "verification")
    assert learnt.condition is not None and learnt.condition.exemplars
    assert (
        status_of(calibration, call("Right, your online banking password has been reset.")) == ItemStatus.FAIL
    )
    assert status_of(calibration, call(sale)) == ItemStatus.NA


def test_a_fitting_that_agrees_worse_on_newer_corrections_is_rejected() -> None:
    said = call(ACCOUNT, BIRTHDAY)
    earlier = [example(n, said, verification(ItemStatus.PASS)) for n in range(4)]
    later = [example(n, said, verification(ItemStatus.FAIL)) for n in range(4, 6)]
    run = calibrate(CARD, [*later, *earlier], holdout=Holdout(min_split=6, test_share=1 / 3))
    assert run.assessment.method == "time_split" and run.assessment.held_out == 2
    rows = {c.item: c for c in run.assessment.items}
    assert rows["verification"].before.accuracy == 1.0 and rows["verification"].after.accuracy == 0.0
    assert rows["verification"].falls and rows["all"].falls
    assert not run.assessment.activate and "agreement falls on verification" in run.assessment.reasons


def test_few_calls_are_assessed_by_folds_and_the_calibration_is_json() -> None:
    examples = [example(n, call(ACCOUNT, BIRTHDAY), verification(ItemStatus.PASS)) for n in range(4)]
    run = calibrate(CARD, examples, settings=FitSettings(min_examples=2))
    assert run.assessment.method == "k_fold" and run.assessment.held_out == 4
    assert run.assessment.activate, run.assessment.reasons
    rows = {c.item: c for c in run.assessment.items}
    assert rows["verification"].after.accuracy > rows["verification"].before.accuracy
    assert Calibration.model_validate_json(run.calibration.model_dump_json()) == run.calibration


def test_a_calibration_never_leaves_the_cards_bounds_or_its_card() -> None:
    wild = Calibration(
        scorecard_id="cal",
        scorecard_version=3,
        examples=1,
        items=[
            ItemCalibration(
                item_id="verification", corrections=1, item=Cutoffs(min_similarity=10, semantic=None)
            )
        ],
    )
    with pytest.raises(CalibrationError, match="out of the card's bounds"):
        apply(CARD, wild)
    with pytest.raises(CalibrationError, match="cannot apply to cal@3"):
        apply(CARD, wild.model_copy(update={"scorecard_version": 2}))
    examples = [example(n, call(ACCOUNT, BIRTHDAY), verification(ItemStatus.PASS)) for n in range(3)]
    for item in apply(CARD, fit(CARD, examples, FitSettings(fuzzy_range=(0, 100)))).all_items():
        assert isinstance(item, PhrasePresentItem) and 50 <= item.min_similarity <= 100
