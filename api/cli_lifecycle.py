"""`callqa retention`, `callqa erase`, `callqa backup`, `callqa restore`: the data's lifecycle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.render import message, safe
from runtime.services import Services
from runtime.settings import get_settings
from services.backup import BackupError, backup, restore
from services.lifecycle import NothingToErase, apply_retention, calls_to_erase, e164, erase
from store.lifecycle import Selector

errors = Console(stderr=True, soft_wrap=True)


def retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list what is due; delete nothing")] = False,
) -> None:
    """Delete recordings and transcripts older than their queue's retention (scores are kept)."""
    report = apply_retention(Services(get_settings()), dry_run=dry_run)
    verb = "due" if dry_run else "deleted"
    print(f"recordings {verb}: {len(report.audio)}")
    print(f"transcripts {verb}: {len(report.transcripts)}")
    print(f"orphaned recordings {verb}: {report.orphans}")


def erase_calls(
    external_id: Annotated[str | None, typer.Option(help="the calls with this external id")] = None,
    agent: Annotated[str | None, typer.Option(help="every call of this agent id")] = None,
    phone: Annotated[str | None, typer.Option(help="the calls where the customer said this number")] = None,
    reason: Annotated[
        str | None, typer.Option(help="for the erasure log, e.g. the request's reference")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="erase without asking")] = False,
) -> None:
    """Erase calls on request: recordings, transcripts, scores, reviews; the log keeps only which ids."""
    chosen = [
        (s, v)
        for s, v in ((Selector.EXTERNAL_ID, external_id), (Selector.AGENT_ID, agent), (Selector.PHONE, phone))
        if v
    ]
    if len(chosen) != 1:
        errors.print(message("error:", "red", "name exactly one of --external-id, --agent, --phone"))
        raise typer.Exit(2)
    selector, value = chosen[0]
    services = Services(get_settings())
    try:
        if selector == Selector.PHONE:
            value = e164(value)
        found = calls_to_erase(services, selector, value)
        if not found:
            raise NothingToErase(f"no stored call has that {selector.value.replace('_', ' ')}")
        if not yes:
            typer.confirm(f"erase {len(found)} call(s) and everything about them?", abort=True)
        record = erase(services, selector, value, actor="cli", reason=reason)
    except (ValueError, NothingToErase) as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    print(f"erased {len(record.call_ids)} call(s), {record.audio_files} recording(s); erasure {record.id}")


def backup_data(destination: Annotated[Path, typer.Argument(help="a new, empty folder")]) -> None:
    """Copy the database (online: the service may keep running) and the recordings into a folder."""
    try:
        manifest = backup(Services(get_settings()), destination)
    except BackupError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    print(
        safe(
            f"{destination}: {manifest.calls} calls, {manifest.audio_files} recordings ({manifest.database})"
        )
    )


def restore_data(source: Annotated[Path, typer.Argument(help="a folder made by `callqa backup`")]) -> None:
    """Restore a backup into an empty database and data folder (the ones configured)."""
    try:
        manifest = restore(get_settings(), source)
    except BackupError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    print(safe(f"restored {manifest.calls} calls and {manifest.audio_files} recordings from {source}"))


def register(app: typer.Typer) -> None:
    app.command()(retention)
    app.command(name="erase")(erase_calls)
    app.command(name="backup")(backup_data)
    app.command(name="restore")(restore_data)
