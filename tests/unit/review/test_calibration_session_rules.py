"""Calibration sessions' rules (review/calibration_sessions.py): consensus and its ties, each
rater's deviation from it, and per-item agreement with the machine as one more rater, checked
against figures worked out by hand."""

from __future__ import annotations

import pytest

from review.calibration_sessions import (
    ALL_ITEMS,
    MACHINE,
    Answer,
    KappaMethod,
    consensus,
    missing_answers,
    rater_agreement,
    report,
)
from scoring.results import ItemStatus

P, F, NA = ItemStatus.PASS, ItemStatus.FAIL, ItemStatus.NA


def answers(item: str, by_rater: dict[str, list[ItemStatus]]) -> list[Answer]:
    return [
        Answer(f"call{i}", item, rater, status)
        for rater, statuses in by_rater.items()
        for i, status in enumerate(statuses, start=1)
    ]


def test_consensus_is_the_most_common_answer_and_a_tie_has_none() -> None:
    assert consensus([P, P, F]) == P
    assert consensus([F, P, F, NA]) == F
    assert consensus([P, F]) is None
    assert consensus([P, F, NA]) is None
    assert consensus([P, P, F, F, NA]) is None
    assert consensus([NA]) == NA
    assert consensus([]) is None


def test_two_inspectors_get_cohens_kappa_and_the_machine_makes_it_fleiss() -> None:
    given = answers("card/greeting", {"ann": [P, P, F, F], "bob": [P, F, F, F], MACHINE: [P, P, P, F]})
    found = report(given, ["ann", "bob"])
    item, overall = found.items
    assert item.item == "card/greeting" and overall.item == ALL_ITEMS

    # ann vs bob: 3 of 4 alike; chance 0.5*0.25 + 0.5*0.75 = 0.5, so kappa (0.75 - 0.5) / 0.5
    humans = item.inspectors
    assert humans.method == KappaMethod.COHEN and humans.raters == 2 and humans.calls == 4
    assert humans.kappa == pytest.approx(0.5) and humans.agreement == pytest.approx(0.75)
    assert humans.kappa_ci is not None and humans.kappa_ci.low < 0.5 < humans.kappa_ci.high

    # with the machine, three raters: mean pair agreement (1 + 1/3 + 1/3 + 1) / 4 = 2/3, chance
    # 0.5 (six passes, six fails), so Fleiss' kappa (2/3 - 0.5) / 0.5 = 1/3
    machine = item.with_machine
    assert machine is not None and machine.method == KappaMethod.FLEISS and machine.raters == 3
    assert machine.kappa == pytest.approx(1 / 3) and machine.agreement == pytest.approx(2 / 3)
    assert machine.kappa_ci is None  # four calls are too few to resample
    assert overall.inspectors == humans  # one item: the overall row is the same

    # call2 is a tie (ann pass, bob fail): no consensus, compared nowhere
    rows = {call.call_id: call.items[0] for call in found.calls}
    assert rows["call2"].consensus is None and rows["call3"].consensus == F
    assert rows["call3"].answers == {"ann": F, "bob": F} and rows["call3"].machine == P
    deviation = {d.rater: d for d in found.deviations}
    assert [d.rater for d in found.deviations] == ["ann", "bob", MACHINE]
    assert (deviation["ann"].compared, deviation["ann"].differing, deviation["bob"].share) == (3, 0, 0.0)
    assert deviation[MACHINE].share == pytest.approx(1 / 3)
    assert [(d.call_id, d.answer, d.consensus) for d in deviation[MACHINE].differences] == [("call3", P, F)]


def test_deviation_names_each_inspectors_differing_items_across_items() -> None:
    given = [
        *answers("card/greeting", {"ann": [P, P, P], "bob": [P, F, P], "cyd": [P, P, F]}),
        *answers("card/closing", {"ann": [F, F, P], "bob": [F, F, P], "cyd": [P, F, NA]}),
    ]
    found = report(given, ["ann", "bob", "cyd"])
    assert [row.item for row in found.items] == ["card/greeting", "card/closing", ALL_ITEMS]  # card order
    assert all(row.inspectors.method == KappaMethod.FLEISS for row in found.items)
    assert all(row.with_machine is None for row in found.items)  # no machine answers given
    assert [d.rater for d in found.deviations] == ["ann", "bob", "cyd"]
    deviation = {d.rater: d for d in found.deviations}
    assert deviation["ann"].differing == 0 and deviation["ann"].compared == 6
    assert [(d.call_id, d.item) for d in deviation["bob"].differences] == [("call2", "card/greeting")]
    assert [(d.call_id, d.item) for d in deviation["cyd"].differences] == [
        ("call3", "card/greeting"),
        ("call1", "card/closing"),
        ("call3", "card/closing"),
    ]
    assert deviation["cyd"].share == pytest.approx(3 / 6)
    assert found.items[-1].inspectors.calls == 6


def test_unanimous_raters_have_no_kappa_but_full_agreement() -> None:
    same = rater_agreement([[P, P], [P, P], [P, P]])
    assert same.kappa is None and same.kappa_ci is None and same.agreement == 1.0
    three = rater_agreement([[NA, NA, NA], [NA, NA, NA]])
    assert three.method == KappaMethod.FLEISS and three.kappa is None and three.agreement == 1.0


def test_fleiss_interval_comes_from_resampling_the_calls_and_is_reproducible() -> None:
    ratings = [[P, P, P], [P, F, P], [F, F, F], [F, F, P], [P, P, P], [NA, NA, F]]
    first, again = rater_agreement(ratings), rater_agreement(ratings)
    assert first == again and first.kappa is not None and first.kappa_ci is not None
    assert -1 <= first.kappa_ci.low <= first.kappa <= first.kappa_ci.high <= 1
    assert rater_agreement(ratings[:4]).kappa_ci is None  # too few calls to resample


def test_comments_are_kept_beside_the_answers() -> None:
    given = [
        Answer("c1", "card/greeting", "ann", P, "said at 0:02"),
        Answer("c1", "card/greeting", "bob", F, None),
    ]
    row = report(given, ["ann", "bob"]).calls[0].items[0]
    assert row.comments == {"ann": "said at 0:02"}


def test_a_report_needs_two_inspectors_and_a_submission_needs_every_item() -> None:
    with pytest.raises(ValueError, match="two inspectors"):
        report([], ["ann"])
    wanted = {"c1": ["greeting", "closing"], "c2": ["greeting"]}
    assert missing_answers(wanted, [("c1", "closing")]) == ["c1/greeting", "c2/greeting"]
    assert missing_answers(wanted, [("c1", "greeting"), ("c1", "closing"), ("c2", "greeting")]) == []
