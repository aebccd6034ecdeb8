"""The short summary `callqa eval` prints after writing the full report: one table per language.

English and Mandarin are scored on different calls and, for ASR, on different units (SCHEMA 6.1:
words for English, Han characters for Mandarin), so a single table mixes figures that cannot be
compared and calls Mandarin's character error rate a WER. Each language gets its own table, read
from the report's `by_language` section, with its error rate under its own name.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

# language code -> the name a table is titled with, and what its ASR error rate counts
LANGUAGES = {"en": ("English", "WER"), "zh": ("Mandarin", "CER")}


def heading(report: dict[str, Any]) -> str:
    """The run as a whole: corpus, mode, calls scored, speed, and the calls that failed. Plain text
    (the corpus name and call ids come from the user's files): the CLI prints it through `safe`."""
    speed = report["throughput"]["realtime_factor"]
    words = report.get("reference_text_languages") or []
    mode = report["mode"] + (f", reference text for {', '.join(words)}" if words else "")
    line = (
        f"callqa eval: {report['corpus']} ({mode}, {report['scored']}/{report['calls']} calls "
        f"scored, {'-' if speed is None else speed}x real time)"
    )
    return line + (f"\nfailed calls: {', '.join(report['failed'])}" if report["failed"] else "")


def summary_tables(report: dict[str, Any]) -> list[Table]:
    """One table per language present in the corpus, in the report's order."""
    return [language_table(language, scores) for language, scores in report["by_language"].items()]


def language_table(language: str, scores: dict[str, Any]) -> Table:
    """One language's figures; its ASR rows say WER or CER as SCHEMA 6.1 measures that language."""
    name, error_rate = LANGUAGES.get(language, (language, "WER"))
    asr = scores["asr"]
    calls = scores["calls"]
    table = Table(title=Text(f"{name} ({calls} call{'' if calls == 1 else 's'})"))
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows: list[tuple[str, Any]] = [
        *(
            (f"{error_rate} {speaker}", asr["wer"][f"{language}/{speaker}"])
            for speaker in ("agent", "customer")
        ),
        (f"{error_rate} speaker-agnostic", asr["wer_speaker_agnostic"][language]),
        ("text inside silence or hold (s)", asr["text_in_silence_s"]),
        ("layout accuracy", scores["layout_accuracy"]),
        ("mono role accuracy (speech time)", asr["mono_role_accuracy"]["all"]),
        *(
            (f"{label} F1 (missing)", scores["labels"][label]["f1"])
            for label in ("greeting", "disclosure", "verification", "closing")
        ),
        ("forbidden phrases F1 (call)", scores["labels"]["forbidden_phrases"]["call"]["f1"]),
        ("escalation risk F1", scores["labels"]["escalation_risk"]["f1"]),
        ("sentiment end accuracy", scores["sentiment"]["end_accuracy"]),
        ("sentiment overall accuracy", scores["sentiment"]["overall_accuracy"]),
        *((f"{kind} F1", scores["intervals"][kind]["f1"]) for kind in ("silences", "overtalk", "hold")),
        ("verdict accuracy", scores["verdict"]["accuracy"]),
        ("fail recall", scores["verdict"]["fail"]["recall"]),
    ]
    for metric, value in rows:
        table.add_row(metric, "-" if value is None else f"{value:.3f}")
    return table


def simulation_table(simulation: dict[str, Any]) -> Table:
    """The learning curve of `--simulate-review`: agreement on the calls not yet reviewed, before
    and after each batch's calibration, against the corrections the machine has learnt from."""
    table = Table(title=Text(f"Review simulation ({simulation['capacity']} calls per batch)"))
    columns = (
        "batch",
        "reviewed",
        "defects",
        "corrections",
        "unreviewed",
        "agreement",
        "kappa",
        "calibration",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "calibration" else "right")
    for batch in simulation["batches"]:
        table.add_row(
            str(batch["batch"]),
            str(batch["reviewed_calls"]),
            str(batch["defects_found"]),
            str(batch["corrections"]),
            str(batch["unreviewed_calls"]),
            _before_after(batch["agreement_before"], batch["agreement"]),
            _before_after(batch["kappa_before"], batch["kappa"]),
            Text(
                ", ".join(f"{language}: {outcome}" for language, outcome in batch["calibration"].items())
                or "-"
            ),
        )
    return table


def simulation_lines(simulation: dict[str, Any]) -> list[str]:
    found = simulation["yield"]
    ratio = found["risk"] / found["random"] if found["random"] else None
    return [
        f"review yield over {found['reviewed_calls']} reviewed calls (true defects per reviewed call): "
        f"risk routing {found['risk']:.2f}, random sampling {found['random']:.2f} "
        f"(mean of {found['random_seeds']} draws)" + (f", {ratio:.2f}x" if ratio is not None else "")
    ]


def _before_after(before: float | None, after: float | None) -> str:
    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return show(after) if before == after else f"{show(before)} -> {show(after)}"
