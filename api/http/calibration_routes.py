"""Calibration versions over HTTP: what the machine learnt from inspectors' corrections, how each
version did on corrections it did not learn from, a run (dry or real), and rollback.

The same work as `callqa calibrate` (services/calibration.py); the versions are read back into
review/calibration.py's own models, so the API shows exactly what the CLI prints. Admins and
supervisors read and run calibrations; only admins withdraw one, since a rollback changes how
every later call of the card is scored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from api.common.auth import require, services_of
from api.common.errors import ErrorBody, error_responses
from api.http.routes import known_query_only
from review.calibration import Assessment, Calibration
from runtime.services import Services
from services.access import CALIBRATORS, ROLLBACK_ROLES, Principal
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
from store.calibrations import NothingToRollBack
from store.tables import CalibrationRow, CalibrationState

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


CardKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="`id@version`, an id for its latest version, or `sentiment-head`",
    ),
]


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


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    card: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="one card (`id@version`, or an id for its latest version); none: every card "
        "and the sentiment head",
    )
    dry_run: bool = Field(default=False, description="fit and assess, store nothing")


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


def history_of(services: Services, card: str | None = None) -> CalibrationHistory:
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


def run(services: Services, card: str | None, dry_run: bool, actor: str) -> RunReport:
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


def _unknown_card(error: KeyError) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(error.args[0]))


@router.get("/calibrations", response_model=CalibrationHistory, responses=error_responses(404))
def list_calibrations(
    request: Request,
    card: Annotated[
        str | None,
        Query(max_length=200, description="one card (`id@version`, an id, or `sentiment-head`)"),
    ] = None,
    _: Principal = Depends(require(*CALIBRATORS)),
) -> CalibrationHistory:
    """Every calibration version per card, newest first: when and by whom, whether it was
    activated and why not, accuracy and kappa before -> after per item with 95% intervals, and
    what was learnt."""
    try:
        return history_of(services_of(request), card)
    except KeyError as error:
        raise _unknown_card(error) from error


@router.post("/calibrations/run", response_model=RunReport, responses=error_responses(404))
def run_calibrations(
    request: Request,
    wanted: Annotated[RunRequest, Body()] = RunRequest(),
    who: Principal = Depends(require(*CALIBRATORS)),
) -> RunReport:
    """Learn from the inspectors' corrections now (as the nightly run does): each card's new
    version is activated only when agreement on held-out corrections does not fall. With
    `dry_run`, the figures only. Answers when the fitting is done."""
    try:
        return run(services_of(request), wanted.card, wanted.dry_run, who.actor)
    except KeyError as error:
        raise _unknown_card(error) from error


@router.post(
    "/calibrations/{card}/rollback",
    response_model=RollbackDone,
    responses={
        **error_responses(404),
        409: {"model": ErrorBody, "description": "the card has no active calibration to roll back"},
    },
)
def rollback_calibration(
    request: Request, card: CardKey, who: Principal = Depends(require(*ROLLBACK_ROLES))
) -> RollbackDone:
    """Withdraw the card's active calibration and make the one before it active again (none: the
    card is scored as written). Calls already scored keep their analysis; a re-score uses the
    restored one."""
    try:
        done = rollback(services_of(request), card, who.actor)
    except KeyError as error:
        raise _unknown_card(error) from error
    except NothingToRollBack as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return RollbackDone(
        withdrawn=CalibrationVersion.of(done.withdrawn),
        restored=CalibrationVersion.of(done.restored) if done.restored else None,
    )
