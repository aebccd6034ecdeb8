"""The risk model (models/risk.py), its features (review/risk_features.py) and routing by it."""

from __future__ import annotations

import math
import random

import pytest

from eval.labels import SCORECARD_DIR
from models.risk import RiskMethod, RiskModel, fit_risk
from review.risk_features import risk_features
from scoring.catalog import ScorecardCatalog
from scoring.evaluate import analyse
from scoring.routing import route
from tests.support.scoring import make_score
from tests.support.transcripts import segment, transcript


def true_risk(row: dict[str, float]) -> float:
    """The synthetic calls' true P(change): logistic in failed items and ASR confidence."""
    return 1 / (1 + math.exp(-(1.5 * row["failed_items"] - 4.0 * (row["asr_confidence"] - 0.7) - 1.5)))


def synthetic(n: int, seed: int) -> tuple[list[dict[str, float]], list[bool]]:
    draw = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        row = {"failed_items": float(draw.randint(0, 3)), "asr_confidence": draw.uniform(0.4, 1.0)}
        rows.append({**row, "noise": draw.random()})
        labels.append(draw.random() < true_risk(row))
    return rows, labels


def test_fitted_model_ranks_risky_calls_first_and_is_calibrated() -> None:
    rows, labels = synthetic(600, seed=1)
    model = fit_risk(rows, labels)
    assert model.method == RiskMethod.LOGISTIC_PLATT
    risky = model.probability({"failed_items": 3, "asr_confidence": 0.5, "noise": 0.5})
    clean = model.probability({"failed_items": 0, "asr_confidence": 0.95, "noise": 0.5})
    assert risky > 0.8 > 0.2 > clean
    test_rows, _ = synthetic(2000, seed=2)
    for low, high in ((0.0, 0.3), (0.3, 0.7), (0.7, 1.0)):  # calibrated: predicted ~ true risk per band
        band = [r for r in test_rows if low <= model.probability(r) < high]
        predicted = sum(model.probability(r) for r in band) / len(band)
        truth = sum(true_risk(r) for r in band) / len(band)
        assert abs(predicted - truth) < 0.05, (low, high, predicted, truth)


def test_model_survives_json_with_the_same_probabilities() -> None:
    rows, labels = synthetic(80, seed=3)
    model = fit_risk(rows, labels)
    again = RiskModel.model_validate_json(model.model_dump_json())
    assert [again.probability(r) for r in rows] == [model.probability(r) for r in rows]


def test_no_examples_or_one_class_give_the_smoothed_base_rate() -> None:
    assert fit_risk([], []).probability({"failed_items": 2}) == pytest.approx(0.5)
    confirmed = fit_risk([{"failed_items": float(i % 2)} for i in range(5)], [False] * 5)
    assert confirmed.method == RiskMethod.PRIOR
    assert confirmed.probability({"failed_items": 1}) == pytest.approx(1 / 7)
    changed = fit_risk([{"failed_items": 1.0}] * 3, [True] * 3)
    assert changed.probability({}) == pytest.approx(4 / 5)


def test_few_examples_fit_without_calibration_and_still_rank() -> None:
    rows = [{"failed_items": 2.0}, {"failed_items": 1.0}, {"failed_items": 0.0}, {"failed_items": 0.0}]
    model = fit_risk(rows, [True, True, False, False])
    assert model.method == RiskMethod.LOGISTIC
    assert model.probability({"failed_items": 2}) > 0.5 > model.probability({"failed_items": 0})


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 feature rows but 1 labels"):
        fit_risk([{}, {}], [True])


def test_features_read_a_real_analysis() -> None:
    card = ScorecardCatalog.load(SCORECARD_DIR).get("dev-en")
    call = transcript(
        [
            segment("agent", 0.0, 3.0, "Good morning, thanks for calling Contoso Energy."),
            segment("customer", 3.5, 6.0, "This is useless, I want to speak to a manager.", channel=1),
            segment("agent", 40.0, 43.0, "whatever, that's your fault"),
        ],
        duration=50.0,
    )
    features = risk_features(analyse(call, card), call)
    assert features.verdict_fail == 1.0
    assert features.failed_items >= 3  # disclosure, forbidden phrases, dead air
    assert features.dead_air == 1.0 and features.silence_minutes > 0.5
    assert features.asr_confidence == pytest.approx(0.9)
    assert set(features.values()) == set(type(features).model_fields)


def test_routing_orders_by_the_risk_probability_only_within_the_queue() -> None:
    failing = make_score(60, "fail", {"disclosure": "fail"})
    assert route("a", failing, 0.0).priority == 1.0
    assert route("a", failing, 0.0, risk_probability=0.37).priority == 0.37
    clean = route("b", make_score(100, "pass"), 0.0, risk_probability=0.9)
    assert clean.queue == "auto_pass" and clean.priority == 0.0
