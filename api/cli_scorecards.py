"""`callqa scorecard validate|list|add`, `callqa rescore` and `callqa agreement`: the cards, the
scores they give stored calls, and how often inspectors keep the machine's decisions.

`rescore` runs the analysis as the worker's task does (`services.pipeline.analyse_under_lease`):
under the call's analysis lease, so it never scores a call beside a worker that is scoring it.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli_calls import calls_named
from api.render import agreement_table, message, safe
from runtime.services import Services
from runtime.settings import get_settings
from scoring.scorecard import ScorecardError, load_scorecard
from services.agreement import agreement_report
from services.pipeline import AnalysisOutcome, LanguageMismatch, analyse_under_lease, card_for_rescore
from store.tables import CallStatus

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

scorecard_app = typer.Typer(help="Scorecards: validate, list, add.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(rescore)
    app.command()(agreement)
    app.add_typer(scorecard_app, name="scorecard")


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
    targets = calls_named(services, calls, CallStatus.SCORED if all_scored else None, "--all")
    try:
        if scorecard:
            services.scorecards.get(scorecard)
    except KeyError as error:
        errors.print(message("error:", "red", error.args[0]))
        raise typer.Exit(2) from error
    holder, task_id = f"cli@{socket.gethostname()}", f"cli-{os.getpid()}"  # whose lease, in the logs
    not_done = False
    for target in targets:
        try:
            card_for_rescore(services, target, scorecard, force)
        except LanguageMismatch as error:
            errors.print(message("refused:", "red", str(error)))
            not_done = True
            continue
        outcome = analyse_under_lease(services, target.id, holder, task_id, scorecard, rescore=True)
        if outcome == AnalysisOutcome.SCORED:
            done = services.calls.get(target.id) or target
            console.print(
                safe(f"{target.id[:8]} {target.filename}: {done.score_total} {(done.verdict or '').upper()}")
            )
        elif outcome == AnalysisOutcome.IN_HAND_ELSEWHERE:
            busy = f"{target.id} ({target.filename}) is being analysed elsewhere; try again when it is done"
            errors.print(message("busy:", "yellow", busy))
            not_done = True
        else:
            errors.print(message("skipped:", "yellow", f"{target.id} ({target.filename}) has no transcript"))
    if not_done:
        raise typer.Exit(1)


def agreement(
    scorecard: Annotated[str | None, typer.Option(help="a card id: only its versions")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """How often inspectors kept the machine's decision, per item and per inspector: accuracy and
    Cohen's kappa."""
    report = agreement_report(Services(get_settings()), scorecard, None, None)
    if json_out:
        print(report.model_dump_json(indent=2))
    elif report.items:
        console.print(agreement_table(report.items))
        console.print(agreement_table(report.inspectors))
    else:
        errors.print("no reviewed items yet: inspectors' decisions are what agreement is measured on")
