"""`callqa eval`: validate callqa on a labelled corpus, with the built-in dev cards or a team's own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.render import message, safe
from runtime.logs import configure_logging
from runtime.settings import get_settings

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command(name="eval")(evaluate)


def evaluate(
    corpus: Annotated[Path, typer.Argument(help="a corpus folder in the shared/eval/SCHEMA.md format")],
    out: Annotated[Path, typer.Option(help="where to write the evaluation report (JSON)")] = Path(
        "report.json"
    ),
    predictions: Annotated[
        Path | None, typer.Option(help="folder for per-call predictions (and, from audio, transcripts/)")
    ] = None,
    reference_text: Annotated[
        bool,
        typer.Option(
            help="score the ground-truth utterances as the transcript (isolates detectors from ASR)"
        ),
    ] = False,
    reference_text_for: Annotated[
        list[str] | None,
        typer.Option(
            help="score this language's calls on their ground-truth words and the rest from audio "
            "(repeat for each; for audio unfit to judge ASR by, such as synthetic speech)"
        ),
    ] = None,
    scorecard: Annotated[
        list[Path] | None,
        typer.Option(help="your scorecard YAML (repeat for each language); needs --labels"),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help="YAML mapping your cards' items to the corpus's labels (default: the dev cards')"),
    ] = None,
    transcripts: Annotated[
        Path | None,
        typer.Option(help="score the transcripts an audio run kept (PREDICTIONS/transcripts): no ASR"),
    ] = None,
    simulate_review: Annotated[
        bool,
        typer.Option(help="simulate inspectors reviewing routed calls in batches, calibrating after each"),
    ] = False,
    capacity: Annotated[
        int, typer.Option(min=1, max=10_000, help="calls reviewed per batch in --simulate-review")
    ] = 4,
    audit_rate: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="random audit share routing adds to the simulated queue"),
    ] = 0.0,
) -> None:
    """Process a labelled corpus, write predictions and the SCHEMA section 7 report."""
    from eval.labels import LabelMapError, load_setup
    from eval.run import TranscriptsError, run_evaluation
    from eval.simulate import SimulationParams
    from eval.summary import heading, simulation_lines, simulation_table, summary_tables
    from scoring.scorecard import ScorecardError

    settings = get_settings()
    configure_logging(settings.log_format, "WARNING")
    if reference_text and transcripts is not None:
        errors.print(message("error:", "red", "--reference-text and --transcripts are two different inputs"))
        raise typer.Exit(2)
    if reference_text and reference_text_for:
        errors.print(message("error:", "red", "--reference-text already scores every call on its words"))
        raise typer.Exit(2)
    try:
        setup = load_setup(scorecard or [], labels)
        report = run_evaluation(
            settings,
            corpus,
            out,
            predictions,
            reference_text=reference_text,
            console=errors,
            setup=setup,
            transcripts_dir=transcripts,
            reference_languages=frozenset(reference_text_for or ()),
            simulation=SimulationParams(capacity=capacity, audit_rate=audit_rate)
            if simulate_review
            else None,
        )
    except (ScorecardError, LabelMapError, TranscriptsError, FileNotFoundError) as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    console.print(safe(heading(report)))
    for table in summary_tables(report):
        console.print(table)
    if "review_simulation" in report:
        console.print(simulation_table(report["review_simulation"]))
        for line in simulation_lines(report["review_simulation"]):
            console.print(safe(line))
    console.print(safe(f"report written to {out}"))
