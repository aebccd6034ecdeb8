"""How far the machine can be trusted: its agreement with inspectors, item by item.

Measured on the inspectors' newest decision per reviewed item of each call's current analysis
(confirmations count as agreement, overrides as disagreement); see review/agreement.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.days import IsoDay, day_start
from api.common.errors import error_responses
from api.http.routes import known_query_only
from review.agreement import Agreement
from services.access import Principal
from services.reviewing import machine_agreement
from store.tokens import Role

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


class IntervalView(BaseModel):
    low: float
    high: float


class ItemAgreementView(BaseModel):
    item: str = Field(description="scorecard id / item id; `all` for every reviewed item")
    reviews: int
    accuracy: float = Field(
        description="share of reviewed items where the inspector kept the machine's status"
    )
    accuracy_ci: IntervalView = Field(description="95% Wilson interval")
    kappa: float | None = Field(description="Cohen's kappa; null when undefined (a single label used)")
    kappa_ci: IntervalView | None = Field(description="95% interval (large-sample standard error)")

    @classmethod
    def of(cls, row: Agreement) -> ItemAgreementView:
        return cls.model_validate(row, from_attributes=True)


class AgreementReport(BaseModel):
    scorecard: str | None
    date_from: date | None
    date_to: date | None
    items: list[ItemAgreementView]


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
    _: Principal = Depends(require(Role.ADMIN, Role.SUPERVISOR)),
) -> AgreementReport:
    """Machine-inspector agreement per scorecard item: accuracy and Cohen's kappa, each with a 95%
    interval, and the same over all items."""
    rows = machine_agreement(
        services_of(request), scorecard, day_start(date_from), day_start(date_to, next_day=True)
    )
    items = [ItemAgreementView.of(row) for row in rows]
    return AgreementReport(scorecard=scorecard, date_from=date_from, date_to=date_to, items=items)
