"""The machine learns from inspectors' corrections: per item, the cut-offs and exemplars that make
its decisions agree with the people who review them, checked on corrections it did not learn from.

What is learnt, per scorecard item (and per card version: a new version of a card starts afresh):
- the fuzzy (`min_similarity`) and semantic cut-offs of the item and of its `applies_if` condition,
  chosen from a grid inside the card schema's own bounds to maximise agreement with the inspectors
  on the training calls (each candidate is tried by scoring the calls again: scoring is fast);
- exemplars: sentences an inspector marked as evidence of the item, or as what made it apply,
  added to the item's (or the condition's) phrases so that a company's own wording is matched by
  meaning. When an inspector says an item applies (or passes) and marked nothing, the sentence of
  the call nearest in meaning to the phrases is tried as an exemplar; any exemplar is kept only if
  it makes the machine agree with the inspectors on more training calls (a marked one: not fewer).
An inspector's N/A on an item the machine applied, and a pass or fail on one the machine found
N/A, are corrections of the condition, so they move the condition's cut-offs and exemplars.

Evaluation (`calibrate`): the corrections in time order; the newest share is held out when there
are enough calls, else k contiguous folds each held out in turn. Per item and overall, accuracy and
Cohen's kappa with 95% intervals (review/agreement.py) before (the calibration in use) and after
(the one fitted without the held-out calls). `Assessment.activate` is the activation rule: no item
and not the whole may lose agreement (accuracy, nor kappa) on the held-out calls.

This is in `review/`, not `models/` as DESIGN.md had it: fitting re-scores calls with `scoring`,
and `models/` may import nothing of callqa.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, Field, ValidationError, field_validator

from asr.transcript import Transcript
from models.embeddings import meaning_encoder
from models.risk import RiskModel
from review.agreement import Agreement, Pair, agreement_by_item
from review.final_score import HUMAN_STATUSES
from scoring.card_parts import Condition, Window
from scoring.evaluate import decide_items, rivals_of
from scoring.items.base import Cutoff, ItemBase
from scoring.matching import sentence_like
from scoring.results import ItemStatus
from scoring.scorecard import Scorecard
from scoring.semantic import find_meaning
from scoring.sentiment import SentimentSummary
from scoring.text import normalise

EPSILON = 1e-9
T = TypeVar("T")
CONDITION_CUTOFFS: tuple[Cutoff, ...] = ("semantic", "min_similarity")
"""An `applies_if` condition's cut-offs, whatever the item's type."""


class CalibrationError(ValueError):
    """A calibration that does not fit the card it is applied to."""


# ---- the data contract -------------------------------------------------------------------------


class Correction(BaseModel):
    """An inspector's final decision on one item of a reviewed call, with the words they marked."""

    item_id: str
    status: ItemStatus = Field(description="pass, fail or na: what the inspector decided")
    evidence: list[str] = Field(
        default_factory=list, description="sentences the inspector marked as showing the item was done"
    )
    applies_evidence: list[str] = Field(
        default_factory=list, description="sentences the inspector said made the item apply"
    )

    @field_validator("status")
    @classmethod
    def _human(cls, status: ItemStatus) -> ItemStatus:
        if status not in HUMAN_STATUSES:
            raise ValueError(f"an inspector decides pass, fail or na, not {status!r}")
        return status


class TrainingExample(BaseModel):
    """One reviewed call: what was said, how the customer felt (conditions on mood are decided
    from it, so a re-score needs no sentiment model), and the inspector's decisions."""

    call_id: str
    reviewed_at: datetime = Field(description="when its newest decision was made: the split's order")
    transcript: Transcript
    sentiment: SentimentSummary
    corrections: list[Correction]


class Cutoffs(BaseModel):
    """The learnt matching of one phrase list (an item's, or its `applies_if` condition's)."""

    min_similarity: float = Field(description="fuzzy cut-off, percent")
    semantic: float | None = Field(description="semantic cut-off, 100 x cosine; None: off")
    exemplars: list[str] = Field(default_factory=list, description="sentences added to the phrases")


class ItemCalibration(BaseModel):
    item_id: str
    corrections: int = Field(description="the inspectors' decisions of this item it learnt from")
    item: Cutoffs | None = Field(default=None, description="None: the item's detector has nothing learnt")
    condition: Cutoffs | None = Field(default=None, description="None: no `applies_if` with phrases")


class Calibration(BaseModel):
    """What was learnt for one card version; JSON in the store, applied with `apply`."""

    scorecard_id: str
    scorecard_version: int
    examples: int = Field(description="reviewed calls it was fitted on")
    items: list[ItemCalibration]
    sentiment_head: int | None = Field(
        default=None, description="the refitted sentiment head version in use when fitted (None: shipped)"
    )
    risk_model: RiskModel | None = Field(
        default=None, description="P(an inspector fails or changes a call), fitted on the same reviews"
    )

    @property
    def scorecard_key(self) -> str:
        return f"{self.scorecard_id}@{self.scorecard_version}"

    def same_fit(self, other: Calibration) -> bool:
        """True when `other` would score exactly as this one does."""
        return self.risk_model == other.risk_model and [
            i.model_dump(exclude={"corrections"}) for i in self.items
        ] == [i.model_dump(exclude={"corrections"}) for i in other.items]


class Compared(BaseModel):
    """One item (or `all`) on the held-out corrections, before and after."""

    item: str
    corrections: int
    before: Agreement
    after: Agreement
    falls: bool = Field(description="accuracy or kappa is lower after")


class Assessment(BaseModel):
    method: Literal["time_split", "k_fold", "none"]
    held_out: int = Field(description="reviewed calls the figures are measured on")
    items: list[Compared] = Field(description="per item, then `all`")
    changed: bool = Field(description="the fitting scores differently from the calibration in use")
    activate: bool
    reasons: list[str] = Field(default_factory=list, description="why it is not activated")


class CalibrationRun(BaseModel):
    calibration: Calibration = Field(description="fitted on every example")
    assessment: Assessment = Field(description="of the same fitting on calls it did not see")


# ---- parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitSettings:
    """How fitting searches.

    Cut-offs are tried in steps of 5 points (a finer grid fits noise on the few hundred
    corrections a team makes in a month); the search range is narrower than the schema allows,
    because a fuzzy cut-off under 60 matches unrelated words and a semantic one under 30 matches
    almost any sentence. An item's cut-offs move only with `min_examples` decisions of it: one
    inspector's one call is an anecdote. Ties keep the card's value, then the nearest one."""

    step: float = 5.0
    fuzzy_range: tuple[float, float] = (60.0, 100.0)
    semantic_range: tuple[float, float] = (30.0, 90.0)
    min_examples: int = 3
    max_exemplars: int = 20


@dataclass(frozen=True)
class Holdout:
    """How a fitting is evaluated on corrections it did not learn from. With at least `min_split`
    calls the newest `test_share` is held out (time-ordered, as it will be used: fitted on the
    past, judged on what comes next); with fewer, `folds` contiguous folds in time order each
    held out in turn, so every call is tested once and the intervals are as narrow as the data
    allows."""

    min_split: int = 30
    test_share: float = 0.3
    folds: int = 5


# ---- the public functions -----------------------------------------------------------------------


def apply(card: Scorecard, calibration: Calibration | None) -> Scorecard:
    """`card` with the learnt cut-offs and exemplars: the card scoring runs with. Every value is
    validated by the card's own schema, so a calibration never sets a cut-off out of its bounds."""
    if calibration is None:
        return card
    if calibration.scorecard_key != card.key:
        raise CalibrationError(f"calibration of {calibration.scorecard_key} cannot apply to {card.key}")
    learnt = {i.item_id: i for i in calibration.items}
    unknown = sorted(set(learnt) - {item.id for item in card.all_items()})
    if unknown:
        raise CalibrationError(f"calibration of {card.key} names items not on it: {', '.join(unknown)}")
    try:
        return _replace_items(card, [_calibrated(item, learnt.get(item.id)) for item in card.all_items()])
    except ValidationError as error:
        raise CalibrationError(f"calibration of {card.key} is out of the card's bounds: {error}") from error


def fit(
    card: Scorecard, examples: Sequence[TrainingExample], settings: FitSettings = FitSettings()
) -> Calibration:
    """The calibration of `card` that agrees best with the inspectors on `examples`."""
    fitted = card
    counts: dict[str, int] = {}
    for item in card.all_items():
        targets = _targets(examples, item.id)
        counts[item.id] = len(targets)
        if len(targets) >= settings.min_examples:
            fitted = _fit_item(fitted, item.id, targets, settings)
    return _calibration_of(card, fitted, counts, len(examples))


def predictions(
    card: Scorecard, examples: Iterable[TrainingExample], calibration: Calibration | None = None
) -> list[Pair]:
    """The machine (scoring with `calibration`) against the inspector, per corrected item."""
    scored = apply(card, calibration)
    pairs: list[Pair] = []
    for example in examples:
        results = {r.item_id: r.status for r in decide_items(example.transcript, scored, example.sentiment)}
        pairs.extend(
            Pair(c.item_id, results[c.item_id], c.status) for c in example.corrections if c.item_id in results
        )
    return pairs


def calibrate(
    card: Scorecard,
    examples: Sequence[TrainingExample],
    current: Calibration | None = None,
    settings: FitSettings = FitSettings(),
    holdout: Holdout = Holdout(),
    risk_model: RiskModel | None = None,
) -> CalibrationRun:
    """Fit on every example, and assess the fitting on held-out calls against `current` (the
    calibration in use, None for the card as written): whether it may be activated, and why not.
    `risk_model`, fitted by the caller on the same reviews, is kept in the same version, so one
    version is everything learnt from them."""
    ordered = sorted(examples, key=lambda e: e.reviewed_at)
    calibration = fit(card, ordered, settings).model_copy(update={"risk_model": risk_model})
    folds = splits(ordered, holdout)
    before: list[Pair] = []
    after: list[Pair] = []
    for train, test in folds:
        before.extend(predictions(card, test, current))
        after.extend(predictions(card, test, fit(card, train, settings)))
    method: Literal["time_split", "k_fold", "none"] = (
        "none" if not folds else "time_split" if len(folds) == 1 else "k_fold"
    )
    compared = compare(before, after)
    reasons = [f"agreement falls on {c.item}" for c in compared if c.falls]
    if not before:
        reasons.append(f"too few reviewed calls to test on ({len(ordered)}; at least 2 are needed)")
    changed = not calibration.same_fit(current or _calibration_of(card, card, {}, 0))
    if not changed:
        reasons.append("nothing new was learnt: it would score as the calibration in use")
    return CalibrationRun(
        calibration=calibration,
        assessment=Assessment(
            method=method,
            held_out=sum(len(test) for _, test in folds),
            items=compared,
            changed=changed,
            activate=not reasons,
            reasons=reasons,
        ),
    )


def compare(before: Sequence[Pair], after: Sequence[Pair]) -> list[Compared]:
    """Per item and `all`: agreement before and after on the same decisions, and whether it fell."""
    old = {a.item: a for a in agreement_by_item(before)}
    new = {a.item: a for a in agreement_by_item(after)}
    return [
        Compared(
            item=item,
            corrections=old[item].reviews,
            before=old[item],
            after=new[item],
            falls=falls(old[item], new[item]),
        )
        for item in old
    ]


def falls(before: Agreement, after: Agreement) -> bool:
    """Lower accuracy, or lower kappa. An undefined kappa (both raters used one and the same
    label throughout, so they agree on everything) counts as 1."""
    return after.accuracy < before.accuracy - EPSILON or _kappa(after) < _kappa(before) - EPSILON


# ---- fitting ------------------------------------------------------------------------------------

Target = tuple[TrainingExample, ItemStatus]


def _targets(examples: Sequence[TrainingExample], item_id: str) -> list[Target]:
    return [(e, c.status) for e in examples for c in e.corrections if c.item_id == item_id]


def _fit_item(card: Scorecard, item_id: str, targets: list[Target], settings: FitSettings) -> Scorecard:
    """The condition first (whether the item applies), then the item's own matching."""
    item = _item(card, item_id)
    condition = item.applies_if
    if condition is not None and condition.phrases:
        card = _fit_phrases(card, item_id, targets, settings, on_condition=True)
    tuning = item.tuning()
    if tuning.cutoffs or tuning.exemplars is not None:
        card = _fit_phrases(card, item_id, targets, settings, on_condition=False)
    return card


def _fit_phrases(
    card: Scorecard, item_id: str, targets: list[Target], settings: FitSettings, on_condition: bool
) -> Scorecard:
    best = card
    best_agree = _agreeing(card, item_id, targets)
    if _takes_exemplars(_item(card, item_id), on_condition):
        for text, marked in _exemplar_candidates(card, item_id, targets, on_condition):
            if len(_learnt_phrases(card, best, item_id, on_condition)) >= settings.max_exemplars:
                break
            trial = _with_phrase(best, item_id, text, on_condition)
            agree = _agreeing(trial, item_id, targets)
            if agree > best_agree or (marked and agree == best_agree):
                best, best_agree = trial, agree
    for knob in _knobs(_item(best, item_id), on_condition):
        model, current = _knob(_item(best, item_id), knob, on_condition)
        for value in _candidates(model, knob, current, settings):
            trial = _with_value(best, item_id, knob, value, on_condition)
            agree = _agreeing(trial, item_id, targets)
            if agree > best_agree:
                best, best_agree = trial, agree
    return best


def _knobs(item: ItemBase, on_condition: bool) -> tuple[Cutoff, ...]:
    """The cut-offs there are to fit: a condition's, or those the item's type names."""
    return CONDITION_CUTOFFS if on_condition else item.tuning().cutoffs


def _knob(item: ItemBase, knob: str, on_condition: bool) -> tuple[type[BaseModel], float | None]:
    """The model class whose schema bounds the cut-off, and its value now (None where the model
    has no such cut-off: forbidden phrases have no semantic one)."""
    target: BaseModel = item.applies_if if on_condition and item.applies_if is not None else item
    value: float | None = getattr(target, knob, None)
    return type(target), value


def _agreeing(card: Scorecard, item_id: str, targets: list[Target]) -> int:
    return sum(_status(card, item_id, example) == human for example, human in targets)


def _status(card: Scorecard, item_id: str, example: TrainingExample) -> ItemStatus:
    """The item's status when `card` scores the example's call again."""
    results = decide_items(example.transcript, card, example.sentiment, only=item_id)
    return next(r.status for r in results if r.item_id == item_id)


def _candidates(
    model: type[BaseModel], knob: str, current: float | None, settings: FitSettings
) -> list[float | None]:
    """The grid for one cut-off, inside the schema's bounds and the search range, nearest to the
    current value first (so of two equally good values the nearer wins); for a semantic cut-off,
    off (None) last."""
    low, high = _bounds(model, knob)
    lo, hi = settings.semantic_range if knob == "semantic" else settings.fuzzy_range
    lo, hi = max(lo, low), min(hi, high)
    grid: list[float | None] = []
    steps = int((hi - lo) / settings.step + EPSILON)
    for k in range(steps + 1):
        value = round(lo + k * settings.step, 3)
        if current is None or abs(value - current) > EPSILON:
            grid.append(value)
    centre = current if current is not None else hi
    grid.sort(key=lambda v: abs((v or 0.0) - centre))
    if knob == "semantic" and current is not None:
        grid.append(None)
    return grid


def _number(bound: object) -> float:
    if not isinstance(bound, int | float):
        raise TypeError(f"a cut-off's bound must be a number, not {bound!r}")
    return float(bound)


def _bounds(model: type[BaseModel], knob: str) -> tuple[float, float]:
    """The card schema's own bounds of a cut-off (`ge`, `le`)."""
    metadata = model.model_fields[knob].metadata
    low = max((_number(m.ge) for m in metadata if isinstance(m, Ge)), default=0.0)
    high = min((_number(m.le) for m in metadata if isinstance(m, Le)), default=100.0)
    return low, high


def _takes_exemplars(item: ItemBase, on_condition: bool) -> bool:
    """Exemplars are for matching by meaning: a condition's, or an item's whose type says where
    it listens for them (not a script's steps, which would need them per step, nor forbidden
    phrases, matched literally on purpose)."""
    return on_condition or item.tuning().exemplars is not None


def _exemplar_candidates(
    card: Scorecard, item_id: str, targets: list[Target], on_condition: bool
) -> list[tuple[str, bool]]:
    """(sentence, marked by an inspector) for each correction that says the phrases should have
    matched: marked ones first, then the call's sentence nearest in meaning."""
    wanted = (ItemStatus.PASS, ItemStatus.FAIL) if on_condition else (ItemStatus.PASS,)
    item = _item(card, item_id)
    known = {normalise(p) for p in _phrases(item, on_condition)}
    marked: list[str] = []
    nearest: list[str] = []
    for example, human in targets:
        if human not in wanted:
            continue
        correction = next(c for c in example.corrections if c.item_id == item_id)
        texts = correction.applies_evidence if on_condition else correction.evidence
        if texts:
            marked.extend(texts)
            continue
        status = _status(card, item_id, example)
        missed = status == ItemStatus.NA if on_condition else status == ItemStatus.FAIL
        if missed:
            found = _nearest_sentence(card, item, example.transcript, on_condition)
            nearest.extend([found] if found else [])
    out: list[tuple[str, bool]] = []
    for text, is_marked in [*((t, True) for t in marked), *((t, False) for t in nearest)]:
        key = normalise(text)
        if sentence_like(text) and key not in known:
            known.add(key)
            out.append((text.strip(), is_marked))
    return out


def _nearest_sentence(
    card: Scorecard, item: ItemBase, transcript: Transcript, on_condition: bool
) -> str | None:
    """The sentence of the call (the right speaker's, in the item's window) nearest in meaning
    to the phrases and nearer to them than to any other item's: what the machine almost took."""
    condition = item.applies_if
    listening = item.tuning().exemplars
    if on_condition and condition is not None:
        speaker, window = condition.speaker, Window()
    elif listening is not None:
        speaker, window = listening.speaker, listening.window
    else:
        return None
    phrases = [p for p in _phrases(item, on_condition) if sentence_like(p)]
    floor, _ = _bounds(Condition, "semantic")
    hits = find_meaning(
        transcript,
        phrases,
        speaker,
        window,
        floor,
        meaning_encoder(transcript.language),
        rivals_of(card, item),
    )
    return max(hits, key=lambda h: h.similarity).quote if hits else None


# ---- cards and calibrations ---------------------------------------------------------------------


def _item(card: Scorecard, item_id: str) -> ItemBase:
    return next(item for item in card.all_items() if item.id == item_id)


def _phrases(item: ItemBase, on_condition: bool) -> list[str]:
    """The phrases exemplars join: the condition's, or the item's where its type takes them."""
    if on_condition:
        return item.applies_if.phrases if item.applies_if is not None else []
    listening = item.tuning().exemplars
    return listening.phrases if listening is not None else []


def _learnt_phrases(base: Scorecard, fitted: Scorecard, item_id: str, on_condition: bool) -> list[str]:
    written = set(_phrases(_item(base, item_id), on_condition))
    return [p for p in _phrases(_item(fitted, item_id), on_condition) if p not in written]


def _with_phrase(card: Scorecard, item_id: str, text: str, on_condition: bool) -> Scorecard:
    item = _item(card, item_id)
    if on_condition:
        assert item.applies_if is not None
        condition = item.applies_if.model_copy(update={"phrases": [*item.applies_if.phrases, text]})
        return _replace_item(card, item.model_copy(update={"applies_if": condition}))
    return _replace_item(card, _with_exemplars(item, [text]))


def _with_exemplars(item: ItemBase, texts: list[str]) -> ItemBase:
    """`item` with `texts` added to its phrases (its `phrases` field, as `Listening` says), if its
    type takes exemplars; else as it is."""
    listening = item.tuning().exemplars
    if listening is None:
        return item
    return item.model_copy(update={"phrases": [*listening.phrases, *texts]})


def _with_value(
    card: Scorecard, item_id: str, knob: str, value: float | None, on_condition: bool
) -> Scorecard:
    item = _item(card, item_id)
    if on_condition:
        assert item.applies_if is not None
        return _replace_item(
            card, item.model_copy(update={"applies_if": item.applies_if.model_copy(update={knob: value})})
        )
    return _replace_item(card, item.model_copy(update={knob: value}))


def _replace_item(card: Scorecard, new: ItemBase) -> Scorecard:
    return _replace_items(card, [new if item.id == new.id else item for item in card.all_items()])


def _replace_items(card: Scorecard, items: list[ItemBase]) -> Scorecard:
    by_id = {item.id: item for item in items}
    sections = [
        section.model_copy(update={"items": [by_id[item.id] for item in section.items]})
        for section in card.sections
    ]
    return card.model_copy(update={"sections": sections})


def _cutoffs(base: Scorecard, fitted: Scorecard, item_id: str, on_condition: bool) -> Cutoffs | None:
    item = _item(fitted, item_id)
    if on_condition and (item.applies_if is None or not _phrases(item, True)):
        return None
    if not on_condition and not item.tuning().cutoffs:
        return None
    _, min_similarity = _knob(item, "min_similarity", on_condition)
    _, semantic = _knob(item, "semantic", on_condition)
    return Cutoffs(
        min_similarity=min_similarity,
        semantic=semantic,
        exemplars=_learnt_phrases(base, fitted, item_id, on_condition),
    )


def _calibration_of(base: Scorecard, fitted: Scorecard, counts: dict[str, int], examples: int) -> Calibration:
    return Calibration(
        scorecard_id=base.id,
        scorecard_version=base.version,
        examples=examples,
        items=[
            ItemCalibration(
                item_id=item.id,
                corrections=counts.get(item.id, 0),
                item=_cutoffs(base, fitted, item.id, on_condition=False),
                condition=_cutoffs(base, fitted, item.id, on_condition=True),
            )
            for item in base.all_items()
        ],
    )


def _calibrated(item: ItemBase, learnt: ItemCalibration | None) -> ItemBase:
    """`item` with what was learnt for it, validated again by its own class (bounds included)."""
    if learnt is None:
        return item
    if learnt.item is not None:
        update: dict[str, object] = {"min_similarity": learnt.item.min_similarity}
        if "semantic" in type(item).model_fields:
            update["semantic"] = learnt.item.semantic
        item = _with_exemplars(item, learnt.item.exemplars).model_copy(update=update)
    if learnt.condition is not None and item.applies_if is not None:
        condition = item.applies_if.model_copy(
            update={
                "min_similarity": learnt.condition.min_similarity,
                "semantic": learnt.condition.semantic,
                "phrases": [*item.applies_if.phrases, *learnt.condition.exemplars],
            }
        )
        item = item.model_copy(update={"applies_if": condition})
    return type(item).model_validate(item.model_dump())


# ---- evaluation ---------------------------------------------------------------------------------


def _train_size(n: int, holdout: Holdout) -> int:
    return max(1, round(n * (1 - holdout.test_share)))


def splits(ordered: Sequence[T], holdout: Holdout) -> list[tuple[Sequence[T], Sequence[T]]]:
    """(learn from, test on) pairs over time-ordered examples, as `Holdout` says."""
    n = len(ordered)
    if n < 2:
        return []
    if n >= holdout.min_split:
        cut = _train_size(n, holdout)
        return [(ordered[:cut], ordered[cut:])]
    folds = min(holdout.folds, n)
    bounds = [round(n * k / folds) for k in range(folds + 1)]
    return [
        ([*ordered[: bounds[k]], *ordered[bounds[k + 1] :]], ordered[bounds[k] : bounds[k + 1]])
        for k in range(folds)
    ]


def _kappa(agreement: Agreement) -> float:
    return 1.0 if agreement.kappa is None else agreement.kappa
