"""The report and alert pages (`/ui/reports`, `/ui/alerts`) for supervisors, admins and inspectors.

The report page opens on yesterday's daily report as it was stored (generated live if the
scheduler has not made it yet); any other period is a plain GET form, so it can be bookmarked.
A value that cannot be read is named on the page and the default used, not a 422.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from api.common.auth import BrowserSession, services_of
from api.common.days import IsoDay, parse_day
from api.web.charts import item_failure_chart, trend_chart
from api.web.pages import PageRefused, call_for, render
from api.web.session import form_for, page_for
from insights.alerts import AlertKind
from insights.report import Report
from insights.report_csv import report_csv
from runtime.services import Services
from services.access import MANAGERS, REVIEWERS
from services.insights import (
    MAX_REPORT_DAYS,
    NoDailyReport,
    alerts,
    daily_report,
    period_report,
    remake_report,
    reports,
    stale_calls,
    stored_report,
)
from store.tables import StoredReport

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Query(max_length=40)]


def _yesterday(services: Services) -> date:
    return datetime.now(UTC).astimezone(services.settings.report_zone).date() - timedelta(days=1)


def read_period(
    services: Services, date_from: str, days: str, problems: list[str], default_days: int = 1
) -> tuple[date, int]:
    """The first day and the number of days asked for; yesterday (and the days before it, to make
    `default_days`) where none is given, with what could not be read added to `problems`."""
    first = _yesterday(services) - timedelta(days=default_days - 1)
    if date_from:
        try:
            first = parse_day(date_from)
        except ValueError as error:
            problems.append(f"from: {error}; the default shown")
    length = default_days
    if days:
        if days.isdigit() and 1 <= int(days) <= MAX_REPORT_DAYS:
            length = int(days)
        else:
            problems.append(
                f"days: a whole number from 1 to {MAX_REPORT_DAYS}, not {days!r}; {default_days} shown"
            )
    return first, min(length, (date.max - first).days + 1)


def _show(
    request: Request,
    browser: BrowserSession,
    report: Report,
    stored: StoredReport | None,
    problems: list[str],
    days: int,
    notice: str | None = None,
) -> Response:
    """`stored`: the stored daily report shown, whose changed calls the page counts."""
    services = services_of(request)
    query = urlencode({"date_from": report.date_from.isoformat(), "days": days})
    return render(
        request,
        "report.html",
        {
            "report": report,
            "stored": stored is not None,
            "stale_calls": stale_calls(services, stored) if stored is not None else 0,
            "may_remake": stored is not None and browser.principal.role in MANAGERS,
            "notice": notice,
            "problems": problems,
            "days": days,
            "csv_link": f"/ui/reports/csv?{query}",
            "trend": trend_chart(report.trend),
            "failures": item_failure_chart(report.overall.items),
            "daily": reports(services).daily(limit=30),
        },
    )


@router.get("/ui/reports")
def report_page(
    request: Request,
    date_from: Text = "",
    days: Text = "",
    browser: BrowserSession = Depends(page_for(*REVIEWERS)),
) -> Response:
    """Yesterday's daily report, or the period asked for."""
    services = services_of(request)
    problems: list[str] = []
    first, length = read_period(services, date_from, days, problems)
    if length == 1:
        row = reports(services).get(first, first)
        if row is not None:
            return _show(request, browser, stored_report(row), row, problems, length)
    report = period_report(services, first, first + timedelta(days=length - 1))
    return _show(request, browser, report, None, problems, length)


@router.get("/ui/reports/daily/{day}")
def daily_report_page(
    request: Request, day: IsoDay, browser: BrowserSession = Depends(page_for(*REVIEWERS))
) -> Response:
    """A stored daily report, as it was generated."""
    try:
        row = daily_report(services_of(request), day)
    except NoDailyReport as error:
        raise PageRefused(404, f"{str(error).capitalize()}.") from error
    return _show(request, browser, stored_report(row), row, [], 1)


@router.post("/ui/reports/daily/{day}/remake")
def remake_daily_report(
    request: Request, day: IsoDay, browser: BrowserSession = Depends(form_for(*MANAGERS))
) -> Response:
    """Make the stored daily report again from the calls as they are now; back to it."""
    try:
        row = remake_report(services_of(request), day)
    except NoDailyReport as error:
        raise PageRefused(404, f"{str(error).capitalize()}.") from error
    report = stored_report(row)
    notice = f"Remade at {report.generated_at:%Y-%m-%d %H:%M} UTC from the calls as they are now."
    return _show(request, browser, report, row, [], 1, notice)


@router.get("/ui/reports/csv")
def report_csv_download(
    request: Request,
    date_from: Text = "",
    days: Text = "",
    _: BrowserSession = Depends(page_for(*REVIEWERS)),
) -> Response:
    services = services_of(request)
    problems: list[str] = []
    first, length = read_period(services, date_from, days, problems)
    if problems:
        raise PageRefused(422, "; ".join(problems))
    report = period_report(services, first, first + timedelta(days=length - 1))
    name = f"callqa-report-{report.date_from}-{report.date_to}.csv"
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/ui/alerts")
def alerts_page(
    request: Request, kind: Text = "", browser: BrowserSession = Depends(page_for(*REVIEWERS))
) -> Response:
    """The alerts raised, the newest first, each with its calls; recovery calls can be marked
    called back from here."""
    known = kind if kind in set(AlertKind) else None
    problems = [f"kind: unknown value {kind!r}"] if kind and known is None else []
    services = services_of(request)
    rows = alerts(services).search(known, limit=200)
    recovery = [row.call_ids[0] for row in rows if row.kind == AlertKind.RECOVERY_OVERDUE]
    context = {
        "rows": rows,
        "kinds": [k.value for k in AlertKind],
        "kind": known or "",
        "problems": problems,
        "handled": reports(services).recovery_handled(recovery),
    }
    return render(request, "alerts.html", context)


@router.post("/ui/calls/{call_id}/recovery-handled")
def recovery_handled_form(
    request: Request, call_id: str, browser: BrowserSession = Depends(form_for(*REVIEWERS))
) -> Response:
    """The customer was called back; back to the alerts page."""
    services = services_of(request)
    call = call_for(services, browser, call_id)
    if not call.recovery:
        raise PageRefused(409, "The call is not in the recovery queue.")
    reports(services).mark_recovery_handled(call.id, browser.principal.actor, None)
    return RedirectResponse("/ui/alerts", status_code=303)
