"""How far the machine can be trusted, as the API, the agreement page and `callqa agreement --json`
report it: agreement with inspectors per scorecard item and per inspector, with intervals.

Measured on the inspectors' newest decision per reviewed item of each call's current analysis
(confirmations count as agreement, overrides as disagreement); see review/agreement.py.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from review.agreement import Agreement
from runtime.services import Services
from services.days import day_start
from services.reviewing import machine_agreement


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


class InspectorAgreementView(BaseModel):
    inspector: str = Field(description="who decided, as their decisions record them")
    reviews: int
    accuracy: float = Field(description="share of their reviewed items where they kept the machine's status")
    accuracy_ci: IntervalView = Field(description="95% Wilson interval")
    kappa: float | None = Field(description="Cohen's kappa; null when undefined (a single label used)")
    kappa_ci: IntervalView | None = Field(description="95% interval (large-sample standard error)")

    @classmethod
    def of(cls, row: Agreement) -> InspectorAgreementView:
        return cls(
            inspector=row.item,
            reviews=row.reviews,
            accuracy=row.accuracy,
            accuracy_ci=IntervalView.model_validate(row.accuracy_ci, from_attributes=True),
            kappa=row.kappa,
            kappa_ci=None
            if row.kappa_ci is None
            else IntervalView.model_validate(row.kappa_ci, from_attributes=True),
        )


class AgreementReport(BaseModel):
    scorecard: str | None
    date_from: date | None
    date_to: date | None
    items: list[ItemAgreementView]
    inspectors: list[InspectorAgreementView] = Field(
        description="per inspector, by name: one far below the others is a calibration-session topic"
    )


def agreement_report(
    services: Services, scorecard: str | None, date_from: date | None, date_to: date | None
) -> AgreementReport:
    """Decisions made from `date_from` to `date_to` (days, UTC, inclusive); `scorecard`: one card's
    versions only."""
    figures = machine_agreement(services, scorecard, day_start(date_from), day_start(date_to, next_day=True))
    return AgreementReport(
        scorecard=scorecard,
        date_from=date_from,
        date_to=date_to,
        items=[ItemAgreementView.of(row) for row in figures.items],
        inspectors=[InspectorAgreementView.of(row) for row in figures.inspectors],
    )
