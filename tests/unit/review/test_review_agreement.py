"""Agreement statistics against published values and scikit-learn."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from review.agreement import Pair, agreement_by_item, cohen_kappa, fleiss_kappa, wilson


def test_cohen_kappa_matches_scikit_learn() -> None:
    machine = ["pass"] * 20 + ["fail"] * 10 + ["na"] * 5 + ["pass"] * 3 + ["fail"] * 2
    human = ["pass"] * 18 + ["fail"] * 2 + ["fail"] * 9 + ["pass"] + ["na"] * 5 + ["fail"] * 3 + ["fail"] * 2
    found = cohen_kappa(machine, human)
    assert found is not None
    assert found[0] == pytest.approx(cohen_kappa_score(machine, human))
    assert cohen_kappa(["pass"] * 5, ["pass"] * 5) is None  # chance agreement is total


def test_fleiss_kappa_matches_the_published_example() -> None:
    """Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters, 5 labels."""
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    ratings = [[str(label) for label, count in enumerate(row) for _ in range(count)] for row in table]
    assert fleiss_kappa(ratings) == pytest.approx(0.210, abs=0.001)
    with pytest.raises(ValueError):
        fleiss_kappa([["a", "b"], ["a"]])


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    assert wilson(10, 10).high == pytest.approx(1.0) and 0.69 < wilson(10, 10).low < 0.73
    assert wilson(0, 0).low == 0.0 and wilson(0, 0).high == 1.0


def test_agreement_by_item_with_an_overall_row() -> None:
    pairs = [Pair("greeting", "pass", "pass")] * 8 + [Pair("greeting", "fail", "pass")] * 2
    pairs += [Pair("closing", "fail", "fail")] * 3 + [Pair("closing", "pass", "pass")] * 3
    rows = {row.item: row for row in agreement_by_item(pairs)}
    assert list(rows) == ["closing", "greeting", "all"]
    assert rows["closing"].accuracy == 1.0 and rows["closing"].kappa == pytest.approx(1.0)
    # the inspector said pass every time: agreeing 80% is what chance gives, so kappa is 0
    assert rows["greeting"].accuracy == 0.8 and rows["greeting"].kappa == pytest.approx(0.0)
    assert rows["all"].reviews == 16 and rows["all"].accuracy_ci.low < 14 / 16 < rows["all"].accuracy_ci.high
