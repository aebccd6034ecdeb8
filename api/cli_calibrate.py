"""`callqa calibrate`: learn from inspectors' corrections, show before/after, roll back."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.render import message, safe, terminal_json
from review.agreement import Agreement
from review.calibration import Compared
from runtime.services import Services
from runtime.settings import get_settings
from services.calibration import (
    SENTIMENT_HEAD,
    HeadOutcome,
    Outcome,
    calibration_key,
    refit_sentiment_head,
    repository,
    rollback,
    run_calibration,
)
from store.calibrations import NothingToRollBack
from store.tables import CalibrationRow

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
    json_out: Annotated[bool, typer.Option("--json", help="print the runs as JSON")] = False,
) -> None:
    """Learn per-item cut-offs and exemplars from inspectors' corrections; activate the new
    version only when agreement on corrections it did not learn from does not fall."""
    services = Services(get_settings())
    try:
        if undo:
            _rollback(services, card)
        elif history:
            _history(services, card)
        else:
            head = None if card else refit_sentiment_head(services, dry_run=dry_run, actor="cli")
            outcomes = run_calibration(services, card, dry_run=dry_run, actor="cli")
            if json_out:
                print(
                    terminal_json([_document(o) for o in outcomes] + ([_head_document(head)] if head else []))
                )
                return
            for outcome in outcomes:
                _print(outcome, dry_run)
            if head is not None:
                _print_head(head, dry_run)
    except KeyError as error:
        errors.print(message("error:", "red", error.args[0]))
        raise typer.Exit(2) from error
    finally:
        services.close()


def _rollback(services: Services, card: str | None) -> None:
    if card is None:
        errors.print(
            message("error:", "red", "--rollback needs --card: which card's calibration to withdraw")
        )
        raise typer.Exit(2)
    try:
        done = rollback(services, card, "cli")
    except NothingToRollBack as error:
        errors.print(message("error:", "red", str(error)))
        raise typer.Exit(1) from error
    restored = (
        f"version {done.restored.id} is active again" if done.restored else "the card is scored as written"
    )
    console.print(safe(f"{done.withdrawn.scorecard_key}: version {done.withdrawn.id} withdrawn; {restored}"))


def _history(services: Services, card: str | None) -> None:
    key = None if card is None else calibration_key(services, card)
    table = Table(title="calibration versions, newest first")
    for name in ("version", "card", "created", "by", "state", "why"):
        table.add_column(name)
    for row in repository(services).history(key):
        table.add_row(
            str(row.id),
            safe(row.scorecard_key),
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            safe(row.created_by),
            row.state,
            safe(row.state_reason or ""),
        )
    console.print(table)


def _document(outcome: Outcome) -> dict[str, object]:
    return {
        "scorecard": outcome.scorecard_key,
        "examples": outcome.examples,
        "version": outcome.stored.id if outcome.stored else None,
        "state": outcome.stored.state if outcome.stored else None,
        "run": json.loads(outcome.run.model_dump_json()) if outcome.run else None,
    }


def _head_document(head: HeadOutcome) -> dict[str, object]:
    return {
        "scorecard": SENTIMENT_HEAD,
        "examples": head.corrected_turns,
        "version": head.stored.id if head.stored else None,
        "state": head.stored.state if head.stored else None,
        "run": json.loads(head.run.model_dump_json(exclude={"head"})),
    }


def _print_head(head: HeadOutcome, dry_run: bool) -> None:
    run = head.run
    _print_assessment(
        f"{SENTIMENT_HEAD}: {head.corrected_turns} corrected customer turns",
        run.held_out,
        run.method,
        _verdict(head.stored, dry_run, run.activate),
        run.items,
        run.reasons,
    )


def _verdict(stored: CalibrationRow | None, dry_run: bool, activate: bool) -> str:
    if stored is not None:
        return f"version {stored.id} {stored.state}"
    if dry_run:
        return "dry run: " + ("would be activated" if activate else "would be rejected")
    return "unchanged, not stored"


def _print_assessment(
    title: str, held_out: int, method: str, verdict: str, items: list[Compared], reasons: list[str]
) -> None:
    console.print(safe(f"{title}, held out: {held_out} ({method.replace('_', ' ')}) -> {verdict}"))
    if items:
        console.print(_table(items))
    for reason in reasons:
        console.print(message("not activated:", "yellow", reason))


def _print(outcome: Outcome, dry_run: bool) -> None:
    if outcome.run is None:
        console.print(safe(f"{outcome.scorecard_key}: no reviewed items yet, nothing to learn from"))
        return
    assessment = outcome.run.assessment
    _print_assessment(
        f"{outcome.scorecard_key}: {outcome.examples} reviewed calls",
        assessment.held_out,
        assessment.method,
        _verdict(outcome.stored, dry_run, assessment.activate),
        assessment.items,
        assessment.reasons,
    )


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
