"""Terminal injection: file names, metadata, transcripts and card labels print as plain text.

A recording named with Rich markup must show its brackets, and escape codes, bells, carriage
returns and bidi overrides in any user string must never reach the terminal.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from api.render import safe, terminal_json
from runtime.services import Services
from runtime.settings import Settings
from scoring.escalation import Escalation, EscalationCue
from scoring.results import Analysis, Finding, ItemResult, Score
from scoring.routing import route
from scoring.sentiment import SentimentSummary
from store.metadata import CallMetadata
from tests.support.cli import callqa
from tests.support.transcripts import segment, transcript

MARKUP = "[bold red]EVIL[/bold red][link=http://evil]click[/link]"
CONTROLS = "\x1b[2J\x07\r\b\x9b\u202e\u2066"  # clear screen, bell, CR, backspace, C1 CSI, bidi
LEFT = "[2J"  # what remains of CONTROLS on the terminal: the printable part of the escape sequence
FILENAME = f"{MARKUP}{CONTROLS}.wav"  # as uploaded: a name on disk cannot hold the slashes
ON_DISK = "[bold red]EVIL[link=mailto:evil]click"  # Rich would print it as a bold red "EVILclick"
LABEL, LABEL_LEFT = f"[red]Greeting[/red]{CONTROLS}", f"[red]Greeting[/red]{LEFT}"  # a user card's item
QUOTE, QUOTE_LEFT = f"[i]Contoso[/i]{CONTROLS}", f"[i]Contoso[/i]{LEFT}"  # words heard in the call


def assert_inert(output: str) -> None:
    """No control character of the kinds `safe` drops survived into the output."""
    for character in "\x1b\x07\r\b\x9b\u202e\u2066":
        assert character not in output, repr(character)


def test_safe_keeps_brackets_and_drops_controls() -> None:
    assert safe(FILENAME).plain == f"{MARKUP}{LEFT}.wav"
    assert safe("line one\n\tline two").plain == "line one\n\tline two"  # a card's list of problems
    assert safe("客户说：我要投诉").plain == "客户说：我要投诉"


def test_terminal_json_escapes_controls_and_keeps_the_data() -> None:
    document = {"file": FILENAME, "text": "您好"}
    printed = terminal_json(document)
    assert_inert(printed)
    assert "您好" in printed  # Chinese stays readable
    assert json.loads(printed) == document


@pytest.fixture
def evil_metadata() -> CallMetadata:
    return CallMetadata(
        agent_id=f"D204{CONTROLS}",
        agent_name=f"[blink]Grace[/blink]{CONTROLS}",
        team="billing\u202e",
        queue="energy[/]\x07",
        external_id=f"CRM-1{CONTROLS}",
        language="en",
    )


def test_show_prints_a_stored_call_literally(tmp_path: Path, evil_metadata: CallMetadata) -> None:
    """A scored call written through the repository (no ASR): `show` prints every user string as
    plain text: the header, transcript, scorecard labels, evidence quotes and escalation cues."""
    data = tmp_path / "data"
    services = Services(Settings(data_dir=data))
    call = services.calls.ingest_chunks([b"show never decodes the audio"], FILENAME, evil_metadata).call
    heard = transcript(
        [segment("agent", 0.0, 3.0, f"hello {QUOTE} energy"), segment("customer", 3.5, 6.0, "I will switch")]
    )
    services.results.save_transcript(call.id, "test", heard)
    analysis = _analysis()
    decision = route(call.id, analysis.score, 0.0, analysis.sentiment, analysis.escalation)
    services.results.save_analysis(call.id, "evil@1", analysis, decision)
    services.close()

    shown = callqa(data, "show", call.id)
    assert shown.returncode == 0, shown.stderr
    assert_inert(shown.stdout)
    for printed in (
        f"{MARKUP}{LEFT}.wav",
        f"D204{LEFT} [blink]Grace[/blink]{LEFT}",
        "energy[/] / billing",
        f"hello {QUOTE_LEFT} energy",  # the transcript
        f"{LABEL_LEFT} *",  # the item
        f"critical item failed: {LABEL_LEFT}",  # the routing reason that names it
        f'"{QUOTE_LEFT}"',  # the evidence quote
        f'switch "{QUOTE_LEFT}"',  # the escalation cue
    ):
        assert printed in shown.stdout, printed
    assert "EVILclick" not in shown.stdout

    as_json = callqa(data, "show", call.id, "--json")
    assert_inert(as_json.stdout)
    assert json.loads(as_json.stdout)["call"]["filename"] == FILENAME


def _analysis() -> Analysis:
    """A failed critical item whose label is markup, quoting `QUOTE`, and an escalation cue."""
    evidence = Finding(kind="phrase", item_id="greeting", speaker="agent", start=0.0, end=3.0, quote=QUOTE)
    item = ItemResult(
        item_id="greeting",
        label=LABEL,
        section=f"Opening{CONTROLS}",
        status="fail",
        points=0,
        max_points=100,
        critical=True,
        evidence=[evidence],
    )
    score = Score(
        scorecard_id=f"[red]evil[/red]{CONTROLS}",
        scorecard_version=1,
        total=0.0,
        verdict="fail",
        pass_mark=80,
        review_margin=10,
        items=[item],
    )
    cue = EscalationCue(
        category="switch", label="switch", start=3.5, end=6.0, quote=QUOTE, matched="switch", confidence=1.0
    )
    feeling = SentimentSummary(
        model="test",
        turns=[],
        customer_overall="negative",
        customer_start="negative",
        customer_end="negative",
        agent_overall="neutral",
        trajectory="escalating",
    )
    return Analysis(
        findings=[evidence],
        score=score,
        sentiment=feeling,
        escalation=Escalation(cues=[cue], customer_threat=True, repeat_contact=False, risk=True),
    )


def test_process_retry_and_token_list_print_user_strings_literally(
    tmp_path: Path, evil_metadata: CallMetadata
) -> None:
    """The recording is not audio, so it fails at intake (no ASR): the results table shows its
    name, metadata and the failure reason that names it; `retry` and `token list` echo names too."""
    data = tmp_path / "data"
    audio = tmp_path / f"{ON_DISK}{CONTROLS}.wav"
    audio.write_bytes(b"RIFF....WAVEfmt not really")
    with (tmp_path / "calls.csv").open("w", newline="", encoding="utf-8") as csv_file:
        rows = csv.DictWriter(csv_file, ["file", *evil_metadata.model_dump(exclude_none=True)])
        rows.writeheader()
        rows.writerow({"file": audio.name, **evil_metadata.model_dump(mode="json", exclude_none=True)})
    processed = callqa(data, "process", str(audio), "--metadata", str(tmp_path / "calls.csv"))
    assert processed.returncode == 1, processed.stderr  # the recording failed
    assert_inert(processed.stdout + processed.stderr)
    table = processed.stdout
    assert "ERROR" in table and f"D204{LEFT}" in table and f"{ON_DISK}{LEFT}.wav" in table
    assert "not a recognised audio format" in table and "EVILclick" not in table

    retried = callqa(data, "retry", "--all-failed")
    assert retried.returncode == 0, retried.stderr
    assert_inert(retried.stdout)
    assert f"({ON_DISK}{LEFT}.wav)" in retried.stdout

    callqa(data, "token", "create", "--role", "admin", "--name", f"{MARKUP}{CONTROLS}")
    listed = callqa(data, "token", "list")
    assert_inert(listed.stdout)
    assert f"{MARKUP}{LEFT}" in listed.stdout
