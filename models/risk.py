"""The risk model: the probability that an inspector will fail or change a call, from its features.

Routing orders the review queue by it (expected defects found per review), so a team's few
inspectors hear the calls where their time finds the most. It is a logistic regression on
standardised features, its scores recalibrated by Platt scaling on out-of-fold predictions
(so a 0.7 means about 7 calls in 10 are failed or changed), fitted with scikit-learn and kept
as plain numbers in JSON: a calibration version stores it for years and a later release reads
it back, which a pickle of scikit-learn objects would not survive.

It must work from the first reviews a new site has: with no examples, or only one class (every
reviewed call confirmed), it is the smoothed rate of changed calls and says so (`method`); with
too few of each class to cross-validate, the regression's own (regularised) probabilities are
used uncalibrated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

RISK_MODEL_VERSION = 1
"""The version of the JSON fields; a reader refuses versions it does not know."""


class RiskMethod(StrEnum):
    PRIOR = "prior"
    """No usable examples of both outcomes: every call gets the smoothed base rate."""
    LOGISTIC = "logistic"
    """Logistic regression, probabilities as fitted (too few examples of a class to calibrate)."""
    LOGISTIC_PLATT = "logistic_platt"
    """Logistic regression whose scores are recalibrated on out-of-fold predictions (Platt)."""


@dataclass(frozen=True)
class RiskFitParams:
    """`c`: inverse L2 strength; strong regularisation (small c) because a site's first model is
    fitted on tens of reviews with a dozen features, and an unregularised fit would separate
    them perfectly and claim certainties. `folds`: at most this many out-of-fold splits for Platt
    scaling, and Platt needs at least `min_per_class` examples of each outcome (one per fold)."""

    c: float = 0.5
    folds: int = 5
    min_per_class: int = 3


class RiskModel(BaseModel):
    """Fitted parameters only; `probability` is the whole model."""

    model_config = ConfigDict(frozen=True)

    version: int = RISK_MODEL_VERSION
    method: RiskMethod
    features: list[str] = Field(description="feature names, in the order of the other lists")
    means: list[float] = Field(description="training mean per feature")
    scales: list[float] = Field(description="training standard deviation per feature (1 where constant)")
    coefficients: list[float] = Field(description="per standardised feature, on the log-odds scale")
    intercept: float
    platt_slope: float = Field(default=1.0, description="recalibration: sigmoid(slope * score + offset)")
    platt_offset: float = 0.0
    examples: int = Field(ge=0, description="reviewed calls it was fitted on")
    positives: int = Field(ge=0, description="of which an inspector failed or changed")

    def probability(self, features: Mapping[str, float]) -> float:
        """P(an inspector fails or changes this call). Features it was not fitted on are ignored;
        one it was fitted on but not given counts as 0, as in fitting."""
        score = self.intercept + sum(
            coefficient * (float(features.get(name, 0.0)) - mean) / scale
            for name, mean, scale, coefficient in zip(
                self.features, self.means, self.scales, self.coefficients, strict=True
            )
        )
        return _sigmoid(self.platt_slope * score + self.platt_offset)


def fit_risk(
    features: Sequence[Mapping[str, float]], labels: Sequence[bool], params: RiskFitParams | None = None
) -> RiskModel:
    """Fit on reviewed calls: `labels[i]` is whether the inspector failed or changed call i.
    Feature names are the union over the examples (absent ones count as 0)."""
    if len(features) != len(labels):
        raise ValueError(f"{len(features)} feature rows but {len(labels)} labels")
    params = params or RiskFitParams()
    names = sorted({name for row in features for name in row})
    x = np.array([[float(row.get(name, 0.0)) for name in names] for row in features], dtype=float)
    y = np.array([bool(label) for label in labels], dtype=int)
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        return _prior(names, x, positives, len(y))
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    standard = (x - means) / scales
    regression = LogisticRegression(C=params.c, max_iter=1000).fit(standard, y)
    slope, offset, method = 1.0, 0.0, RiskMethod.LOGISTIC
    smaller = min(positives, len(y) - positives)
    if smaller >= params.min_per_class:
        folds = StratifiedKFold(n_splits=min(params.folds, smaller), shuffle=True, random_state=0)
        held_out = cross_val_predict(
            LogisticRegression(C=params.c, max_iter=1000),
            standard,
            y,
            cv=folds,
            method="decision_function",
        )
        platt = LogisticRegression(C=1e4, max_iter=1000).fit(held_out.reshape(-1, 1), y)
        slope, offset, method = (
            float(platt.coef_[0][0]),
            float(platt.intercept_[0]),
            RiskMethod.LOGISTIC_PLATT,
        )
    return RiskModel(
        method=method,
        features=names,
        means=[float(v) for v in means],
        scales=[float(v) for v in scales],
        coefficients=[float(v) for v in regression.coef_[0]],
        intercept=float(regression.intercept_[0]),
        platt_slope=slope,
        platt_offset=offset,
        examples=len(y),
        positives=positives,
    )


def _prior(names: list[str], x: np.ndarray, positives: int, n: int) -> RiskModel:
    """Laplace's rule of succession: after n confirmed calls the next is changed with
    probability 1/(n+2), never exactly 0 or 1."""
    rate = (positives + 1) / (n + 2)
    return RiskModel(
        method=RiskMethod.PRIOR,
        features=names,
        means=[float(v) for v in x.mean(axis=0)] if n else [0.0] * len(names),
        scales=[1.0] * len(names),
        coefficients=[0.0] * len(names),
        intercept=math.log(rate / (1 - rate)),
        examples=n,
        positives=positives,
    )


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)
