"""`callqa calibration-session report ID`: a calibration session's report on the terminal.

The terminal is an administrator's: it reads every submitted answer, as a supervisor does on
the report page (services/calibration_sessions.py applies the same rules).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.render import message, safe, terminal_json
from review.calibration_sessions import CalibrationReport, RaterAgreement, SessionRefused
from runtime.services import Services
from runtime.settings import get_settings
from services import calibration_sessions as sessions
from services.calibration_sessions import Viewer

calibration_session_app = typer.Typer(help="Inspector calibration sessions (录音校准).", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

ADMINISTRATOR = Viewer(holder="cli", manager=True)


def register(app: typer.Typer) -> None:
    app.add_typer(calibration_session_app, name="calibration-session")


@calibration_session_app.command("report")
def report(
    session_id: Annotated[int, typer.Argument(help="the session's number", min=1)],
    json_out: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Per item: kappa and agreement of the inspectors, without and with the machine; each rater's
    deviation from the consensus. Needs two submitted inspectors."""
    services = Services(get_settings())
    try:
        record = sessions.session_for(services, session_id, ADMINISTRATOR)
        found = sessions.session_report(services, record, ADMINISTRATOR)
    except SessionRefused as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    if json_out:
        print(terminal_json(found.model_dump(mode="json")))
        return
    console.print(safe(f"{record.session.name}: {len(found.inspectors)} inspectors submitted"))
    console.print(items_table(found))
    console.print(deviation_table(found))


def _kappa(found: RaterAgreement | None) -> str:
    if found is None:
        return "-"
    kappa = "-" if found.kappa is None else f"{found.kappa:.2f}"
    interval = f" ({found.kappa_ci.low:.2f} to {found.kappa_ci.high:.2f})" if found.kappa_ci else ""
    return f"{kappa}{interval} {found.method.value}"


def items_table(found: CalibrationReport) -> Table:
    table = Table(title="agreement per item (95% intervals)")
    for name in ("item", "calls", "inspectors: kappa", "agreement", "with machine: kappa", "agreement"):
        table.add_column(name, justify="left" if name.startswith(("item", "inspectors", "with")) else "right")
    for row in found.items:
        machine = row.with_machine
        table.add_row(
            safe(row.item),
            str(row.inspectors.calls),
            _kappa(row.inspectors),
            f"{row.inspectors.agreement:.0%}",
            _kappa(machine),
            "-" if machine is None else f"{machine.agreement:.0%}",
        )
    return table


def deviation_table(found: CalibrationReport) -> Table:
    table = Table(title="deviation from the inspectors' consensus")
    for name in ("rater", "compared", "differing", "share", "where"):
        table.add_column(name, justify="right" if name in ("compared", "differing", "share") else "left")
    for row in found.deviations:
        where = ", ".join(
            f"{d.call_id[:8]} {d.item} ({d.answer.value} vs {d.consensus.value})" for d in row.differences
        )
        share = "-" if row.share is None else f"{row.share:.0%}"
        table.add_row(safe(row.rater), str(row.compared), str(row.differing), share, safe(where))
    return table
