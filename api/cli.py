"""The `callqa` command line."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api import cli_calibrate, cli_import, cli_insights, cli_lifecycle, cli_sampling, cli_status, cli_topics
from api.cli_calibration_sessions import calibration_session_app
from api.cli_eval import evaluate
from api.cli_library import register as register_library
from api.cli_search import search_app
from api.http.schemas import CallSummary
from api.metadata_csv import MetadataFileError, MetadataTable, read_metadata_csv
from api.render import agreement_table, call_page, message, results_table, safe, terminal_json
from runtime.logs import configure_logging
from runtime.services import Services
from runtime.settings import get_settings
from scoring.scorecard import ScorecardError, load_scorecard
from services.intake import retry as retry_call
from services.intake import submit_file
from services.pipeline import LanguageMismatch, card_for_rescore
from services.pipeline import analyse_stage as rescore_call
from services.reviewing import machine_agreement
from store.calls import CallFilter
from store.tables import Call, CallStatus
from store.tokens import ROLES
from store.users import UserError
from workers.dispatch import Dispatcher
from workers.embedded import Embedded, WorkersDied

app = typer.Typer(
    help="callqa: automated QA for call-centre recordings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
user_app = typer.Typer(help="People who sign in to the web workspace (/ui).", no_args_is_help=True)
app.add_typer(user_app, name="user")
scorecard_app = typer.Typer(help="Scorecards: validate, list, add.", no_args_is_help=True)
app.add_typer(scorecard_app, name="scorecard")
app.command(name="eval")(evaluate)
app.add_typer(search_app, name="search")
app.add_typer(calibration_session_app, name="calibration-session")
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


def main() -> None:
    app()


@app.command()
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


@app.command()
def show(
    call: Annotated[str, typer.Argument(help="call id, unique id prefix, or external id")],
    json_out: Annotated[bool, typer.Option("--json", help="print the stored JSON instead")] = False,
) -> None:
    """Print a call: transcript with speakers and times, findings and score."""
    services = Services(get_settings())
    found = _resolve(services, call)
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


@app.command()
def retry(
    calls: Annotated[list[str] | None, typer.Argument(help="call ids to retry")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="retry every failed call")] = False,
) -> None:
    """Queue failed calls again (the embedded workers pick them up on the next `process` or `serve`)."""
    settings = get_settings()
    services = Services(settings)
    targets = _targets(services, calls, CallStatus.FAILED if all_failed else None, "--all-failed")
    dispatcher = Dispatcher(settings)
    for target in targets:
        try:
            retry_call(services, dispatcher, target)
            console.print(safe(f"queued {target.id} ({target.filename})"))
        except ValueError as error:
            errors.print(message("skipped:", "yellow", error))
    dispatcher.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[bool, typer.Option(help="start the embedded worker processes")] = True,
) -> None:
    """Run the HTTP API (OpenAPI at /docs) with its workers."""
    import uvicorn

    from api.http.app import create_app

    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    uvicorn.run(create_app(settings, start_workers=workers), host=host, port=port, log_config=None)


@scorecard_app.command("validate")
def scorecard_validate(files: Annotated[list[Path], typer.Argument(help="scorecard YAML files")]) -> None:
    """Check scorecards; every problem is printed as file:line: field: problem."""
    failed = False
    for file in files:
        try:
            card = load_scorecard(file)
            console.print(
                message("ok", "green", f"{file}: {card.key} ({card.name}, {len(card.items())} items)")
            )
        except ScorecardError as error:
            failed = True
            errors.print(message("invalid", "red", error))
    if failed:
        raise typer.Exit(1)


@scorecard_app.command("list")
def scorecard_list() -> None:
    """Every scorecard callqa can use (built-in, CALLQA_SCORECARD_DIR, added), and broken ones."""
    catalog = Services(get_settings()).scorecards
    for key, card in sorted(catalog.cards.items()):
        console.print(safe(f"{key}\t{card.language}\t{len(card.items())} items\t{card.name}"))
    for problem in catalog.errors:
        errors.print(message("broken:", "red", problem))


@scorecard_app.command("add")
def scorecard_add(file: Annotated[Path, typer.Argument(help="a scorecard YAML file")]) -> None:
    """Validate a scorecard and add it; a changed card must carry a new version."""
    settings = get_settings()
    try:
        card = load_scorecard(file)
    except ScorecardError as error:
        errors.print(message("invalid", "red", error))
        raise typer.Exit(1) from error
    existing = Services(settings).scorecards.cards.get(card.key)
    if existing is not None and existing != card:
        problem = f"{card.key} exists with other content: raise `version` to change a card"
        errors.print(message("error:", "red", problem))
        raise typer.Exit(1)
    target = settings.added_scorecards_dir / f"{card.id}@{card.version}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(safe(f"added {card.key} ({target}); restart running workers to use it"))


@app.command()
def rescore(
    calls: Annotated[
        list[str] | None, typer.Argument(help="call ids (or unique prefixes, external ids)")
    ] = None,
    scorecard: Annotated[
        str | None, typer.Option(help="id or id@version; default: the call's usual card")
    ] = None,
    all_scored: Annotated[bool, typer.Option("--all", help="every transcribed call")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="score with a card of another language than the call's")
    ] = False,
) -> None:
    """Score stored calls again (e.g. against a new card version) without transcribing them again."""
    services = Services(get_settings())
    targets = _targets(services, calls, CallStatus.SCORED if all_scored else None, "--all")
    try:
        if scorecard:
            services.scorecards.get(scorecard)
    except KeyError as error:
        errors.print(message("error:", "red", error.args[0]))
        raise typer.Exit(2) from error
    refused = False
    for target in targets:
        try:
            card_for_rescore(services, target, scorecard, force)
        except LanguageMismatch as error:
            errors.print(message("refused:", "red", str(error)))
            refused = True
            continue
        if rescore_call(services, target.id, scorecard):
            done = services.calls.get(target.id) or target
            console.print(
                safe(f"{target.id[:8]} {target.filename}: {done.score_total} {(done.verdict or '').upper()}")
            )
        else:
            errors.print(message("skipped:", "yellow", f"{target.id} ({target.filename}) has no transcript"))
    if refused:
        raise typer.Exit(1)


@app.command()
def agreement(
    scorecard: Annotated[str | None, typer.Option(help="a card id: only its versions")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """How often inspectors kept the machine's decision, per item: accuracy and Cohen's kappa."""
    rows = machine_agreement(Services(get_settings()), scorecard)
    if json_out:
        print(json.dumps([dataclasses.asdict(row) for row in rows], indent=2))
    elif rows:
        console.print(agreement_table(rows))
    else:
        errors.print("no reviewed items yet: inspectors' decisions are what agreement is measured on")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
    name: Annotated[str, typer.Option(help="who or what uses it")] = "cli",
    agent_id: Annotated[
        str | None, typer.Option(help="for role agent: the agent whose calls it may see")
    ] = None,
) -> None:
    """Create a bearer token; it is printed once and only its hash is stored."""
    services = Services(get_settings())
    try:
        record, plaintext = services.tokens.create(role, name, agent_id)
    except ValueError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    errors.print(f"token {record.id} ({record.role}) created; store it now, it is not shown again:")
    print(plaintext)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their values)."""
    for record in Services(get_settings()).tokens.all():
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
        console.print(safe(f"{record.id}\t{record.role}\t{record.name}\t{record.agent_id or '-'}\t{state}"))


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="the token's number from `token list`")],
) -> None:
    """Revoke a token at once."""
    if not Services(get_settings()).tokens.revoke(token_id):
        errors.print(f"no active token {token_id}")
        raise typer.Exit(1)
    console.print(f"token {token_id} revoked")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="the user name (lower case letters, digits, . _ -)")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
    agent_id: Annotated[str | None, typer.Option(help="for role agent: whose calls they see")] = None,
    team: Annotated[str | None, typer.Option(help="the user's team")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
    ] = False,
) -> None:
    """Add a user; the password is asked for (or read from stdin), never given as an argument,
    where it would show in the shell history and the process list."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = Services(get_settings()).users.add(name, password, role, agent_id, team)
    except UserError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    console.print(safe(f"user {user.name} ({user.role}) added"))


@user_app.command("list")
def user_list() -> None:
    """List users (never their password hashes)."""
    for user in Services(get_settings()).users.all():
        state = f"disabled {user.disabled_at:%Y-%m-%d}" if user.disabled_at else "active"
        fields = (user.name, user.role, user.agent_id or "-", user.team or "-", state)
        console.print(safe("\t".join(fields)))


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="the user name")]) -> None:
    """Disable a user at once: their open sessions end with their next request."""
    try:
        Services(get_settings()).users.disable(name)
    except UserError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    console.print(safe(f"user {name} disabled"))


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


def _targets(
    services: Services, refs: list[str] | None, every_with_status: str | None, flag: str
) -> list[Call]:
    """The calls named, plus every call with `every_with_status` when the flag asked for them."""
    targets = [_resolve(services, ref) for ref in refs or []]
    if every_with_status is not None:
        targets += services.calls.search(CallFilter(status=every_with_status, limit=1_000_000))
    if not targets:
        errors.print(f"no calls: name call ids or use {flag}")
        raise typer.Exit(2)
    return targets


def _resolve(services: Services, ref: str) -> Call:
    try:
        return services.calls.resolve(ref)
    except LookupError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error


cli_lifecycle.register(app)  # after the commands above, so that `callqa --help` lists them first
cli_status.register(app)
cli_import.register(app)
cli_sampling.register(app)
cli_calibrate.register(app)
cli_insights.register(app)
cli_topics.register(app)
register_library(app)

if __name__ == "__main__":
    main()
