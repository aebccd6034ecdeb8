"""Calibration versions over HTTP: what the machine learnt from inspectors' corrections, how each
version did on corrections it did not learn from, a run (dry or real), and rollback.

The same work and report as `callqa calibrate` (services/calibration_runs.py); versions are read back into
review/calibration.py's own models, so the API shows exactly what the CLI prints. Admins and
supervisors read and run calibrations; only admins withdraw one, since a rollback changes how
every later call of the card is scored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from api.common.auth import require, services_of
from api.common.errors import ErrorBody, error_responses
from api.http.routes import known_query_only
from services import calibration_runs
from services.access import CALIBRATORS, ROLLBACK_ROLES, Principal
from services.calibration_runs import CalibrationHistory, RollbackDone, RunReport
from store.calibrations import NothingToRollBack

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


CardKey = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="`id@version`, an id for its latest version, or `sentiment-head`",
    ),
]


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
        return calibration_runs.calibration_history(services_of(request), card)
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
        return calibration_runs.run_calibrations(services_of(request), wanted.card, wanted.dry_run, who.actor)
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
        done = calibration_runs.roll_back(services_of(request), card, who.actor)
    except KeyError as error:
        raise _unknown_card(error) from error
    except NothingToRollBack as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    return done
