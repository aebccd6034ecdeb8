"""The short table `callqa eval` prints after writing the full report."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def summary_table(report: dict[str, Any]) -> Table:
    table = Table(
        title=f"callqa eval: {report['corpus']} ({report['mode']}, "
        f"{report['scored']}/{report['calls']} calls)"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows: list[tuple[str, Any]] = [
        *((f"WER {k}", v) for k, v in report["asr"]["wer"].items()),
        *((f"WER speaker-agnostic {k}", v) for k, v in report["asr"]["wer_speaker_agnostic"].items()),
        ("text inside silence or hold (s)", report["asr"]["text_in_silence_s"]),
        ("layout accuracy", report["layout_accuracy"]),
        ("mono role accuracy (speech time)", report["asr"]["mono_role_accuracy"]["all"]),
        *(
            (f"{label} F1 (missing)", report["labels"][label]["f1"])
            for label in ("greeting", "disclosure", "verification", "closing")
        ),
        ("forbidden phrases F1 (call)", report["labels"]["forbidden_phrases"]["call"]["f1"]),
        ("escalation risk F1", report["labels"]["escalation_risk"]["f1"]),
        ("sentiment end accuracy", report["sentiment"]["end_accuracy"]),
        *((f"{kind} F1", report["intervals"][kind]["f1"]) for kind in ("silences", "overtalk", "hold")),
        ("verdict accuracy", report["verdict"]["accuracy"]),
        ("fail recall", report["verdict"]["fail"]["recall"]),
        ("realtime factor", report["throughput"]["realtime_factor"]),
    ]
    for name, value in rows:
        table.add_row(
            name, "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
        )
    if report["failed"]:
        table.add_row("failed calls", ", ".join(report["failed"]))
    return table
