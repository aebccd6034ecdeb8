"""`callqa eval --simulate-review`: the human loop played on a labelled corpus.

An inspector who answers from the corpus's ground truth reviews the calls routing puts in the
review queue, `capacity` calls per batch, in the queue's order (the rules' priority, then the risk
model's probability once one is fitted). After each batch the machine learns as the product does:
each card is calibrated on every review so far (review/calibration.py, activated only by its own
rule) and the risk model is refitted (models/risk.py); every call not yet reviewed is scored again
from its kept transcript (no ASR) and routed again. The loop ends when the queue is empty.

Measured after each batch, on the calls not yet reviewed (what the machine is still trusted
with): item agreement and Cohen's kappa of the machine against the inspector's answers, before
and after that batch's calibration (the same calls, so the difference is the calibration's alone;
from one batch to the next the calls differ). And the review yield, true defects found per
reviewed call, of this routing against random sampling of the same number of calls from the whole
corpus (what a team without routing reviews), averaged over many seeded draws.

The ground-truth inspector decides each item the label map names: FAIL where the item's fail code
fired (SCHEMA 4); where it did not, PASS or N/A as the machine said, or, correcting a machine FAIL
or undecidable, PASS when the item's label says it was done and N/A when it says it was not (the
rule did not fire, so it was not required). An item with a label but no fail code fails when the
label is false. It marks no evidence (the corpus does not say which sentence did it), so
calibration learns exemplars by its own nearest-sentence search.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from asr.transcript import Transcript
from eval.labels import EvalSetup
from models.risk import RiskModel, fit_risk
from review.agreement import Pair, agreement_by_item
from review.calibration import Calibration, Correction, TrainingExample, apply, calibrate
from review.ordering import ReviewCandidate, review_order
from review.risk_features import risk_features
from scoring.evaluate import analyse
from scoring.results import Analysis, ItemResult, ItemStatus
from scoring.routing import RoutingQueue, route
from scoring.scorecard import Scorecard
from scoring.unheard import unheard_agent_speech

START = datetime(2026, 1, 1, tzinfo=UTC)
"""When the simulated reviews happen: batch k on day k, so calibration's time order is the batches'."""


@dataclass(frozen=True)
class SimulationParams:
    """`capacity`: calls one batch reviews (an inspector's day). `random_seeds`: random-sampling
    draws the random yield averages over; 1,000 puts its sampling error far below the gap it is
    compared with."""

    capacity: int = 4
    random_seeds: int = 1000
    audit_rate: float = 0.0
    """The random audit share routing adds to the queue (the deployment's `audit_rate`). The
    default leaves it out, so the queue is what the machine flags; with it, the risk model also
    learns from calls the rules passed."""


class BatchResult(BaseModel):
    batch: int = Field(description="0: before any review")
    reviewed_calls: int = Field(description="calls reviewed so far")
    corrections: int = Field(description="item decisions the inspector changed so far")
    unreviewed_calls: int = Field(description="the calls agreement is measured on")
    agreement: float | None = Field(description="item agreement on the unreviewed calls, after calibrating")
    kappa: float | None
    agreement_before: float | None = Field(description="the same calls scored with the cards before it")
    kappa_before: float | None
    reviewed: list[str] = Field(default_factory=list, description="the calls this batch reviewed, in order")
    defects_found: int = Field(default=0, description="true defects in this batch's calls")
    calibration: dict[str, str] = Field(
        default_factory=dict, description='language -> "activated", or why the new calibration was not'
    )
    risk_model: str | None = Field(default=None, description="the risk model's method after this batch")


class ReviewYield(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    risk: float = Field(description="true defects found per reviewed call, risk routing")
    random: float = Field(description="the same, random sampling of as many calls, mean over the seeds")
    reviewed_calls: int
    random_seeds: int


class ReviewSimulation(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    capacity: int
    batches: list[BatchResult]
    review_yield: ReviewYield = Field(alias="yield")


@dataclass
class _Call:
    """One corpus call during the simulation."""

    id: str
    transcript: Transcript
    truth: dict[str, Any]
    analysis: Analysis


def simulate_review(
    transcripts: Mapping[str, Transcript],
    truths: Mapping[str, dict[str, Any]],
    setup: EvalSetup,
    params: SimulationParams,
) -> ReviewSimulation:
    if params.capacity < 1:
        raise ValueError("the capacity is at least one call per batch")
    cards = dict(setup.cards)
    calls = {i: _Call(i, t, dict(truths[i]), analyse(t, cards[t.language])) for i, t in transcripts.items()}
    items = setup.mapping.items()
    reviewed: list[str] = []
    examples: dict[str, list[TrainingExample]] = {language: [] for language in cards}
    calibrations: dict[str, Calibration | None] = {language: None for language in cards}
    risk: RiskModel | None = None
    features: dict[str, dict[str, float]] = {}
    changed: dict[str, bool] = {}
    corrections = 0
    baseline = _pairs(calls.values(), items, setup)
    batches = [_batch(_Progress(0, [], 0, 0, len(calls)), baseline, baseline, {}, None, items, setup)]
    while True:
        queue = _queue(calls, reviewed, risk, params.audit_rate)
        if not queue:
            break
        batch = len(batches)
        for position, call_id in enumerate(queue[: params.capacity]):
            call = calls[call_id]
            decisions = inspector_decisions(call.analysis.score.items, call.truth, items, setup)
            machine = {r.item_id: r.status for r in call.analysis.score.items}
            corrections += sum(machine[i] != status for i, status in decisions.items())
            changed[call_id] = any(machine[i] != s for i, s in decisions.items()) or any(
                s == ItemStatus.FAIL for s in decisions.values()
            )
            features[call_id] = risk_features(call.analysis, call.transcript).values()
            examples[call.transcript.language].append(_example(call, decisions, batch, position))
            reviewed.append(call_id)
        unreviewed = [calls[i] for i in calls if i not in reviewed]
        before = _pairs(unreviewed, items, setup)
        outcome = _calibrate(setup, examples, calibrations, cards)
        risk = fit_risk([features[i] for i in reviewed], [changed[i] for i in reviewed])
        for call in unreviewed:
            call.analysis = analyse(call.transcript, cards[call.transcript.language])
        after = _pairs(unreviewed, items, setup)
        progress = _Progress(
            batch, [calls[i] for i in queue[: params.capacity]], len(reviewed), corrections, len(unreviewed)
        )
        batches.append(_batch(progress, before, after, outcome, risk, items, setup))
    return ReviewSimulation(
        capacity=params.capacity,
        batches=batches,
        review_yield=ReviewYield(
            risk=_defects([calls[i] for i in reviewed], items, setup) / len(reviewed) if reviewed else 0.0,
            random=_random_yield(list(calls.values()), len(reviewed), items, setup, params.random_seeds),
            reviewed_calls=len(reviewed),
            random_seeds=params.random_seeds,
        ),
    )


def _calibrate(
    setup: EvalSetup,
    examples: dict[str, list[TrainingExample]],
    calibrations: dict[str, Calibration | None],
    cards: dict[str, Scorecard],
) -> dict[str, str]:
    """Each language's card calibrated on its reviews so far, as `callqa calibrate` would: the new
    calibration replaces the one in use (in `calibrations` and `cards`) only where its own
    held-out check activates it. Returns "activated", or why not, per language reviewed."""
    outcome = {}
    for language, card in setup.cards.items():
        if not examples[language]:
            continue
        run = calibrate(card, examples[language], calibrations[language])
        outcome[language] = "activated" if run.assessment.activate else "; ".join(run.assessment.reasons)
        if run.assessment.activate:
            calibrations[language] = run.calibration
            cards[language] = apply(card, run.calibration)
    return outcome


def inspector_decisions(
    results: list[ItemResult], truth: Mapping[str, Any], items: set[str], setup: EvalSetup
) -> dict[str, ItemStatus]:
    """The ground-truth inspector's decision on each mapped item the machine scored (module doc)."""
    mapping = setup.mapping
    fired = set(truth["fail_reasons"])
    labels = truth["labels"]
    label_of = {item: label for label, item in mapping.labels.items()}
    out: dict[str, ItemStatus] = {}
    for result in results:
        if result.item_id not in items:
            continue
        code = mapping.fail_reasons.get(result.item_id)
        label = label_of.get(result.item_id)
        done = bool(labels[label]) if label is not None else None
        if (code is not None and code in fired) or (code is None and done is False):
            out[result.item_id] = ItemStatus.FAIL
        elif result.status in (ItemStatus.PASS, ItemStatus.NA):
            out[result.item_id] = result.status
        else:
            out[result.item_id] = ItemStatus.NA if done is False else ItemStatus.PASS
    return out


def _queue(
    calls: Mapping[str, _Call], reviewed: list[str], risk: RiskModel | None, audit_rate: float
) -> list[str]:
    """The unreviewed calls routing sends to review, in the order inspectors work them."""
    candidates = []
    for call in calls.values():
        if call.id in reviewed:
            continue
        analysis = call.analysis
        probability = risk.probability(risk_features(analysis, call.transcript).values()) if risk else None
        decision = route(
            call.id,
            analysis.score,
            audit_rate,
            analysis.sentiment,
            analysis.escalation,
            unheard_agent_speech(call.transcript),
            risk_probability=probability,
        )
        if decision.queue == RoutingQueue.REVIEW:
            candidates.append(
                ReviewCandidate(call_id=call.id, priority=decision.priority, score=analysis.score.total)
            )
    return [c.call_id for c in review_order(candidates)]


def _example(call: _Call, decisions: dict[str, ItemStatus], batch: int, position: int) -> TrainingExample:
    assert call.analysis.sentiment is not None  # analyse always summarises the customer's mood
    return TrainingExample(
        call_id=call.id,
        reviewed_at=START + timedelta(days=batch, minutes=position),
        transcript=call.transcript,
        sentiment=call.analysis.sentiment,
        corrections=[Correction(item_id=i, status=s) for i, s in decisions.items()],
    )


def _pairs(calls: Iterable[_Call], items: set[str], setup: EvalSetup) -> list[Pair]:
    """Machine against the ground-truth inspector, per mapped item of each call."""
    out: list[Pair] = []
    for call in calls:
        results = call.analysis.score.items
        decisions = inspector_decisions(results, call.truth, items, setup)
        out.extend(Pair(r.item_id, r.status, decisions[r.item_id]) for r in results if r.item_id in decisions)
    return out


@dataclass(frozen=True)
class _Progress:
    """Where the loop stands after a batch: what the batch reviewed and the totals so far."""

    batch: int
    done: list[_Call]
    reviewed: int
    corrections: int
    unreviewed: int


def _batch(
    progress: _Progress,
    before: list[Pair],
    after: list[Pair],
    calibration: dict[str, str],
    risk: RiskModel | None,
    items: set[str],
    setup: EvalSetup,
) -> BatchResult:
    old, new = _overall(before), _overall(after)
    return BatchResult(
        batch=progress.batch,
        reviewed_calls=progress.reviewed,
        corrections=progress.corrections,
        unreviewed_calls=progress.unreviewed,
        agreement=new[0],
        kappa=new[1],
        agreement_before=old[0],
        kappa_before=old[1],
        reviewed=[c.id for c in progress.done],
        defects_found=_defects(progress.done, items, setup),
        calibration=calibration,
        risk_model=risk.method.value if risk else None,
    )


def _overall(pairs: list[Pair]) -> tuple[float | None, float | None]:
    rows = agreement_by_item(pairs)
    if not rows:
        return None, None
    everything = rows[-1]
    return round(everything.accuracy, 4), None if everything.kappa is None else round(everything.kappa, 4)


def _defects(calls: list[_Call], items: set[str], setup: EvalSetup) -> int:
    """True defects: items the ground truth fails (what a review of the call finds)."""
    return sum(
        status == ItemStatus.FAIL
        for call in calls
        for status in inspector_decisions(call.analysis.score.items, call.truth, items, setup).values()
    )


def _random_yield(calls: list[_Call], n: int, items: set[str], setup: EvalSetup, seeds: int) -> float:
    if n == 0 or not calls:
        return 0.0
    per_call = {c.id: _defects([c], items, setup) for c in calls}
    ids = sorted(per_call)
    draws = [random.Random(seed).sample(ids, min(n, len(ids))) for seed in range(seeds)]
    return sum(sum(per_call[i] for i in draw) / len(draw) for draw in draws) / seeds
