"""The CLI as a user runs it, in a process of its own: `callqa process`, `show`, `retry` and
`import` with real worker processes; `token`, `user`, `agreement` and `scorecard validate`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from runtime.services import Services
from runtime.settings import Settings
from store.calls import CallFilter
from tests.support import ROOT
from tests.support.api import scored_call_with_pii, token
from tests.support.cli import callqa
from tests.support.conversations import CHAT, VOICE
from tests.support.web import PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def folder(tmp_path: Path, short_call: Path) -> Path:
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copyfile(short_call, calls / "grace-0901.wav")
    (calls / "corrupt.wav").write_bytes(b"RIFF....WAVEfmt not really")
    shutil.copyfile(short_call, calls / "badmeta.flac")
    (calls / "notes.txt").write_text("not audio, ignored in folders")
    (tmp_path / "calls.csv").write_text(
        "file,agent_id,team,queue,started_at,language\n"
        "calls/grace-0901.wav,D204,billing,energy,2026-11-02T09:01:00Z,en\n"
        "calls/corrupt.wav,D204,billing,energy,2026-11-02T09:30:00Z,en\n"
        "calls/badmeta.flac,D204,billing,energy,not-a-date,en\n"
    )
    return calls


def test_process_show_retry(tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "data"
    first = callqa(data, "process", str(folder), "--metadata", str(tmp_path / "calls.csv"))
    assert first.returncode == 1, first.stderr  # one corrupt file, one bad metadata row
    row = next(line for line in first.stdout.splitlines() if "grace-0901.wav" in line)
    assert "D204" in row and "20.0s" in row and " en " in row and "review" in row
    assert "Closing" in row  # the excerpt ends before a closing: the top reason says so
    corrupt = next(line for line in first.stdout.splitlines() if "corrupt.wav" in line)
    assert "ERROR" in corrupt and "not a recognised audio format" in corrupt
    assert "badmeta.flac: skipped, bad metadata: calls.csv line 4: started_at" in first.stderr.replace(
        "\n", ""
    )
    assert "processing" in first.stderr  # the progress bar

    second = callqa(data, "process", str(folder / "grace-0901.wav"))
    assert second.returncode == 0, second.stderr
    assert "already processed" in second.stdout
    services = Services(Settings(data_dir=data))
    calls = services.calls.search(CallFilter())
    assert sorted(c.filename for c in calls) == ["corrupt.wav", "grace-0901.wav"]

    good = next(c for c in calls if c.filename == "grace-0901.wav")
    shown = callqa(data, "show", good.id[:10])
    assert shown.returncode == 0
    assert "agent" in shown.stdout and "recorded for training" in shown.stdout.lower()
    assert "Recording disclosure" in shown.stdout and "PASS" in shown.stdout

    retried = callqa(data, "retry", "--all-failed")
    assert retried.returncode == 0 and "corrupt.wav" in retried.stdout

    dev_card = ROOT / "eval" / "scorecards" / "dev-en.yaml"
    added = callqa(data, "scorecard", "add", str(dev_card))
    assert added.returncode == 0 and "added dev-en@1" in added.stdout
    assert "dev-en@1" in callqa(data, "scorecard", "list").stdout
    rescored = callqa(data, "rescore", good.id, "--scorecard", "dev-en")
    assert rescored.returncode == 0 and good.id[:8] in rescored.stdout
    other_language = callqa(data, "rescore", good.id, "--scorecard", "generic-zh")
    assert other_language.returncode == 1 and "'zh'" in other_language.stderr
    assert "--force" not in other_language.stdout
    analysis = services.calls.analysis(good.id)
    assert analysis is not None and analysis.scorecard_key == "dev-en@1"
    assert services.calls.transcript(good.id) is not None
    services.close()


def test_scorecard_validate_reports_lines(tmp_path: Path) -> None:
    good = ROOT / "scoring" / "scorecards" / "generic-en.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("weight: 25", "weight: many"))
    result = callqa(tmp_path / "data", "scorecard", "validate", str(good), str(bad))
    assert result.returncode == 1
    assert "ok" in result.stdout and "generic-en@2" in result.stdout
    assert "bad.yaml:" in result.stderr and "weight" in result.stderr


def test_token_create_prints_a_working_token(tmp_path: Path) -> None:
    created = callqa(tmp_path / "data", "token", "create", "--role", "inspector", "--name", "qa")
    assert created.returncode == 0
    plaintext = created.stdout.strip()
    services = Services(Settings(data_dir=tmp_path / "data"))
    record = services.tokens.authenticate(plaintext)
    assert record is not None and record.role == "inspector"
    refused = callqa(tmp_path / "data", "token", "create", "--role", "agent")
    assert refused.returncode == 2 and "--agent-id" in refused.stderr
    services.close()


def test_callqa_import_scores_files_and_folders_with_real_workers(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "voice.json").write_text(json.dumps(VOICE))
    (folder / "chat.json").write_text(json.dumps(CHAT))
    (folder / "bad.json").write_text(json.dumps({**CHAT, "external_id": ""}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
    env["CALLQA_DATA_DIR"] = str(tmp_path / "data")
    run = subprocess.run(
        [sys.executable, "-m", "api.cli", "import", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stderr  # one bad file: reported, the others imported
    assert "bad.json: external_id: String should have at least 1 character" in run.stderr
    assert "CC-1001.json" in run.stdout and "CHAT-77.json" in run.stdout, run.stdout
    assert run.stdout.count("FAIL") == 2  # both scored: no closing, and dead air / no disclosure


def test_callqa_user_add_list_disable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
    env.update(CALLQA_DATA_DIR=str(tmp_path / "data"))

    def callqa(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "api.cli", "user", *args]
        return subprocess.run(command, input=stdin, env=env, capture_output=True, text=True, check=False)

    added = callqa(
        "add", "Grace", "--role", "agent", "--agent-id", "D204", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert added.returncode == 0 and "grace (agent) added" in added.stdout
    assert callqa("add", "x", "--role", "agent", "--password-stdin", stdin=PASSWORD).returncode == 2
    assert callqa("list").stdout.split() == ["grace", "agent", "D204", "-", "active"]
    assert callqa("disable", "grace").returncode == 0 and "disabled" in callqa("list").stdout
    assert callqa("disable", "nobody").returncode == 1
    services = Services(Settings(data_dir=tmp_path / "data"))
    assert services.users.authenticate("grace", PASSWORD) is None
    services.close()


def test_callqa_agreement_prints_the_same_figures(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with TestClient(create_app(Settings(data_dir=data), start_workers=False)) as local:
        call_id = scored_call_with_pii(local, "A1")
        admin = token(local, "admin")
        item = local.get(f"/calls/{call_id}/review", headers=admin).json()["machine"]["items"][0]
        local.put(f"/calls/{call_id}/review/items/{item['item_id']}", json={"status": "na"}, headers=admin)
        expected = local.get("/reports/agreement", headers=admin).json()
    printed = callqa(data, "agreement", "--json")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == expected  # the one report the API returns
    (inspector,) = expected["inspectors"]
    assert inspector["inspector"].endswith("(admin)") and inspector["reviews"] == 1
    table = callqa(data, "agreement")
    assert (
        "machine vs inspectors, per item" in table.stdout and f"generic-en/{item['item_id']}" in table.stdout
    )
    assert "per inspector" in table.stdout and inspector["inspector"] in table.stdout
    assert "no reviewed items yet" in callqa(tmp_path / "empty", "agreement").stderr
