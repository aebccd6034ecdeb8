"""`callqa status`: what /metrics tells Prometheus, for a person at a terminal."""

from __future__ import annotations

import math
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from runtime.services import Services
from runtime.settings import get_settings
from services.status import HistogramView, OperationalStatus, operational_status
from workers.dispatch import Dispatcher

console = Console()


def status(
    json_out: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Calls by status, queues, live workers, failures by kind, stage timings (the whole deployment)."""
    services = Services(get_settings())
    dispatcher = Dispatcher(services.settings)  # the broker of the deployment whose calls it counts
    try:
        figures = operational_status(services, dispatcher)
    finally:
        dispatcher.close()
    if json_out:
        print(figures.model_dump_json(indent=2))
        return
    console.print(_overview(figures))
    console.print(_timings(figures.histograms))


def _overview(figures: OperationalStatus) -> Table:
    table = Table("", "", title="callqa", show_header=False)
    for name, count in figures.calls_by_status.items():
        table.add_row(f"calls {name.value}", str(count))
    for kind, count in figures.failures_by_kind.items():
        if count:
            table.add_row(f"failed: {kind.value}", str(count))
    queues = figures.broker_queues
    for queue, depth in (queues or {}).items():
        table.add_row(f"queue {queue}", f"{depth} waiting")
    if queues is None:
        table.add_row("broker", "[red]not answering[/red]")
    table.add_row("review queue", str(figures.review_queue))
    table.add_row("recovery queue", str(figures.recovery_queue))
    table.add_row("live workers", str(figures.live_workers))
    return table


def _timings(histograms: list[HistogramView]) -> Table:
    table = Table("timing", "runs", "mean", "p50 <=", "p95 <=", title="stages (bucket bounds)")
    for histogram in histograms:
        mean = f"{histogram.total / histogram.count:.3g}" if histogram.count else "-"
        table.add_row(
            histogram.name, str(histogram.count), mean, _bound(histogram, 0.5), _bound(histogram, 0.95)
        )
    return table


def _bound(histogram: HistogramView, quantile: float) -> str:
    """The smallest bucket bound holding the quantile: what a cumulative histogram can say."""
    if not histogram.count:
        return "-"
    for le, count in histogram.buckets:
        if count >= quantile * histogram.count:
            return "inf" if math.isinf(le) else f"{le:g}"
    return "inf"


def register(app: typer.Typer) -> None:
    app.command()(status)
