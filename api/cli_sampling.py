"""`callqa roster import|list`, `callqa sample run` and `callqa pass-rates`: the sampling rules
from a terminal (the same functions as the API and the daily scheduled task)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.common.days import parse_day
from api.render import message, safe, terminal_json
from api.roster_csv import read_roster_csv
from review.pass_rates import PassRate
from runtime.services import Services
from runtime.settings import get_settings
from services.sampling import GroupBy, QueueDay, pass_rate_report, select_day, yesterday

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

roster_app = typer.Typer(help="The agent roster: teams and start dates (new hires).", no_args_is_help=True)
sample_app = typer.Typer(help="The sampling rules: select a day's calls for review.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(roster_app, name="roster")
    app.add_typer(sample_app, name="sample")
    app.command(name="pass-rates")(pass_rates)


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="CSV: agent_id, start_date (YYYY-MM-DD), name, team")],
) -> None:
    """Add or update the agents of the CSV; importing the same file again changes nothing. A bad
    row refuses the whole file, every bad row named with its line."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        errors.print(message("error:", "red", f"{file}: cannot read the roster: {error}"))
        raise typer.Exit(2) from error
    parsed = read_roster_csv(text, str(file))
    if parsed.errors:
        for problem in parsed.errors:
            errors.print(message("error:", "red", problem), soft_wrap=True)  # one grep-able line each
        errors.print(f"nothing imported: {len(parsed.errors)} problem(s)")
        raise typer.Exit(2)
    counts = Services(get_settings()).roster.put_many(parsed.agents)
    console.print(f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged")


@roster_app.command("list")
def roster_list(team: Annotated[str | None, typer.Option(help="only this team")] = None) -> None:
    """The roster, by agent id."""
    rows, _ = Services(get_settings()).roster.page(team, limit=100_000)
    table = Table("agent", "name", "team", "start date")
    for row in rows:
        table.add_row(
            safe(row.agent_id), safe(row.name or ""), safe(row.team or ""), row.start_date.isoformat()
        )
    console.print(table)


@sample_app.command("run")
def sample_run(
    day: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD in CALLQA_REPORT_TIMEZONE; default: yesterday")
    ] = None,
    queue: Annotated[str | None, typer.Option(help="only this queue ('' for calls with none)")] = None,
) -> None:
    """Select the day's calls for review by each queue's rules (what the daily task does);
    running it again for a day replaces that day's selections."""
    services = Services(get_settings())
    done = select_day(services, _day(day) if day else yesterday(services), queue)
    if not done:
        errors.print("no scored calls that day")
    for queue_day in done:
        console.print(_summary(queue_day))


def pass_rates(
    by: Annotated[GroupBy, typer.Option(help="agent or team")] = GroupBy.AGENT,
    date_from: Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Pass rate per agent or team: the machine's, the raw rate of the reviewed calls, and the
    unbiased estimate from the sampling rules' selections with a 95% interval."""
    first = _day(date_from) if date_from else None
    last = _day(date_to) if date_to else None
    rows = pass_rate_report(Services(get_settings()), by, first, last)
    if json_out:
        print(terminal_json([dataclasses.asdict(row) for row in rows]))
    else:
        console.print(pass_rate_table(by, rows))


def pass_rate_table(by: GroupBy, rows: list[PassRate]) -> Table:
    table = Table(title=f"pass rates by {by}: machine, reviewed (raw) and estimated (weighted)")
    for name in (str(by), "calls", "machine", "selected", "reviewed", "raw", "estimate", "95% interval"):
        table.add_column(name, justify="left" if name == str(by) else "right")
    for row in rows:
        table.add_row(
            safe(row.group),
            str(row.calls),
            f"{row.machine_pass_rate:.0%}",
            str(row.selected),
            str(row.reviewed),
            "-" if row.reviewed_pass_rate is None else f"{row.reviewed_pass_rate:.0%}",
            "-" if row.estimate is None else f"{row.estimate:.0%}",
            "-" if row.interval is None else f"{row.interval.low:.0%}-{row.interval.high:.0%}",
        )
    return table


def _summary(done: QueueDay) -> str:
    plan = done.plan
    capacity = "no capacity limit" if plan.capacity is None else f"capacity {plan.capacity}"
    counts = ", ".join(
        f"{rule}: {plan.count(rule)}" for rule in sorted({r for s in plan.selections for r in s.rules})
    )
    over = f"; {plan.over_capacity} mandatory over capacity" if plan.over_capacity else ""
    return (
        f"{plan.day.isoformat()} queue {done.queue or '(none)'}: {len(plan.selections)} of {plan.calls} "
        f"calls selected ({capacity}{over}){': ' + counts if counts else ''}"
    )


def _day(text: str) -> date:
    try:
        day = parse_day(text)
    except ValueError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    if not date.min < day < date.max:
        errors.print(
            message("error:", "red", f"{text}: the first and last days of the calendar have no bounds")
        )
        raise typer.Exit(2)
    return day
