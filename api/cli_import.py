"""`callqa import PATH...`: conversations given as text (JSON or CSV), scored like calls."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.conversation_files import collect, read_conversations
from api.render import message, results_table
from runtime.logs import configure_logging
from runtime.settings import get_settings
from services.conversations import NoLanguage, import_conversation
from store.tables import Call, CallStatus
from workers.embedded import Embedded, WorkersDied

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, soft_wrap=True)


def import_files(
    paths: Annotated[list[Path], typer.Argument(help="conversation files (.json, .csv) or folders of them")],
) -> None:
    """Import transcripts and chat logs, score and route them, then print one row per conversation."""
    settings = get_settings()
    configure_logging(settings.log_format, "WARNING")
    files, problems = collect(paths)
    if not files and not problems:
        errors.print("[red]error:[/] no .json or .csv files found in the given paths")
        raise typer.Exit(2)
    calls: list[Call] = []
    notes: dict[str, str] = {}
    with Embedded(settings) as embedded:
        for file in files:
            read = read_conversations(file)
            problems += read.errors
            for conversation in read.conversations:
                try:
                    imported = import_conversation(embedded.services, embedded.dispatcher, conversation)
                except NoLanguage as error:
                    problems.append(f"{file}: {conversation.external_id}: {error}")
                    continue
                calls.append(imported.call)
                if not imported.created:
                    notes[imported.call.id] = "already imported"
        try:
            embedded.wait_with_progress([c.id for c in calls], "scoring", errors)
        except WorkersDied as error:
            errors.print(message("error:", "red", error))
            raise typer.Exit(1) from error
        final = [embedded.services.calls.get(c.id) or c for c in calls]
    if final:
        console.print(results_table(final, notes))
    for problem in problems:
        errors.print(message("error:", "red", problem))
    if problems or any(c.status == CallStatus.FAILED for c in final):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(name="import")(import_files)
