"""What `callqa eval` prints: one table per language, Mandarin's error rate named CER."""

from __future__ import annotations

import copy
from typing import Any

from rich.console import Console

from eval.metrics import score_by_language
from eval.summary import heading, summary_tables
from tests.support.eval import call


def synthetic_report() -> dict[str, Any]:
    """Two English calls and one Mandarin call, the Mandarin agent misheard by one character."""
    truths = {"e1": call("e1"), "e2": call("e2"), "z1": call("z1", "zh")}
    predictions = copy.deepcopy(truths)
    predictions["z1"]["utterances"][0]["text"] = "您好，华信银"
    return {
        "corpus": "synthetic",
        "mode": "audio",
        "calls": 3,
        "scored": 3,
        "failed": [],
        "throughput": {"audio_seconds": 30.0, "wall_seconds": 3.0, "realtime_factor": 10.0},
        "by_language": score_by_language(truths, predictions),
    }


def printed(report: dict[str, Any]) -> str:
    console = Console(record=True, width=100)
    console.print(heading(report))
    for table in summary_tables(report):
        console.print(table)
    return console.export_text()


def test_one_section_per_language_with_its_own_error_rate() -> None:
    text = printed(synthetic_report())
    english, mandarin = text.split("Mandarin (1 call)")
    assert "English (2 calls)" in english and "Mandarin" not in english
    assert "WER agent" in english and "CER" not in english
    assert "CER agent" in mandarin and "CER speaker-agnostic" in mandarin
    assert "WER" not in mandarin
    assert "0.167" in mandarin  # one Han character of the agent's six was misheard
    assert "callqa eval: synthetic (audio, 3/3 calls scored, 10.0x real time)" in english


def test_by_language_counts_calls_and_keeps_the_schema_keys() -> None:
    by_language = synthetic_report()["by_language"]
    assert sorted(by_language) == ["en", "zh"]
    assert by_language["zh"]["calls"] == 1
    assert set(by_language["zh"]["asr"]["wer"]) == {"zh/agent", "zh/customer"}  # SCHEMA 6.1 keys


def test_heading_names_failed_calls() -> None:
    report = synthetic_report() | {"scored": 2, "failed": ["z1"]}
    assert heading(report).endswith("\nfailed calls: z1")
