"""The sentiment head refitted with inspectors' corrected turn labels, staying near the shipped one.

The shipped head (`sentiment_head.json`, `models/train_sentiment.py`) was fitted on public review
corpora a deployment does not have, so a refit cannot simply add rows to its training data.
Instead the refit is that fit's continuation: multinomial logistic regression on the same
embeddings, over the corrected turns and the call-centre seed set that ships with callqa, with
an L2 penalty that pulls every weight towards the head it starts from (rather than towards 0).
With a handful of corrections the head barely moves; with hundreds, the deployment's own
register of speech (its customers' irony, its product's vocabulary) outweighs the pull.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from models.embeddings import SentenceEncoder, shared_encoder
from models.sentiment import LABELS, EmbeddingSentiment, SentimentLabel

SEED_SET_WEIGHT = 1.0
CORRECTED_WEIGHT = 10.0
"""A corrected turn weighs as train_sentiment.py's seed set did: the deployment's own calls,
labelled by its own inspectors, are the best evidence of its register there is."""


class SentimentHead(BaseModel):
    """A head's weights, as `sentiment_head.json` keeps them (classes in `LABELS` order)."""

    version: int | str
    encoder: str
    classes: list[SentimentLabel]
    coef: list[list[float]]
    intercept: list[float]
    corrections: int = Field(default=0, description="corrected turns it was refitted with")

    def model(self, encoder: SentenceEncoder | None = None) -> EmbeddingSentiment:
        return EmbeddingSentiment.from_head(self.model_dump(), encoder)


@dataclass(frozen=True)
class RefitSettings:
    """`pull`: the L2 strength towards the starting head, in units of example weight (a corrected
    turn weighs CORRECTED_WEIGHT): a few corrected turns nudge the head, hundreds move it; 5 was
    the value at which ten sarcastic complaints relabelled negative turned a held-out one without
    turning "thank you, that was really helpful"
    (tests/integration/services/test_sentiment_refit.py). `steps`:
    gradient steps of the convex problem (step 1/L, so it cannot diverge)."""

    pull: float = 5.0
    steps: int = 400


@dataclass(frozen=True)
class LabelledTurn:
    text: str
    label: SentimentLabel


def head_of(model: EmbeddingSentiment) -> SentimentHead:
    return SentimentHead(
        version=model.name.removeprefix("embedding-head:"),
        encoder=model.encoder_package,
        classes=list(model.classes),
        coef=model.coef.astype(float).tolist(),
        intercept=model.intercept.astype(float).tolist(),
    )


def refit_head(
    start: SentimentHead,
    corrected: Sequence[LabelledTurn],
    anchors: Sequence[LabelledTurn] = (),
    settings: RefitSettings = RefitSettings(),
    encoder: SentenceEncoder | None = None,
    version: str = "refit",
) -> SentimentHead:
    """`start` refitted on `corrected` (and the `anchors`, usually the shipped seed set, at
    SEED_SET_WEIGHT), the weights pulled towards `start`'s."""
    rows = [*corrected, *anchors]
    if not corrected:
        return start
    x = (encoder or shared_encoder()).encode([t.text for t in rows]).astype(np.float64)
    order = [start.classes.index(label) for label in LABELS]
    w0 = np.asarray(start.coef, dtype=np.float64)[order]
    b0 = np.asarray(start.intercept, dtype=np.float64)[order]
    y = np.zeros((len(rows), len(LABELS)))
    y[np.arange(len(rows)), [LABELS.index(t.label) for t in rows]] = 1.0
    weights = np.array([CORRECTED_WEIGHT] * len(corrected) + [SEED_SET_WEIGHT] * len(anchors))
    w, b = _fit(x, y, weights, w0, b0, settings)
    return SentimentHead(
        version=version,
        encoder=start.encoder,
        classes=list(LABELS),
        coef=np.round(w, 6).tolist(),
        intercept=np.round(b, 6).tolist(),
        corrections=len(corrected),
    )


def _fit(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    w0: npt.NDArray[np.float64],
    b0: npt.NDArray[np.float64],
    settings: RefitSettings,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Gradient descent on sum_i w_i CE_i + (pull / 2) ||(W, b) - (W0, b0)||^2."""
    strength = settings.pull
    squared_norms = float((weights * ((x * x).sum(axis=1) + 1.0)).sum())
    step = 1.0 / (0.5 * squared_norms + strength)  # 1 / the gradient's Lipschitz bound
    w, b = w0.copy(), b0.copy()
    for _ in range(settings.steps):
        logits = x @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        residual = (p - y) * weights[:, None]
        w -= step * (residual.T @ x + strength * (w - w0))
        b -= step * (residual.sum(axis=0) + strength * (b - b0))
    return w, b
