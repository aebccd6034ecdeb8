"""How far the machine can be trusted: its agreement with inspectors, item by item.

Measured on the inspectors' newest decision per reviewed item of each call's current analysis
(confirmations count as agreement, overrides as disagreement); see review/agreement.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import error_responses
from api.http.routes import known_query_only
from services import agreement
from services.access import AGREEMENT_READERS, Principal
from services.agreement import AgreementReport

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


@router.get("/reports/agreement", response_model=AgreementReport)
def agreement_report(
    request: Request,
    scorecard: Annotated[
        str | None, Query(max_length=200, description="a card id: its versions only")
    ] = None,
    date_from: Annotated[
        IsoDay | None, Query(description="decisions made on or after this day (UTC)")
    ] = None,
    date_to: Annotated[IsoDay | None, Query(description="decisions made on or before this day (UTC)")] = None,
    _: Principal = Depends(require(*AGREEMENT_READERS)),
) -> AgreementReport:
    """Machine-inspector agreement per scorecard item: accuracy and Cohen's kappa, each with a 95%
    interval, and the same over all items and per inspector."""
    return agreement.agreement_report(services_of(request), scorecard, date_from, date_to)
