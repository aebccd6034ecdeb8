"""`callqa report` and `callqa alerts check|list`: the quality report and the alert rules from a
terminal, through the same functions as the API and the scheduled jobs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.common.days import parse_day
from api.render import message, safe, terminal_json
from insights.report import GroupFigures, Report
from insights.report_csv import report_csv
from runtime.services import Services
from runtime.settings import get_settings
from services.insights import alerts, check_alerts, period_report
from store.tables import AlertRow

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

alerts_app = typer.Typer(help="Alerts: run the rules now, list what was raised.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)
    app.add_typer(alerts_app, name="alerts")


def report(
    date_from: Annotated[str, typer.Option("--from", help="the first day, YYYY-MM-DD")],
    date_to: Annotated[str | None, typer.Option("--to", help="the last day (default: --from)")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="also write the report as CSV here")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """The quality report of a period: per agent, team and queue (days in CALLQA_REPORT_TIMEZONE)."""
    try:
        first = parse_day(date_from)
        last = parse_day(date_to) if date_to else first
        built = period_report(Services(get_settings()), first, last)
    except ValueError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    if csv_out is not None:
        csv_out.write_text(report_csv(built), encoding="utf-8")
        errors.print(f"CSV written to {csv_out}")
    if json_out:
        print(terminal_json(built.model_dump(mode="json")))
        return
    console.print(report_table(built))
    console.print(failures_table(built.overall))


def report_table(built: Report) -> Table:
    table = Table(title=f"quality report {built.date_from} to {built.date_to} ({built.timezone})")
    columns = ("group", "calls", "machine pass", "mean score", "reviewed", "audited pass (95% CI)")
    for name in (*columns, "dead air s", "left negative", "to review", "to recovery"):
        table.add_column(name, justify="left" if name == "group" else "right")
    for group in built.groups():
        ci = group.audited_ci
        audited = (
            f"{group.audited_pass_rate:.0%} ({ci.low:.0%}-{ci.high:.0%}) of {group.audited}"
            if group.audited_pass_rate is not None and ci is not None
            else "-"
        )
        table.add_row(
            safe(f"{group.dimension.value} {group.key}" if group.dimension.value != "all" else "all"),
            str(group.calls_scored),
            _percent(group.machine_pass_rate),
            "-" if group.mean_score is None else f"{group.mean_score:.1f}",
            str(group.reviewed),
            audited,
            "-" if group.dead_air_mean_s is None else f"{group.dead_air_mean_s:.1f}",
            str(group.customer_end.negative),
            str(group.routed_review),
            str(group.routed_recovery),
        )
    return table


def failures_table(group: GroupFigures) -> Table:
    table = Table(title="items failed most often (all calls)")
    for name in ("item", "failed", "of decided", "rate"):
        table.add_column(name, justify="left" if name == "item" else "right")
    for item in group.items[:15]:
        table.add_row(
            safe(f"{item.label} ({item.item_id})"), str(item.failed), str(item.decided), f"{item.rate:.0%}"
        )
    return table


@alerts_app.command("check")
def alerts_check() -> None:
    """Run the alert rules now (the scheduler runs them every CALLQA_ALERT_INTERVAL_MINUTES) and
    deliver what is pending; prints the alerts raised."""
    raised = check_alerts(Services(get_settings()), datetime.now(UTC))
    _print_alerts(raised)
    if not raised:
        errors.print("no new alert")


@alerts_app.command("list")
def alerts_list(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="how many, newest first")] = 20,
) -> None:
    """The alerts raised, the newest first."""
    _print_alerts(alerts(Services(get_settings())).search(None, limit))


def _print_alerts(rows: list[AlertRow]) -> None:
    for row in rows:
        console.print(message(f"{row.raised_at:%Y-%m-%d %H:%M} [{row.kind}]", "yellow", row.title))
        console.print(safe(f"  {row.detail}"))
        console.print(safe(f"  calls: {', '.join(row.call_ids)}"))
        if row.delivery_error:
            console.print(message("  delivery:", "red", row.delivery_error))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
