"""Reports and alerts for operations and QA leads (supervisors, admins, inspectors).

A report covers `days` days from `date_from` (in CALLQA_REPORT_TIMEZONE): a period is a start and a
length rather than two dates so that every period the schema allows is one the API answers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.common.auth import require, services_of
from api.common.days import IsoDay
from api.common.errors import error_responses
from api.http.routes import MAX_OFFSET, known_query_only, visible_call
from insights.alerts import AlertKind
from insights.report import Report
from insights.report_csv import report_csv
from services import insights
from services.access import MANAGERS, REPORT_READERS, Principal
from services.insights import (
    MAX_REPORT_DAYS,
    NoDailyReport,
    alerts,
    period_report,
    remake_report,
    reports,
    stored_report,
)
from store.tables import AlertRow, StoredReport

router = APIRouter(responses=error_responses(400, 401, 403, 422), dependencies=[Depends(known_query_only)])


Days = Annotated[int, Query(ge=1, le=MAX_REPORT_DAYS, description="how many days, from date_from")]


class StoredReportSummary(BaseModel):
    id: int
    date_from: date
    date_to: date
    generated_at: datetime

    @classmethod
    def of(cls, row: StoredReport) -> StoredReportSummary:
        return cls.model_validate(row, from_attributes=True)


class AlertView(BaseModel):
    id: int
    kind: AlertKind
    subject: str = Field(description="what it is about; one alert per subject within the rule's window")
    queue: str | None
    title: str
    detail: str
    call_ids: list[str] = Field(description="the calls behind it")
    raised_at: datetime
    webhook_sent_at: datetime | None
    email_sent_at: datetime | None
    delivery_attempts: int
    delivery_error: str | None

    @classmethod
    def of(cls, row: AlertRow) -> AlertView:
        return cls.model_validate(row, from_attributes=True)


class RecoveryNote(BaseModel):
    comment: str | None = Field(
        default=None, max_length=2000, pattern=r"^[^\x00]*$", description="what was agreed with the customer"
    )


class RecoveryHandled(BaseModel):
    call_id: str
    recorded: bool = Field(description="false when it had been recorded before (the first record stands)")


def _period(request: Request, date_from: date, days: int) -> Report:
    last = date.max if (date.max - date_from).days < days - 1 else date_from + timedelta(days=days - 1)
    return period_report(services_of(request), date_from, last)


@router.get("/reports/quality", response_model=Report)
def quality_report(
    request: Request,
    date_from: Annotated[IsoDay, Query(description="the first day")],
    days: Days = 1,
    _: Principal = Depends(require(*REPORT_READERS)),
) -> Report:
    """The quality report of any period, computed now: per agent, team and queue, calls scored,
    machine pass rate, reviewed calls and the audited pass rate with its 95% interval, item
    failure rates, dead air, how customers left, calls routed to review and to recovery."""
    return _period(request, date_from, days)


@router.get(
    "/reports/quality.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "one row per group"}
    },
)
def quality_report_csv(
    request: Request,
    date_from: Annotated[IsoDay, Query(description="the first day")],
    days: Days = 1,
    _: Principal = Depends(require(*REPORT_READERS)),
) -> Response:
    """The same report as CSV: one row per group (all, each agent, team and queue)."""
    report = _period(request, date_from, days)
    name = f"callqa-report-{report.date_from}-{report.date_to}.csv"
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/daily", response_model=list[StoredReportSummary])
def daily_reports(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 60,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    _: Principal = Depends(require(*REPORT_READERS)),
) -> list[StoredReportSummary]:
    """The daily reports generated so far (at CALLQA_REPORT_TIME for the day before), newest first."""
    return [StoredReportSummary.of(row) for row in reports(services_of(request)).daily(limit, offset)]


@router.get("/reports/daily/{day}", response_model=Report, responses=error_responses(404))
def daily_report(
    request: Request,
    day: Annotated[IsoDay, Path(description="the day it covers")],
    _: Principal = Depends(require(*REPORT_READERS)),
) -> Report:
    """A stored daily report, as it was generated."""
    try:
        return stored_report(insights.daily_report(services_of(request), day))
    except NoDailyReport as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.post("/reports/daily/{day}/remake", response_model=Report, responses=error_responses(404))
def remake_daily_report(
    request: Request,
    day: Annotated[IsoDay, Path(description="the day it covers")],
    _: Principal = Depends(require(*MANAGERS)),
) -> Report:
    """Make a stored daily report again from the calls as they are now (calls uploaded late,
    re-scored or reviewed since it was made); the scheduler does this by itself for the last 7
    days within 5 minutes."""
    try:
        return stored_report(remake_report(services_of(request), day))
    except NoDailyReport as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.get("/alerts", response_model=list[AlertView])
def list_alerts(
    request: Request,
    kind: AlertKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    _: Principal = Depends(require(*REPORT_READERS)),
) -> list[AlertView]:
    """Raised alerts, the newest first, each with the calls behind it and how its delivery went."""
    return [AlertView.of(row) for row in alerts(services_of(request)).search(kind, limit, offset)]


@router.post(
    "/calls/{call_id}/recovery-handled",
    response_model=RecoveryHandled,
    responses=error_responses(404, 409),
)
def recovery_handled(
    request: Request,
    call_id: str,
    note: Annotated[RecoveryNote | None, Body()] = None,
    who: Principal = Depends(require(*REPORT_READERS)),
) -> RecoveryHandled:
    """The customer of a recovery-queue call was called back: its overdue alert stops applying."""
    services = services_of(request)
    call = visible_call(services, who, call_id)
    if not call.recovery:
        raise HTTPException(status.HTTP_409_CONFLICT, "the call is not in the recovery queue")
    comment = note.comment if note is not None else None
    recorded = reports(services).mark_recovery_handled(call.id, who.actor, comment)
    return RecoveryHandled(call_id=call.id, recorded=recorded)
