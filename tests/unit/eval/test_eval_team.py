"""`callqa eval` with a team's own cards and label map, its checks, and `--simulate-review`, on a
small hand-made corpus in the SCHEMA format (reference-text and kept-transcript modes: no ASR)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from eval.labels import LabelMapError, load_setup
from eval.metrics import BINARY_MISSING_LABELS, FAIL_CODES
from eval.predict import reference_transcript
from eval.simulate import SimulationParams, inspector_decisions, simulate_review
from scoring.results import ItemResult, ItemStatus
from scoring.scorecard import ScorecardError

CARD = """\
id: acme-en
version: 3
name: Acme support
language: en
pass_mark: 0
review_margin: 0
sections:
  - name: Call
    items:
      - id: greet
        label: Greeting
        weight: 40
        critical: true
        detector: phrase_present
        window: {first_turns: 1}
        phrases: [hello, thanks for calling Acme]
      - id: recording
        label: Recording notice
        weight: 40
        critical: true
        detector: phrase_present
        phrases: [this call is recorded]
      - id: rude
        label: No rude words
        weight: 20
        critical: true
        detector: phrase_absent
        phrases: [that's stupid]
"""

MAP = """\
scorecards:
  en: acme-en
labels:
  greeting: greet
  disclosure: recording
forbidden_phrases: rude
fail_reasons:
  greet: greeting_missing
  recording: disclosure_missing
  rude: forbidden_phrase
"""

# id -> (agent turns, fail reasons); customers say one neutral line between
CALLS: dict[str, tuple[list[str], list[str]]] = {
    "c1": (["Hello, thanks for calling Acme.", "This call is recorded.", "Have a good day."], []),
    "c2": (["Right, what do you want?", "This call is recorded.", "Bye now."], ["greeting_missing"]),
    "c3": (
        ["Hello, thanks for calling Acme.", "Honestly, that's stupid.", "Bye."],
        ["disclosure_missing", "forbidden_phrase"],
    ),
    "c4": (["Hello, thanks for calling Acme.", "This call is recorded.", "All sorted, goodbye."], []),
    "c5": (["Hello there.", "This call is recorded.", "Well that's stupid, goodbye."], ["forbidden_phrase"]),
    "c6": (["Hello, thanks for calling Acme.", "This call is recorded.", "Thanks, take care."], []),
}


def truth(call_id: str, agent: list[str], fail_reasons: list[str]) -> dict[str, Any]:
    utterances, t = [], 0.5
    for line in agent:
        utterances.append({"speaker": "agent", "start": t, "end": t + 2.0, "text": line, "channel": "left"})
        utterances.append(
            {
                "speaker": "customer",
                "start": t + 2.5,
                "end": t + 4.0,
                "text": "Okay, I see.",
                "channel": "right",
                "sentiment": "neutral",
            }
        )
        t += 4.5
    said = lambda who: " ".join(u["text"] for u in utterances if u["speaker"] == who)  # noqa: E731
    return {
        "id": call_id,
        "file": f"audio/{call_id}.wav",
        "format": "wav_pcm16",
        "sample_rate": 8000,
        "channels": 2,
        "layout": "agent_left",
        "channels_swapped": False,
        "language": "en",
        "duration_s": t + 1.0,
        "labels": {
            "greeting": "greeting_missing" not in fail_reasons,
            "disclosure": "disclosure_missing" not in fail_reasons,
            "verification": False,
            "closing": True,
            "forbidden_phrases": ["that's stupid"] if "forbidden_phrase" in fail_reasons else [],
            "customer_sentiment_overall": "neutral",
            "customer_sentiment_end": "neutral",
            "escalation_risk": False,
            "account_access": False,
            "customer_threat": False,
        },
        "qa_verdict": "fail" if fail_reasons else "pass",
        "fail_reasons": fail_reasons,
        "utterances": utterances,
        "silences": [],
        "overtalk": [],
        "hold": [],
        "reference_text": {"agent": said("agent"), "customer": said("customer")},
    }


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A corpus folder with the team's card and map beside it."""
    corpus = tmp_path / "acme"
    (corpus / "calls").mkdir(parents=True)
    rows = []
    for call_id, (agent, reasons) in CALLS.items():
        data = truth(call_id, agent, reasons)
        (corpus / "calls" / f"{call_id}.json").write_text(json.dumps(data))
        rows.append(json.dumps({"id": call_id, "file": data["file"], "language": "en", "channels": 2}))
    (corpus / "manifest.jsonl").write_text("\n".join(rows) + "\n")
    (tmp_path / "acme-en.yaml").write_text(CARD)
    (tmp_path / "map.yaml").write_text(MAP)
    return tmp_path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["eval", *args], catch_exceptions=False)


def flat(result: Any) -> str:
    """The output with the console's line wrapping undone."""
    return " ".join(result.output.split())


def test_team_cards_score_the_corpus(team: Path) -> None:
    out = team / "report.json"
    result = run(
        str(team / "acme"),
        "--reference-text",
        "--scorecard",
        str(team / "acme-en.yaml"),
        "--labels",
        str(team / "map.yaml"),
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["scorecards"] == {"en": "acme-en@3"}
    assert report["labels"]["greeting"]["f1"] == 1.0
    assert report["labels"]["disclosure"]["f1"] == 1.0
    assert report["labels"]["forbidden_phrases"]["item"]["f1"] == 1.0
    assert report["verdict"]["accuracy"] == 1.0
    assert report["verdict"]["fail_reasons"]["f1"] == 1.0
    prediction = json.loads((team / "report-predictions" / "c3.json").read_text())
    assert prediction["fail_reasons"] == ["disclosure_missing", "forbidden_phrase"]


def test_map_errors_name_file_line_and_field(team: Path) -> None:
    broken = MAP.replace("greeting: greet", "greetin: greet").replace(
        "rude: forbidden_phrase", "rude: rudeness"
    )
    broken = broken.replace("disclosure: recording", "disclosure: recordin")
    (team / "map.yaml").write_text(broken)
    with pytest.raises(LabelMapError) as error:
        load_setup([team / "acme-en.yaml"], team / "map.yaml")
    source = team / "map.yaml"
    assert str(error.value).splitlines() == [  # every problem at once, each at its own line
        f"{source}:4: labels.greetin: unknown label (boolean labels: "
        + ", ".join(BINARY_MISSING_LABELS)
        + ")",
        f"{source}:10: fail_reasons.rude: unknown fail code 'rudeness' (codes: "
        + ", ".join(FAIL_CODES)
        + ")",
        f"{source}:5: labels.disclosure: item 'recordin' is not in scorecard acme-en@3 (en)",
    ]
    (team / "map.yaml").write_text("scorecards: [en]\nlabels: {greeting: 3}\n")
    with pytest.raises(LabelMapError) as error:
        load_setup([team / "acme-en.yaml"], team / "map.yaml")
    assert f"{source}:1: scorecards: Input should be a valid dictionary" in str(error.value)
    assert f"{source}:2: labels.greeting: Input should be a valid string" in str(error.value)


def test_cli_refuses_bad_inputs_with_clear_errors(team: Path) -> None:
    corpus, card = str(team / "acme"), str(team / "acme-en.yaml")
    no_map = run(corpus, "--reference-text", "--scorecard", card)
    assert no_map.exit_code == 1 and "--labels is required with --scorecard" in flat(no_map)
    (team / "map.yaml").write_text(MAP.replace("forbidden_phrases: rude", "forbidden_phrases: greet"))
    wrong_kind = run(corpus, "--reference-text", "--scorecard", card, "--labels", str(team / "map.yaml"))
    assert wrong_kind.exit_code == 1 and "map.yaml:6: forbidden_phrases: item 'greet'" in flat(wrong_kind)
    (team / "bad.yaml").write_text(CARD.replace("weight: 20", "weight: 25"))
    bad_card = run(
        corpus, "--reference-text", "--scorecard", str(team / "bad.yaml"), "--labels", str(team / "map.yaml")
    )
    assert bad_card.exit_code == 1 and "weights must total 100" in flat(bad_card)
    (team / "map.yaml").write_text(MAP)
    missing = run(
        corpus,
        "--transcripts",
        str(team / "nowhere"),
        "--scorecard",
        card,
        "--labels",
        str(team / "map.yaml"),
    )
    assert missing.exit_code == 1 and "no usable transcript for call c1" in flat(missing)


def test_a_language_scored_on_its_words_while_the_rest_is_heard(team: Path) -> None:
    """`--reference-text-for`: a language whose audio cannot be judged by is scored on its ground
    truth words; the kept (here: misheard, greeting lost) transcripts serve the other calls."""
    corpus, card, labels = str(team / "acme"), str(team / "acme-en.yaml"), str(team / "map.yaml")
    kept = team / "kept"
    kept.mkdir()
    for call_id, (agent, reasons) in CALLS.items():
        misheard = [line.replace("Hello", "Yellow") for line in agent]
        (kept / f"{call_id}.json").write_text(
            reference_transcript(truth(call_id, misheard, reasons)).model_dump_json()
        )
    common = ["--transcripts", str(kept), "--scorecard", card, "--labels", labels]
    heard = run(corpus, *common, "--out", str(team / "heard.json"))
    assert heard.exit_code == 0, heard.output
    assert json.loads((team / "heard.json").read_text())["labels"]["greeting"]["f1"] < 1.0
    read = run(corpus, *common, "--reference-text-for", "en", "--out", str(team / "read.json"))
    assert read.exit_code == 0, read.output
    report = json.loads((team / "read.json").read_text())
    assert report["reference_text_languages"] == ["en"]
    assert report["labels"]["greeting"]["f1"] == 1.0
    assert "transcripts, reference text for en" in flat(read)
    absent = run(corpus, *common, "--reference-text-for", "zh")
    assert absent.exit_code == 1 and "--reference-text-for zh: the corpus has no calls in it" in flat(absent)
    both = run(
        corpus, "--reference-text", "--reference-text-for", "en", "--scorecard", card, "--labels", labels
    )
    assert both.exit_code == 2 and "--reference-text already scores every call" in flat(both)


def test_default_is_the_dev_cards_and_map() -> None:
    setup = load_setup()
    assert {language: card.key for language, card in setup.cards.items()} == {
        "en": "dev-en@1",
        "zh": "dev-zh@1",
    }
    assert setup.mapping.forbidden_phrases == "forbidden_phrases"


def test_every_broken_card_is_reported(team: Path) -> None:
    (team / "bad.yaml").write_text(CARD.replace("weight: 20", "weight: 25"))
    (team / "worse.yaml").write_text(CARD.replace("version: 3", "version: 0"))
    with pytest.raises(ScorecardError) as error:
        load_setup([team / "bad.yaml", team / "worse.yaml"], team / "map.yaml")
    assert "bad.yaml:1: (card): Value error, item weights must total 100, they total 105" in str(error.value)
    assert "worse.yaml:2: version:" in str(error.value)


def test_ground_truth_inspector_corrects_only_what_the_truth_contradicts() -> None:
    setup = load_setup()
    truth = {
        "fail_reasons": ["greeting_missing"],
        "labels": {"greeting": False, "disclosure": True, "verification": False, "closing": True},
    }

    def result(item: str, status: ItemStatus) -> ItemResult:
        return ItemResult(item_id=item, label=item, section="s", status=status, points=0, max_points=10)

    decisions = inspector_decisions(
        [
            result("greeting", ItemStatus.PASS),
            result("disclosure", ItemStatus.UNDECIDABLE),
            result("verification", ItemStatus.FAIL),
            result("closing", ItemStatus.NA),
            result("dead_air", ItemStatus.PASS),
        ],
        truth,
        setup.mapping.items(),
        setup,
    )
    assert decisions == {
        "greeting": ItemStatus.FAIL,  # its fail code fired
        "disclosure": ItemStatus.PASS,  # undecidable, and the label says it was done
        "verification": ItemStatus.NA,  # failed by the machine, not done, and not required
        "closing": ItemStatus.NA,  # the machine's N/A stands: nothing contradicts it
        "dead_air": ItemStatus.PASS,
    }


def test_simulated_review_on_kept_transcripts(team: Path) -> None:
    kept = team / "kept"
    kept.mkdir()
    for call_id, (agent, reasons) in CALLS.items():
        transcript = reference_transcript(truth(call_id, agent, reasons))
        (kept / f"{call_id}.json").write_text(transcript.model_dump_json())
    out = team / "sim.json"
    result = run(
        str(team / "acme"),
        "--transcripts",
        str(kept),
        "--scorecard",
        str(team / "acme-en.yaml"),
        "--labels",
        str(team / "map.yaml"),
        "--simulate-review",
        "--capacity",
        "2",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "Review simulation (2 calls per batch)" in result.output
    simulation = json.loads(out.read_text())["review_simulation"]
    assert simulation["capacity"] == 2
    first = simulation["batches"][0]
    assert first["corrections"] == 0 and first["unreviewed_calls"] == len(CALLS)
    assert all(b["reviewed_calls"] <= 2 * b["batch"] for b in simulation["batches"])
    assert sum(b["defects_found"] for b in simulation["batches"]) == 4
    found = simulation["yield"]
    # the machine routes exactly the three failing calls (4 defects), a random draw of 3 of 6 finds 2
    assert found["reviewed_calls"] == 3
    assert found["risk"] == pytest.approx(4 / 3)
    assert found["random"] == pytest.approx(4 / 6, abs=0.03)


def test_simulated_inspector_teaches_the_machine_a_teams_greeting(team: Path) -> None:
    """The card knows "hello" and "thanks for calling Acme"; the team greets "Acme support desk,
    <name> speaking". After two batches of corrections calibration learns the wording (activated by
    its own held-out check) and the machine agrees on the calls nobody has reviewed yet."""
    setup = load_setup([team / "acme-en.yaml"], team / "map.yaml")
    names = ["Dana", "Sam", "Lee", "Kim", "Alex", "Jo", "Max", "Ria"]
    calls = {
        f"g{i}": (
            [f"Acme support desk, {name} speaking, how can I help?", "This call is recorded.", "Bye."],
            [],
        )
        for i, name in enumerate(names)
    }
    calls["r1"] = (["Right, what do you want?", "This call is recorded.", "Bye."], ["greeting_missing"])
    truths = {call_id: truth(call_id, agent, reasons) for call_id, (agent, reasons) in calls.items()}
    transcripts = {call_id: reference_transcript(t) for call_id, t in truths.items()}
    simulation = simulate_review(transcripts, truths, setup, SimulationParams(capacity=2))
    first, *batches = simulation.batches
    assert first.agreement is not None and first.agreement < 0.8  # the greeting is failed on every g call
    learnt = [b for b in batches if b.calibration.get("en") == "activated"]
    assert learnt, [b.calibration for b in batches]
    assert learnt[0].agreement_before is not None and learnt[0].agreement == 1.0 > learnt[0].agreement_before
    for batch in batches:  # a calibration never lowers agreement on the calls still unreviewed
        assert batch.agreement is not None and batch.agreement_before is not None
        assert batch.agreement >= batch.agreement_before
    assert batches[-1].agreement == 1.0
