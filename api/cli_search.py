"""`callqa search QUERY [filters]` and `callqa search reindex`: transcript search from a terminal.

The CLI reads the local database with full access, as `callqa show` does; `--redacted` searches
and prints the masked text, as trainers and agents see it.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from api.common.days import parse_day
from api.http.search_routes import results_csv
from api.render import message, safe, terminal_json
from runtime.services import Services
from runtime.settings import get_settings
from scoring.results import Verdict
from services.search import SearchCriteria, SearchHit, Speaker, search_for
from services.search_index import reindex as reindex_calls
from services.search_index import retokenise_outdated
from store.metadata import Language
from store.search_query import QuerySyntaxError
from store.tables import CallStatus

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)


def option_day(text: str) -> date:
    """A command's day option (typer's `parser=`): `parse_day`, its message as typer's usage error
    ("Invalid value for '--from': not a day ..."), not wrapped as a validation error."""
    try:
        return parse_day(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


class QueryFirst(TyperGroup):
    """`callqa search refund` runs `find`: anything that is not a subcommand is a query."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's vendored click Context
        if args and args[0] not in self.commands and args != ["--help"]:
            args = ["find", *args]
        return super().parse_args(ctx, args)


search_app = typer.Typer(
    cls=QueryFirst,
    help="Search transcripts: callqa search 'refund NEAR cancel' --speaker customer; callqa search reindex.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(search_app, name="search")


@search_app.command()
def find(
    query: Annotated[
        str,
        typer.Argument(
            help='words, "a phrase", prefix*, OR, NOT/-word, a NEAR/5 b, ( ); with --semantic, plain words'
        ),
    ],
    semantic: Annotated[bool, typer.Option(help="rank turns by meaning")] = False,
    speaker: Annotated[Speaker | None, typer.Option(help="only this party's turns")] = None,
    date_from: Annotated[
        date | None, typer.Option("--from", parser=option_day, help="calls started on or after (YYYY-MM-DD)")
    ] = None,
    date_to: Annotated[
        date | None, typer.Option("--to", parser=option_day, help="calls started on or before (YYYY-MM-DD)")
    ] = None,
    agent: Annotated[str | None, typer.Option(help="agent id")] = None,
    team: str | None = None,
    queue: str | None = None,
    language: Language | None = None,
    score_min: Annotated[float | None, typer.Option(min=0, max=100)] = None,
    score_max: Annotated[float | None, typer.Option(min=0, max=100)] = None,
    verdict: Verdict | None = None,
    failed_item: Annotated[str | None, typer.Option(help="a scorecard item id the call failed")] = None,
    sentiment: Annotated[
        str | None, typer.Option(help="the customer's end mood: negative|neutral|positive")
    ] = None,
    escalation: Annotated[bool | None, typer.Option("--escalation/--no-escalation")] = None,
    dead_air_min: Annotated[float | None, typer.Option(min=0, help="seconds of dead air, at least")] = None,
    overtalk_min: Annotated[float | None, typer.Option(min=0, help="seconds of overtalk, at least")] = None,
    status: CallStatus | None = None,
    redacted: Annotated[bool, typer.Option(help="search and print the masked text")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    offset: Annotated[int, typer.Option(min=0, max=10_000)] = 0,
    json_out: Annotated[
        bool, typer.Option("--json", help="JSON: per hit the call, external id, speaker, times, text")
    ] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="CSV, as GET /search.csv")] = False,
) -> None:
    """Print the turns that match, newest call first (by meaning: nearest first)."""
    if sentiment is not None and sentiment not in ("negative", "neutral", "positive"):
        raise typer.BadParameter("negative, neutral or positive", param_hint="--sentiment")
    criteria = SearchCriteria(
        q=query,
        semantic=semantic,
        speaker=speaker,
        date_from=date_from,
        date_to=date_to,
        agent_id=agent,
        team=team,
        queue=queue,
        language=language,
        score_min=score_min,
        score_max=score_max,
        verdict=verdict,
        failed_item=failed_item,
        sentiment=sentiment,
        escalation=escalation,
        dead_air_min=dead_air_min,
        overtalk_min=overtalk_min,
        status=status,
    )
    services = Services(get_settings())
    try:
        results = search_for(services, None, criteria, limit, offset, redacted)
    except QuerySyntaxError as error:
        errors.print(message("error:", "red", f"query: {error}"))
        raise typer.Exit(2) from error
    if json_out:
        print(terminal_json([hit.model_dump(mode="json") for hit in results.hits]))
    elif csv_out:
        sys.stdout.write(results_csv(results))
    else:
        console.print(hits_table(results.hits))
        if results.has_more:
            console.print(f"more: --offset {offset + limit}")


@search_app.command()
def reindex(
    missing: Annotated[
        bool,
        typer.Option(
            "--missing",
            help="only scored calls not in the index yet, and the terms of calls indexed the old way",
        ),
    ] = False,
) -> None:
    """Index the transcripts of scored calls (every call is indexed when it is scored; this is for
    calls stored before, or after a change to the index). `--missing` also makes the terms of
    calls indexed by an older version again at once, which a scheduled job does otherwise."""
    services = Services(get_settings())
    started = time.perf_counter()
    count = reindex_calls(services, only_missing=missing)
    seconds = time.perf_counter() - started
    console.print(f"indexed {count} calls in {seconds:.1f} s")
    if missing and (remade := retokenise_outdated(services, budget_s=None)):
        console.print(f"made the terms of {remade} calls indexed by an older version again")


def hits_table(hits: list[SearchHit]) -> Table:
    table = Table("call", "external id", "speaker", "at", "text", "matched")
    for hit in hits:
        minutes, seconds = divmod(int(hit.at), 60)
        table.add_row(
            hit.call_id[:12],
            safe(hit.external_id or ""),
            hit.speaker,
            f"{minutes}:{seconds:02d}",
            marked(hit),
            safe(hit.why),
        )
    return table


def marked(hit: SearchHit) -> Text:
    """The turn with its matches in bold yellow; every piece of it through `safe`."""
    out = Text()
    at = 0
    for span in hit.highlights:
        out.append_text(safe(hit.text[at : span.start]))
        found = safe(hit.text[span.start : span.end])
        found.stylize("bold yellow")
        out.append_text(found)
        at = span.end
    out.append_text(safe(hit.text[at:]))
    return out
