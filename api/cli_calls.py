"""`callqa process`, `show` and `retry`: recordings in, a call out, a failed call queued again.

`resolve_call` and `calls_named` are how every command names calls (an id, a unique prefix or
an external id, or a flag for all of one status), so `rescore` reads its arguments as these do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.metadata_csv import MetadataFileError, MetadataTable, read_metadata_csv
from api.render import call_page, message, results_table, safe, terminal_json
from runtime.logs import configure_logging
from runtime.services import Services
from runtime.settings import get_settings
from services.call_views import CallSummary
from services.intake import retry as retry_call
from services.intake import submit_file
from store.calls import CallFilter
from store.tables import Call, CallStatus
from workers.dispatch import Dispatcher
from workers.embedded import Embedded, WorkersDied

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

AUDIO_SUFFIXES = {
    ".wav",
    ".mp3",
    ".flac",
    ".ogg",
    ".opus",
    ".oga",
    ".m4a",
    ".aac",
    ".mp4",
    ".wma",
    ".webm",
    ".amr",
}


def register(app: typer.Typer) -> None:
    app.command()(process)
    app.command()(show)
    app.command()(retry)


def process(
    paths: Annotated[list[Path], typer.Argument(help="recordings, or folders searched recursively")],
    metadata: Annotated[
        Path | None, typer.Option(help="CSV: file, agent_id, team, queue, started_at, ...")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the results as JSON")] = None,
) -> None:
    """Transcribe, score and route recordings, then print one row per call."""
    settings = get_settings()
    configure_logging(settings.log_format, "WARNING")
    try:
        table = read_metadata_csv(metadata) if metadata else MetadataTable()
    except MetadataFileError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    files, problems = _collect(paths)
    if not files and not problems:
        errors.print("[red]error:[/] no recordings found in the given paths")
        raise typer.Exit(2)
    notes: dict[str, str] = {}
    calls: list[Call] = []
    with Embedded(settings) as embedded:
        for file in files:
            row = table.for_file(file)
            if isinstance(row, str):
                problems.append(f"{file}: skipped, bad metadata: {row}")
                continue
            submission = submit_file(embedded.services, embedded.dispatcher, file, row)
            calls.append(submission.call)
            if not submission.created:
                notes[submission.call.id] = (
                    "already processed" if submission.call.status == CallStatus.SCORED else ""
                )
        try:
            embedded.wait_with_progress([c.id for c in calls], "processing", errors)
        except WorkersDied as error:
            errors.print(message("error:", "red", error))
            raise typer.Exit(1) from error
        final = [embedded.services.calls.get(c.id) or c for c in calls]
    console.print(results_table(final, {k: v for k, v in notes.items() if v}))
    for problem in problems:
        errors.print(message("error:", "red", problem))
    if json_out is not None:
        json_out.write_text(
            json.dumps([CallSummary.of(c).model_dump(mode="json") for c in final], indent=2, default=str)
        )
    if problems or any(c.status == CallStatus.FAILED for c in final):
        raise typer.Exit(1)


def show(
    call: Annotated[str, typer.Argument(help="call id, unique id prefix, or external id")],
    json_out: Annotated[bool, typer.Option("--json", help="print the stored JSON instead")] = False,
) -> None:
    """Print a call: transcript with speakers and times, findings and score."""
    services = Services(get_settings())
    found = resolve_call(services, call)
    transcript = services.results.transcript(found.id)
    stored = services.results.analysis(found.id)
    if json_out:
        document = {
            "call": CallSummary.of(found).model_dump(mode="json"),
            "transcript": transcript.model_dump(mode="json") if transcript else None,
            "analysis": stored.analysis.model_dump(mode="json") if stored else None,
            "routing": stored.routing.model_dump(mode="json") if stored else None,
        }
        print(terminal_json(document))
        return
    console.print(call_page(found, transcript, stored.analysis if stored else None))


def retry(
    calls: Annotated[list[str] | None, typer.Argument(help="call ids to retry")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="retry every failed call")] = False,
) -> None:
    """Queue failed calls again (the embedded workers pick them up on the next `process` or `serve`)."""
    settings = get_settings()
    services = Services(settings)
    targets = calls_named(services, calls, CallStatus.FAILED if all_failed else None, "--all-failed")
    dispatcher = Dispatcher(settings)
    for target in targets:
        try:
            retry_call(services, dispatcher, target)
            console.print(safe(f"queued {target.id} ({target.filename})"))
        except ValueError as error:
            errors.print(message("skipped:", "yellow", error))
    dispatcher.close()


def calls_named(
    services: Services, refs: list[str] | None, every_with_status: str | None, flag: str
) -> list[Call]:
    """The calls named, plus every call with `every_with_status` when the flag asked for them."""
    targets = [resolve_call(services, ref) for ref in refs or []]
    if every_with_status is not None:
        targets += services.calls.search(CallFilter(status=every_with_status, limit=1_000_000))
    if not targets:
        errors.print(f"no calls: name call ids or use {flag}")
        raise typer.Exit(2)
    return targets


def resolve_call(services: Services, ref: str) -> Call:
    """The call an id, a unique id prefix or an external id names; exit 1 naming the problem."""
    try:
        return services.calls.resolve(ref)
    except LookupError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error


def _collect(paths: list[Path]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return list(dict.fromkeys(files)), problems
