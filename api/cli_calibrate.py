"""`callqa calibrate`: learn from inspectors' corrections, show before/after, roll back."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.render import message, safe
from review.agreement import Agreement
from review.calibration import Compared
from runtime.services import Services
from runtime.settings import get_settings
from services.calibration import SENTIMENT_HEAD
from services.calibration_runs import (
    CalibrationVersion,
    RunOutcome,
    calibration_history,
    roll_back,
    run_calibrations,
)
from store.calibrations import NothingToRollBack

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)


def calibrate(
    card: Annotated[
        str | None,
        typer.Option(
            help="one card: id@version, or an id for its latest version "
            "(sentiment-head: the refitted sentiment head, for --rollback and --history)",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="fit and show; store nothing")] = False,
    undo: Annotated[
        bool,
        typer.Option("--rollback", help="withdraw the card's active calibration, restore the one before"),
    ] = False,
    history: Annotated[bool, typer.Option("--history", help="list the stored versions")] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="print the report as JSON (as the API returns it)")
    ] = False,
) -> None:
    """Learn per-item cut-offs and exemplars from inspectors' corrections; activate the new
    version only when agreement on corrections it did not learn from does not fall."""
    services = Services(get_settings())
    try:
        if undo:
            _rollback(services, card, json_out)
        elif history:
            _history(services, card, json_out)
        else:
            report = run_calibrations(services, card, dry_run=dry_run, actor="cli")
            if json_out:
                print(report.model_dump_json(indent=2))
                return
            for outcome in report.outcomes:
                _print(outcome, dry_run)
    except KeyError as error:
        errors.print(message("error:", "red", error.args[0]))
        raise typer.Exit(2) from error
    finally:
        services.close()


def _rollback(services: Services, card: str | None, json_out: bool) -> None:
    if card is None:
        errors.print(
            message("error:", "red", "--rollback needs --card: which card's calibration to withdraw")
        )
        raise typer.Exit(2)
    try:
        done = roll_back(services, card, "cli")
    except NothingToRollBack as error:
        errors.print(message("error:", "red", str(error)))
        raise typer.Exit(1) from error
    if json_out:
        print(done.model_dump_json(indent=2))
        return
    restored = (
        f"version {done.restored.version} is active again"
        if done.restored
        else "the card is scored as written"
    )
    withdrawn = done.withdrawn
    console.print(safe(f"{withdrawn.scorecard}: version {withdrawn.version} withdrawn; {restored}"))


def _history(services: Services, card: str | None, json_out: bool) -> None:
    found = calibration_history(services, card)
    if json_out:
        print(found.model_dump_json(indent=2))
        return
    table = Table(title="calibration versions, newest first")
    for name in ("version", "card", "created", "by", "state", "why"):
        table.add_column(name)
    for version in (version for each in found.cards for version in each.versions):
        table.add_row(
            str(version.version),
            safe(version.scorecard),
            version.created_at.strftime("%Y-%m-%d %H:%M"),
            safe(version.created_by),
            version.state.value,
            safe(version.why or ""),
        )
    console.print(table)


def _verdict(version: CalibrationVersion | None, dry_run: bool, activate: bool) -> str:
    if version is not None:
        return f"version {version.version} {version.state.value}"
    if dry_run:
        return "dry run: " + ("would be activated" if activate else "would be rejected")
    return "unchanged, not stored"


def _print(outcome: RunOutcome, dry_run: bool) -> None:
    assessment = outcome.assessment
    if assessment is None:
        console.print(safe(outcome.summary))
        return
    learnt_from = "corrected customer turns" if outcome.scorecard == SENTIMENT_HEAD else "reviewed calls"
    verdict = _verdict(outcome.version, dry_run, assessment.activate)
    method = assessment.method.replace("_", " ")
    console.print(
        safe(
            f"{outcome.scorecard}: {outcome.examples} {learnt_from}, held out: {assessment.held_out} "
            f"({method}) -> {verdict}"
        )
    )
    if assessment.items:
        console.print(_table(assessment.items))
    for reason in assessment.reasons:
        console.print(message("not activated:", "yellow", reason))


def _table(rows: list[Compared]) -> Table:
    table = Table(title="held-out agreement with inspectors, before -> after (95% intervals)")
    for name in ("item", "n", "accuracy before", "accuracy after", "kappa before", "kappa after", "falls"):
        table.add_column(name, justify="left" if name == "item" else "right")
    for row in rows:
        table.add_row(
            safe(row.item),
            str(row.corrections),
            _accuracy(row.before),
            _accuracy(row.after),
            _kappa(row.before),
            _kappa(row.after),
            "yes" if row.falls else "",
        )
    return table


def _accuracy(agreement: Agreement) -> str:
    ci = agreement.accuracy_ci
    return f"{agreement.accuracy:.2f} [{ci.low:.2f}, {ci.high:.2f}]"


def _kappa(agreement: Agreement) -> str:
    if agreement.kappa is None or agreement.kappa_ci is None:
        return "- (one label)"
    return f"{agreement.kappa:.2f} [{agreement.kappa_ci.low:.2f}, {agreement.kappa_ci.high:.2f}]"


def register(app: typer.Typer) -> None:
    app.command(name="calibrate")(calibrate)
