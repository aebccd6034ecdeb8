"""`callqa library list|export`: the library's saved calls from a terminal, through the same
functions as the API and the library page. The CLI runs where the data lives, as its operator,
so an exported clip carries the recording (personal data beeped, text redacted, as for every clip)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.render import message, safe
from runtime.services import Services
from runtime.settings import get_settings
from services import library
from services.clips import ClipRefused, NothingToExport, clip_of
from services.library import MomentRefused, NoSuchBookmark
from store.library import BookmarkFilter

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

library_app = typer.Typer(help="The trainers' library: saved calls and their clips.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(library_app, name="library")


@library_app.command(name="list")
def list_bookmarks(
    tag: Annotated[str | None, typer.Option(help="only bookmarks with this tag")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The saved calls, newest first."""
    try:
        wanted = BookmarkFilter(tag=library.normalise_tag(tag) if tag else None, limit=limit)
    except ValueError as error:
        errors.print(message("error:", "red", f"--tag: {error}"))
        raise typer.Exit(2) from error
    found = library.listing(Services(get_settings()), wanted)
    table = Table(title=f"{found.total} saved call{'' if found.total == 1 else 's'}")
    for column in ("id", "call", "agent", "moment (s)", "tags", "note", "saved by"):
        table.add_column(column)
    for b in found.bookmarks:
        moment = f"{b.start:g}-{b.end:g}" if b.start is not None and b.end is not None else "whole call"
        table.add_row(
            str(b.id),
            b.call_id[:8],
            safe(b.agent_id or "-"),
            moment,
            safe(", ".join(b.tags)),
            safe(b.note),
            safe(b.owner),
        )
    console.print(table)


@library_app.command(name="export")
def export(
    bookmark_id: Annotated[int, typer.Argument(help="the bookmark's id (`callqa library list`)")],
    out: Annotated[Path, typer.Option("--out", help="where to write the ZIP")] = Path("clip.zip"),
) -> None:
    """Write a bookmark's clip: clip.wav, transcript.txt and transcript.json in a ZIP."""
    services = Services(get_settings())
    try:
        saved = library.bookmark(services, bookmark_id)
        call = services.calls.get(saved.call_id)
        if call is None:
            raise NoSuchBookmark(f"the call of bookmark {bookmark_id} is gone")
        clip = clip_of(services, call, saved.start, saved.end, may_listen=True, saved=saved)
    except (NoSuchBookmark, ClipRefused, MomentRefused, NothingToExport) as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    out.write_bytes(clip.data)
    what = "clip.wav, transcript" if clip.manifest.audio else f"transcript only ({clip.manifest.audio_note})"
    errors.print(message("written:", "green", f"{out}: {what}"))
