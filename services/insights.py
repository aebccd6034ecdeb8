"""Reports and alerts over the stored calls: read the facts, apply insights/, store the result.

The jobs here are idempotent and catch up by themselves, so whatever runs them (the embedded
scheduler, Celery beat, the CLI) may run them late or twice: the daily report is generated once
its time has passed and it is not stored yet; alert rules raise nothing a recent alert covers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import structlog

from insights.alerts import evaluate
from insights.facts import CallFacts, CallMeta, call_facts
from insights.report import Report, build_report, trend_start
from models.sentiment import LABELS, SentimentLabel
from runtime.services import Services
from scoring.results import Analysis, ItemStatus, Verdict
from scoring.routing import RoutingDecision, RoutingQueue
from services.alert_delivery import deliver_pending
from store.alerts import AlertRepository, NewAlert
from store.db import session_factory
from store.reports import ReportRepository, ScoredCall
from store.tables import AlertRow, Call, StoredReport

log = structlog.get_logger("callqa.insights")

MAX_REPORT_DAYS = 366
"""The longest period one report covers (a year, with its leap day)."""


def reports(services: Services) -> ReportRepository:
    return ReportRepository(session_factory(services.engine))


def alerts(services: Services) -> AlertRepository:
    return AlertRepository(session_factory(services.engine))


def facts_between(
    services: Services, since: datetime, until: datetime, with_results: bool = True
) -> list[CallFacts]:
    """`with_results` False: from the call rows alone (see `_column_facts`)."""
    return [_facts(row) for row in reports(services).scored_calls(since, until, with_results)]


def _facts(row: ScoredCall) -> CallFacts:
    call = row.call
    meta = CallMeta(
        call_id=call.id,
        agent_id=call.agent_id,
        team=call.team,
        queue=call.queue,
        started_at=call.started_at or call.created_at,
        scored_at=row.scored_at,
        final_verdict=Verdict(call.final_verdict) if call.final_verdict else None,
        recovery_handled=row.recovery_handled,
        language=call.language,
        decisions={item: ItemStatus(status) for item, status in row.decisions.items()},
    )
    if row.analysis is None or row.routing is None:
        return _column_facts(meta, call)
    return call_facts(
        meta, Analysis.model_validate(row.analysis), RoutingDecision.model_validate(row.routing)
    )


def _column_facts(meta: CallMeta, call: Call) -> CallFacts:
    """What the call row's searchable columns say: enough for the score, sentiment and recovery
    rules; no items, dead air, audit draw or repeat-contact cue (left at their defaults, and so
    never used for a report)."""
    return CallFacts(
        **meta.model_dump(exclude={"decisions"}),
        score=call.score_total,
        verdict=Verdict(call.verdict or ""),  # a scored call has one: saving its analysis sets it
        audit_sample=False,
        routed_review=call.routing_queue == RoutingQueue.REVIEW,
        recovery=call.recovery,
        dead_air_s=None,
        customer_end=_label(call.customer_sentiment),
        items=(),
    )


def _label(value: str | None) -> SentimentLabel | None:
    return next((label for label in LABELS if label == value), None)


def period_report(services: Services, date_from: date, date_to: date, now: datetime | None = None) -> Report:
    """The report of the days from `date_from` to `date_to` (inclusive, in the report zone)."""
    if date_to < date_from:
        raise ValueError(f"the period ends ({date_to}) before it starts ({date_from})")
    if (date_to - date_from).days >= MAX_REPORT_DAYS:
        raise ValueError(f"a report covers at most {MAX_REPORT_DAYS} days")
    zone = services.settings.report_zone
    since = midnight(trend_start(date_from, date_to), zone)
    calls = facts_between(services, since, midnight(date_to, zone, next_day=True))
    generated = now or datetime.now(UTC)
    return build_report(calls, date_from, date_to, zone, services.settings.report_timezone, generated)


def period_facts(services: Services, date_from: date, date_to: date) -> list[CallFacts]:
    """The scored calls of the days from `date_from` to `date_to` (inclusive, in the report zone)."""
    zone = services.settings.report_zone
    return facts_between(services, midnight(date_from, zone), midnight(date_to, zone, next_day=True))


def midnight(day: date, zone: tzinfo, next_day: bool = False) -> datetime:
    """The start of `day` (of the day after) in `zone`, as UTC; the calendar's ends stay inside it."""
    try:
        return datetime.combine(day + timedelta(days=int(next_day)), time(), zone).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if day.year == 1 else datetime.max.replace(tzinfo=UTC)


def save_report(services: Services, report: Report) -> StoredReport:
    return reports(services).save(report.date_from, report.date_to, report.model_dump(mode="json"))


def stored_report(row: StoredReport) -> Report:
    return Report.model_validate(row.data)


def daily_report_if_due(services: Services, now: datetime) -> Report | None:
    """Yesterday's report (in the report zone), once `report_time` has passed today and it is not
    stored yet; None otherwise. A deployment down at 09:00 generates it when it comes back."""
    settings = services.settings
    local = now.astimezone(settings.report_zone)
    if local.time() < settings.report_time:
        return None
    yesterday = local.date() - timedelta(days=1)
    if reports(services).get(yesterday, yesterday) is not None:
        return None
    report = period_report(services, yesterday, yesterday, now)
    save_report(services, report)
    log.info("daily report generated", day=str(yesterday), calls=report.overall.calls_scored)
    return report


REMADE_DAYS = 7
"""Daily reports of the last week are remade when calls of their day were scored or reviewed
after them: recorders that upload in the evening or after an outage, and inspectors who review
yesterday's calls today, are the rule, not the exception. Older reports stay as they were sent
and say how many calls changed since (`stale_calls`)."""


def stale_calls(services: Services, row: StoredReport) -> int:
    """How many of the stored report's calls were scored, re-scored or reviewed after it was made."""
    zone = services.settings.report_zone
    since, until = midnight(row.date_from, zone), midnight(row.date_to, zone, next_day=True)
    return reports(services).changed_since(since, until, row.generated_at)


class NoDailyReport(LookupError):
    """No daily report of that day was generated."""


def daily_report(services: Services, day: date) -> StoredReport:
    """The stored daily report of `day`, as it was generated."""
    row = reports(services).get(day, day)
    if row is None:
        raise NoDailyReport(f"no daily report for {day} was generated")
    return row


def remake_report(services: Services, day: date) -> StoredReport:
    """A stored daily report made again from the calls as they are now (`NoDailyReport` if the
    day has none: only reports that were sent are remade)."""
    daily_report(services, day)
    return _remake(services, day, None)


def _remake(services: Services, day: date, now: datetime | None) -> StoredReport:
    report = period_report(services, day, day, now)
    log.info("daily report remade", day=str(day), calls=report.overall.calls_scored)
    return save_report(services, report)


def remake_stale_reports(services: Services, now: datetime) -> list[Report]:
    """The daily reports of the last `REMADE_DAYS` days whose calls changed since they were made,
    made again (a scheduled job: one count query per stored day when nothing changed)."""
    today = now.astimezone(services.settings.report_zone).date()
    remade = []
    for row in reports(services).daily(limit=REMADE_DAYS):
        if (today - row.date_from).days <= REMADE_DAYS and stale_calls(services, row):
            remade.append(stored_report(_remake(services, row.date_from, now)))
    return remade


def check_alerts(services: Services, now: datetime) -> list[AlertRow]:
    """Run every rule over the recent calls, store the new alerts, deliver what is pending.

    The rules over days (sentiment, scores, recovery) read the call rows only; the analyses are
    read for the systemic-issue window alone (hours), which is the one rule that needs items."""
    settings = services.settings
    thresholds = [settings.alerts] + [q.alerts for q in settings.queues.values() if q.alerts is not None]
    lookback = max(limits.lookback for limits in thresholds)
    short = max(timedelta(hours=limits.systemic_window_hours) for limits in thresholds)
    until = now + timedelta(seconds=1)
    calls = {c.call_id: c for c in facts_between(services, now - lookback, until, with_results=False)}
    calls.update((c.call_id, c) for c in facts_between(services, now - short, until))
    found = evaluate(list(calls.values()), now, settings.alert_thresholds)
    raised = alerts(services).raise_new(
        [NewAlert(a.kind, a.subject, a.queue, a.title, a.detail, a.call_ids, a.repeat_after) for a in found],
        now,
    )
    if raised:
        log.info("alerts raised", alerts=len(raised), kinds=sorted({row.kind for row in raised}))
    deliver_pending(settings, alerts(services))
    return raised
