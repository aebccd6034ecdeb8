"""Calibration runs over the stored corrections, and the calibrated card every scoring uses.

A run (`callqa calibrate`, the nightly task) reads, per card version, the inspectors' newest
decisions on current analyses (`item_reviews`) and the sentences they marked as an item's
evidence (`evidence_marks` of kind `item_evidence`), fits and assesses a calibration
(review/calibration.py), and keeps it as a new version: activated when agreement on held-out
corrections does not fall, else rejected with the reason. A fitting that would score exactly as
the calibration in use is not stored again (a nightly run without new corrections adds nothing).
The risk model is refitted on the same reviews and kept in the card's version; the sentiment
head is refitted from the customer turns inspectors relabelled and versioned on its own
(`sentiment-head`), since one head serves every card.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import structlog

from models.risk import RiskModel, fit_risk
from models.sentiment import EmbeddingSentiment, SentimentModel
from models.sentiment_refit import LabelledTurn, SentimentHead, head_of
from models.train_sentiment import SEED_SET, read_seed
from review.calibration import (
    Calibration,
    CalibrationError,
    CalibrationRun,
    Correction,
    FitSettings,
    Holdout,
    TrainingExample,
    apply,
    calibrate,
)
from review.risk_features import risk_features
from review.sentiment_calibration import HeadRun, refit_sentiment
from runtime.services import Services
from scoring.results import ItemStatus, Verdict
from scoring.scorecard import Scorecard
from scoring.sentiment import summarise
from store.calibrations import CalibrationRepository, CorrectedItem, NewCalibration, Rollback
from store.db import session_factory
from store.evidence import EvidenceKind
from store.tables import CalibrationRow

log = structlog.get_logger("callqa.calibrating")

NIGHTLY = "nightly"
"""`created_by` of the scheduled runs."""

SENTIMENT_HEAD = "sentiment-head"
"""The calibrations' `scorecard_key` of refitted sentiment heads: versioned, activated and rolled
back like a card's calibration, but one for the deployment (one head serves every card)."""


@dataclass(frozen=True)
class Outcome:
    """One card version's run: what was fitted and assessed, and the version stored (None on a
    dry run, when there was nothing to learn from, or when nothing new was learnt)."""

    scorecard_key: str
    examples: int
    run: CalibrationRun | None
    stored: CalibrationRow | None


def repository(services: Services) -> CalibrationRepository:
    return CalibrationRepository(session_factory(services.engine))


def run_calibration(
    services: Services,
    scorecard: str | None = None,
    dry_run: bool = False,
    actor: str = NIGHTLY,
    settings: FitSettings = FitSettings(),
    holdout: Holdout = Holdout(),
) -> list[Outcome]:
    """Every card version (or `scorecard`: `id@version`, or an id for its latest version)."""
    cards = [services.scorecards.get(scorecard)] if scorecard else list(services.scorecards.cards.values())
    return [_calibrate_card(services, card, dry_run, actor, settings, holdout) for card in cards]


def _calibrate_card(
    services: Services, card: Scorecard, dry_run: bool, actor: str, settings: FitSettings, holdout: Holdout
) -> Outcome:
    reviewed = reviewed_calls(services, card)
    if not reviewed:
        return Outcome(card.key, 0, None, None)
    risk = fit_risk([r.features for r in reviewed], [r.changed for r in reviewed])
    examples = [r.example for r in reviewed]
    run = calibrate(card, examples, active_calibration(services, card), settings, holdout, risk)
    head = repository(services).active(SENTIMENT_HEAD)
    run.calibration.sentiment_head = head.id if head is not None else None
    stored = None
    if not dry_run and run.assessment.changed:
        stored = repository(services).add(
            NewCalibration(
                scorecard_key=card.key,
                created_by=actor,
                params=run.calibration.model_dump(mode="json"),
                metrics=run.assessment.model_dump(mode="json"),
                activate=run.assessment.activate,
                reason="; ".join(run.assessment.reasons) or None,
            )
        )
        log.info(
            "calibrated",
            scorecard=card.key,
            calibration=stored.id,
            state=stored.state,
            examples=len(examples),
            reason=stored.state_reason,
        )
    return Outcome(card.key, len(examples), run, stored)


@dataclass(frozen=True)
class Reviewed:
    """A reviewed call as calibration learns from it: the example for the card's cut-offs, and
    for the risk model its features and whether the inspector failed or changed the call."""

    example: TrainingExample
    features: dict[str, float]
    changed: bool


def reviewed_calls(services: Services, card: Scorecard) -> list[Reviewed]:
    """Every call reviewed on `card`'s version. A call whose transcript is gone (retention,
    erasure) has nothing to learn from and is left out."""
    by_call: dict[str, list[CorrectedItem]] = defaultdict(list)
    for corrected in repository(services).corrected_items(card.key):
        by_call[corrected.call_id].append(corrected)
    marked = _marked_evidence(services, by_call)
    out = []
    for call_id, items in by_call.items():
        transcript = services.results.transcript(call_id)
        stored = services.results.analysis(call_id)
        call = services.calls.get(call_id)
        if transcript is None or stored is None or call is None:
            continue
        sentiment = stored.analysis.sentiment or summarise(transcript, services.sentiment_model)
        corrections = [
            Correction(
                item_id=i.item_id,
                status=ItemStatus(i.status),
                evidence=marked.get((i.analysis_id, i.item_id), []),
            )
            for i in items
        ]
        machine = {item.item_id: item.status for item in stored.analysis.score.items}
        changed = call.final_verdict == Verdict.FAIL or any(
            machine.get(c.item_id) != c.status for c in corrections
        )
        example = TrainingExample(
            call_id=call_id,
            reviewed_at=max(i.at for i in items),
            transcript=transcript,
            sentiment=sentiment,
            corrections=corrections,
        )
        out.append(Reviewed(example, risk_features(stored.analysis, transcript).values(), changed))
    return out


def _marked_evidence(
    services: Services, by_call: dict[str, list[CorrectedItem]]
) -> dict[tuple[int, str], list[str]]:
    """(analysis, item) -> the words inspectors marked as its evidence. Marks made in the redacted
    view are left out: their words carry masks, not what was said."""
    out: dict[tuple[int, str], list[str]] = defaultdict(list)
    for mark in services.evidence.marks(call_ids=list(by_call)) if by_call else []:
        if mark.kind == EvidenceKind.ITEM_EVIDENCE and mark.item_id is not None and not mark.redacted:
            out[(mark.analysis_id, mark.item_id)].append(mark.text)
    return out


def active_calibration(services: Services, card: Scorecard) -> Calibration | None:
    row = repository(services).active(card.key)
    return None if row is None else Calibration.model_validate(row.params)


@dataclass(frozen=True)
class CardInUse:
    """What scoring and routing use for a card: the card with its active calibration applied,
    that calibration's id (None: the card as written) and its risk model (None: none fitted)."""

    card: Scorecard
    calibration_id: int | None
    risk_model: RiskModel | None


def calibrated_card(services: Services, card: Scorecard) -> CardInUse:
    """A calibration the card's file no longer accepts (an item removed without a new version) is
    logged and skipped rather than failing every call."""
    row = repository(services).active(card.key)
    if row is None:
        return CardInUse(card, None, None)
    calibration = Calibration.model_validate(row.params)
    try:
        return CardInUse(apply(card, calibration), row.id, calibration.risk_model)
    except CalibrationError as error:
        log.error("calibration not applied", scorecard=card.key, calibration=row.id, reason=str(error))
        return CardInUse(card, None, None)


def rollback(services: Services, scorecard: str, actor: str) -> Rollback:
    """Withdraw the active calibration of `scorecard` (`id@version`, an id for its latest
    version, or `sentiment-head`) and restore the one before it. Calls already scored keep their
    analysis; a re-score uses the restored one."""
    return repository(services).rollback(calibration_key(services, scorecard), actor)


def calibration_key(services: Services, scorecard: str) -> str:
    """The calibrations' `scorecard_key` of `scorecard` (`id@version`, an id for its latest
    version, or `sentiment-head`); KeyError naming the known cards when it names none."""
    return SENTIMENT_HEAD if scorecard == SENTIMENT_HEAD else services.scorecards.get(scorecard).key


@dataclass(frozen=True)
class HeadOutcome:
    corrected_turns: int
    run: HeadRun
    stored: CalibrationRow | None


def refit_sentiment_head(
    services: Services, dry_run: bool = False, actor: str = NIGHTLY
) -> HeadOutcome | None:
    """Refit the shipped sentiment head with the customer turns inspectors relabelled (marks of
    kind `sentiment`), kept as a version and activated when agreement on held-out corrected turns
    does not fall. None when there is nothing to refit: no corrected turn, or a deployment that
    uses its own Hugging Face model (that model is its owner's to train)."""
    if services.settings.sentiment_model_dir is not None:
        return None
    turns = [
        LabelledTurn(mark.text, mark.label)
        for mark in services.evidence.marks()
        if mark.kind == EvidenceKind.SENTIMENT and mark.label is not None and not mark.redacted
    ]
    if not turns:
        return None
    shipped = head_of(EmbeddingSentiment())
    active = repository(services).active(SENTIMENT_HEAD)
    current = SentimentHead.model_validate(active.params) if active is not None else shipped
    anchors = [LabelledTurn(text, label) for text, label, _ in read_seed(SEED_SET)]
    run = refit_sentiment(shipped, current, turns, anchors, version=f"refit-{len(turns)}-turns")
    if dry_run or run.head.corrections == current.corrections:
        return HeadOutcome(len(turns), run, None)
    stored = repository(services).add(
        NewCalibration(
            scorecard_key=SENTIMENT_HEAD,
            created_by=actor,
            params=run.head.model_dump(mode="json"),
            metrics=run.model_dump(mode="json", exclude={"head"}),
            activate=run.activate,
            reason="; ".join(run.reasons) or None,
        )
    )
    log.info("sentiment head refitted", calibration=stored.id, state=stored.state, turns=len(turns))
    return HeadOutcome(len(turns), run, stored)


_heads: dict[int, SentimentModel] = {}


def sentiment_model_in_use(services: Services) -> SentimentModel:
    """The active refitted head when there is one (built once per version per process), else the
    configured model."""
    if services.settings.sentiment_model_dir is not None:
        return services.sentiment_model
    row = repository(services).active(SENTIMENT_HEAD)
    if row is None:
        return services.sentiment_model
    if row.id not in _heads:
        _heads[row.id] = SentimentHead.model_validate(row.params).model()
    return _heads[row.id]


def nightly_calibration_if_due(services: Services, now: datetime) -> list[Outcome] | None:
    """Every card's calibration, once a day after `calibration_time` (in the report zone); None
    when not due (too early, or tonight's is taken). A deployment down at that time runs it when
    it comes back; the day's row is taken first, so two schedulers never both run it."""
    settings = services.settings
    local = now.astimezone(settings.report_zone)
    if local.time() < settings.calibration_time or not repository(services).claim_night(local.date()):
        return None
    head = refit_sentiment_head(services, actor=NIGHTLY)
    outcomes = run_calibration(services, actor=NIGHTLY)
    lines = [describe(o) for o in outcomes]
    if head is not None and head.stored is not None:
        lines.append(f"{SENTIMENT_HEAD}: version {head.stored.id} {head.stored.state}")
    repository(services).finish_night(local.date(), lines)
    return outcomes


def describe(outcome: Outcome) -> str:
    """One line: what became of a card version's run."""
    if outcome.run is None:
        return f"{outcome.scorecard_key}: no reviewed items"
    if outcome.stored is None:
        return f"{outcome.scorecard_key}: unchanged ({outcome.examples} reviewed calls)"
    why = f" ({outcome.stored.state_reason})" if outcome.stored.state_reason else ""
    return f"{outcome.scorecard_key}: version {outcome.stored.id} {outcome.stored.state}{why}"
