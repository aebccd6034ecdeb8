"""Calibration runs, rollbacks and history as people read them: the same typed report for
`POST /calibrations/run`, the machine-calibration page and `callqa calibrate --json`.

The runs themselves are services/calibration.py's; this module says what became of each, in
one line and in figures, so the API, the page and the command line cannot tell it differently.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from review.calibration import Assessment, Calibration
from runtime.services import Services
from services.calibration import (
    SENTIMENT_HEAD,
    HeadOutcome,
    Outcome,
    calibration_key,
    refit_sentiment_head,
    repository,
    rollback,
    run_calibration,
)
from store.tables import CalibrationRow, CalibrationState


class CalibrationVersion(BaseModel):
    """One stored version of a card's calibration (or of the refitted sentiment head)."""

    version: int
    scorecard: str = Field(description="the card version it calibrates (`id@version`), or `sentiment-head`")
    created_at: datetime
    created_by: str = Field(description="who ran it (`user ann (admin)`, `cli`) or `nightly`")
    state: CalibrationState = Field(description="active, superseded (by a newer one) or rejected")
    why: str | None = Field(description="why it is rejected, superseded or restored; null when activated")
    state_changed_at: datetime
    assessment: Assessment = Field(
        description="per item and `all`: accuracy and kappa against inspectors before -> after, "
        "with 95% intervals, on corrections the fitting did not see"
    )
    learnt: Calibration | None = Field(
        description="the cut-offs, exemplars and risk model learnt; null for the sentiment head, "
        "whose learnt weights are numbers only"
    )

    @classmethod
    def of(cls, row: CalibrationRow) -> CalibrationVersion:
        head = row.scorecard_key == SENTIMENT_HEAD
        return cls(
            version=row.id,
            scorecard=row.scorecard_key,
            created_at=row.created_at,
            created_by=row.created_by,
            state=CalibrationState(row.state),
            why=row.state_reason,
            state_changed_at=row.state_changed_at,
            # a version is stored only when it scores differently from the one in use (both kinds),
            # and the head's metrics are its run less the head, without that flag
            assessment=Assessment.model_validate({"changed": True, **row.metrics}),
            learnt=None if head else Calibration.model_validate(row.params),
        )


class CardCalibrations(BaseModel):
    scorecard: str
    active: int | None = Field(description="the version scoring uses now; null: the card as written")
    versions: list[CalibrationVersion] = Field(description="newest first")


class CalibrationHistory(BaseModel):
    cards: list[CardCalibrations] = Field(description="by card, with any version stored")


class RunOutcome(BaseModel):
    scorecard: str
    examples: int = Field(description="reviewed calls learnt from (corrected turns for the sentiment head)")
    summary: str = Field(description="one line: what became of the run")
    activate: bool | None = Field(
        description="whether it is (would be, on a dry run) activated; null: no run"
    )
    version: CalibrationVersion | None = Field(
        description="the version stored; null on a dry run, with nothing to learn, or nothing new learnt"
    )
    assessment: Assessment | None = Field(description="before -> after on held-out corrections")
    learnt: Calibration | None


class RunReport(BaseModel):
    dry_run: bool
    outcomes: list[RunOutcome]


class RollbackDone(BaseModel):
    withdrawn: CalibrationVersion
    restored: CalibrationVersion | None = Field(
        description="the version active again; null: no earlier one, the card is scored as written"
    )


def calibration_history(services: Services, card: str | None = None) -> CalibrationHistory:
    """Every stored version, by card (cards in name order, the sentiment head last)."""
    by_card: dict[str, list[CalibrationVersion]] = {}
    for row in repository(services).history(None if card is None else calibration_key(services, card)):
        by_card.setdefault(row.scorecard_key, []).append(CalibrationVersion.of(row))
    return CalibrationHistory(
        cards=[
            CardCalibrations(
                scorecard=key,
                active=next((v.version for v in versions if v.state == CalibrationState.ACTIVE), None),
                versions=versions,
            )
            for key, versions in sorted(by_card.items(), key=lambda kv: (kv[0] == SENTIMENT_HEAD, kv[0]))
        ]
    )


def run_calibrations(services: Services, card: str | None, dry_run: bool, actor: str) -> RunReport:
    """As `callqa calibrate [--card] [--dry-run]`: every card and the sentiment head, or one card."""
    head = None if card else refit_sentiment_head(services, dry_run=dry_run, actor=actor)
    outcomes = [_card_outcome(o) for o in run_calibration(services, card, dry_run=dry_run, actor=actor)]
    if head is not None:
        outcomes.append(_head_outcome(head))
    return RunReport(dry_run=dry_run, outcomes=outcomes)


def _card_outcome(outcome: Outcome) -> RunOutcome:
    assessment = outcome.run.assessment if outcome.run else None
    return RunOutcome(
        scorecard=outcome.scorecard_key,
        examples=outcome.examples,
        summary=_summary(outcome.scorecard_key, outcome.stored, assessment),
        activate=assessment.activate if assessment else None,
        version=CalibrationVersion.of(outcome.stored) if outcome.stored else None,
        assessment=assessment,
        learnt=outcome.run.calibration if outcome.run else None,
    )


def _head_outcome(head: HeadOutcome) -> RunOutcome:
    assessment = Assessment.model_validate({"changed": True, **head.run.model_dump(exclude={"head"})})
    return RunOutcome(
        scorecard=SENTIMENT_HEAD,
        examples=head.corrected_turns,
        summary=_summary(SENTIMENT_HEAD, head.stored, assessment),
        activate=head.run.activate,
        version=CalibrationVersion.of(head.stored) if head.stored else None,
        assessment=assessment,
        learnt=None,
    )


def _summary(key: str, stored: CalibrationRow | None, assessment: Assessment | None) -> str:
    if assessment is None:
        return f"{key}: no reviewed items yet, nothing to learn from"
    if stored is not None:
        why = f" ({stored.state_reason})" if stored.state_reason else ""
        return f"{key}: version {stored.id} {stored.state}{why}"
    if not assessment.changed:
        return f"{key}: nothing new learnt, not stored"
    would = (
        "would be activated" if assessment.activate else "would be rejected: " + "; ".join(assessment.reasons)
    )
    return f"{key}: dry run, {would}"


def roll_back(services: Services, card: str, actor: str) -> RollbackDone:
    """Withdraw the card's active calibration, restore the one before (`NothingToRollBack` when
    there is none active)."""
    done = rollback(services, card, actor)
    return RollbackDone(
        withdrawn=CalibrationVersion.of(done.withdrawn),
        restored=CalibrationVersion.of(done.restored) if done.restored else None,
    )
