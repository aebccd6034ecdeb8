"""`callqa topics`: complaint topics (投诉溯源) of a period from a terminal, through the same
functions as the API and the scheduled job (`--refresh` clusters the last 30 days again first)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.common.days import parse_day
from api.http.topic_routes import topics_view
from api.render import message, safe, terminal_json
from runtime.services import Services
from runtime.settings import get_settings
from services.topics import TopicsPeriod, period_topics, refresh_topics

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

SPARKS = "▁▂▃▄▅▆▇█"


def register(app: typer.Typer) -> None:
    app.command(name="topics")(topics_command)


def topics_command(
    date_from: Annotated[str | None, typer.Option("--from", help="the first day (default: 30 days)")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="the last day (default: today)")] = None,
    queue: Annotated[str | None, typer.Option(help="only this queue's calls")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="cluster the last 30 days again first")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print the topics as JSON")] = False,
) -> None:
    """Complaint topics: what customers complain about, per day and per queue (days in
    CALLQA_REPORT_TIMEZONE)."""
    services = Services(get_settings())
    now = datetime.now(UTC)
    try:
        today = now.astimezone(services.settings.report_zone).date()
        last = parse_day(date_to) if date_to else today
        first = parse_day(date_from) if date_from else last - timedelta(days=29)
        if last < first:
            raise ValueError(f"--to ({last}) is before --from ({first})")
    except ValueError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    if refresh:
        run = refresh_topics(services, now)
        errors.print(f"topics refreshed: {run.topics} topics from {run.complaints} complaint turns")
    found = period_topics(services, first, last, queue)
    if json_out:
        print(terminal_json(topics_view(found).model_dump(mode="json")))
        return
    if found.run is None:
        errors.print("topics were never computed: `callqa topics --refresh` (the scheduler runs it nightly)")
    console.print(topics_table(found))


def topics_table(found: TopicsPeriod) -> Table:
    table = Table(
        title=f"complaint topics {found.date_from} to {found.date_to} ({found.timezone}), "
        f"{found.calls_scored} calls scored"
    )
    for name in ("id", "topic", "lang", "calls", "share", "per day", "queues", "typical phrase"):
        table.add_column(name, justify="right" if name in ("id", "calls", "share") else "left")
    for topic in found.topics:
        table.add_row(
            str(topic.id),
            safe(topic.name),
            topic.language,
            str(topic.calls),
            "-" if topic.share is None else f"{topic.share:.0%}",
            spark([day.calls for day in topic.days]),
            safe(", ".join(f"{q.queue or '-'} {q.calls}" for q in topic.queues[:3])),
            safe(topic.phrases[0] if topic.phrases else ""),
        )
    return table


def spark(values: list[int]) -> str:
    """One character per day, its height the day's calls against the busiest day."""
    most = max(values, default=0)
    return "".join(SPARKS[round(v / most * (len(SPARKS) - 1))] if most else SPARKS[0] for v in values)
