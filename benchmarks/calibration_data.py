"""How much review data calibration needs, and what a run costs: `python -m benchmarks.calibration_data`
(from the repository root: it scores the calls of tests/support/calibration.py, the card and
wording the unit tests pin down).

1. The width of the 95% intervals of accuracy and Cohen's kappa (review/agreement.py) against the
   number of reviewed decisions of one item, at a typical machine (90% agreement, 30% of calls
   failing the item): below the width a team can act on, a before/after comparison is noise.
2. The corrections it takes to move a cut-off: calls whose paraphrase of a required phrase the
   machine failed and an inspector passed, added one at a time to calls the inspector confirmed
   as failed, until the fitted calibration passes the paraphrase.
3. The time one `calibrate` (fit on all, plus the held-out assessment) takes for n reviewed calls.
"""

from __future__ import annotations

import platform
import time

from review.agreement import Pair, agreement_by_item
from review.calibration import calibrate, fit, predictions
from scoring.results import ItemStatus
from tests.support.calibration import ACCOUNT, BIRTHDAY, CARD, call, example, verification


def interval_widths() -> None:
    print("reviews  accuracy 95% CI width  kappa 95% CI width")
    for n in (10, 20, 30, 50, 100, 200, 400):
        fails = round(0.3 * n)
        human = ["fail"] * fails + ["pass"] * (n - fails)
        machine = list(human)
        wrong = round(0.1 * n)
        for i in range(wrong):  # disagreements spread over both labels, as in practice
            index = i * n // max(wrong, 1)
            machine[index] = "pass" if human[index] == "fail" else "fail"
        row = agreement_by_item(Pair("item", m, h) for m, h in zip(machine, human, strict=True))[0]
        kappa = row.kappa_ci
        width = "-" if kappa is None else f"{kappa.high - kappa.low:.2f}"
        print(f"{n:>7}  {row.accuracy_ci.high - row.accuracy_ci.low:>21.2f}  {width:>18}")


def corrections_to_move() -> None:
    confirmed = [
        example(n, call(ACCOUNT, "Okay, one moment please."), verification(ItemStatus.FAIL))
        for n in range(10)
    ]
    for corrected in range(1, 8):
        paraphrased = [
            example(100 + n, call(ACCOUNT, BIRTHDAY), verification(ItemStatus.PASS)) for n in range(corrected)
        ]
        calibration = fit(CARD, [*confirmed, *paraphrased])
        probe = example(999, call(ACCOUNT, BIRTHDAY), verification(ItemStatus.PASS))
        (pair,) = predictions(CARD, [probe], calibration)
        if pair.machine == ItemStatus.PASS:
            print(f"a paraphrase passes after {corrected} corrections (with 10 confirmed fails beside them)")
            return
    print("a paraphrase still fails after 7 corrections")


def fit_cost() -> None:
    for n in (10, 30, 100):
        examples = [
            example(
                i,
                call(ACCOUNT, BIRTHDAY if i % 2 else "Okay, one moment please."),
                verification(ItemStatus.PASS if i % 2 else ItemStatus.FAIL),
            )
            for i in range(n)
        ]
        started = time.perf_counter()
        run = calibrate(CARD, examples)
        elapsed = time.perf_counter() - started
        print(f"calibrate, {n:>3} reviewed calls: {elapsed:6.1f} s ({run.assessment.method})")


def main() -> None:
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    interval_widths()
    corrections_to_move()
    fit_cost()


if __name__ == "__main__":
    main()
