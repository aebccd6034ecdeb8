"""`callqa roster import|list`, `callqa sample run` and `callqa pass-rates` (in-process, SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from runtime.services import Services
from runtime.settings import Settings, get_settings
from tests.support.sampling import DAY, reviewed, scored


@pytest.fixture
def cli(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("CALLQA_DATA_DIR", str(sqlite_settings.data_dir))
    monkeypatch.setenv("CALLQA_DATABASE_URL", sqlite_settings.resolved_database_url)
    get_settings.cache_clear()
    services = Services(sqlite_settings)
    yield services
    services.close()
    get_settings.cache_clear()


def test_roster_import_sample_run_and_pass_rates(cli: Services, tmp_path: Path) -> None:
    runner = CliRunner()
    roster = tmp_path / "roster.csv"
    roster.write_text("agent_id,name,team,start_date\nA1,Ann,red,2026-11-24\nA2,Bo,blue,2025-01-06\n")
    first = runner.invoke(app, ["roster", "import", str(roster)])
    assert first.exit_code == 0 and "2 added, 0 updated, 0 unchanged" in first.output, first.output
    again = runner.invoke(app, ["roster", "import", str(roster)])
    assert "0 added, 0 updated, 2 unchanged" in again.output
    assert "Ann" in runner.invoke(app, ["roster", "list", "--team", "red"]).output

    bad = tmp_path / "bad.csv"
    bad.write_text("agent_id,start_date\nA3,tomorrow\n")
    refused = runner.invoke(app, ["roster", "import", str(bad)])
    assert refused.exit_code == 2 and f"{bad}:2: start_date: Value error, expected a day" in refused.output
    assert "nothing imported: 1 problem(s)" in refused.output

    calls = [scored(cli, "A1", 10), scored(cli, "A2", 10), scored(cli, "A2", 14, passed=False)]
    run = runner.invoke(app, ["sample", "run", "--day", DAY.isoformat()])
    assert run.exit_code == 0, run.output
    assert "2026-11-25 queue (none): 3 of 3 calls selected (no capacity limit): new_hire: 1" in run.output
    assert runner.invoke(app, ["sample", "run", "--day", "25/11"]).exit_code == 2
    for call_id in calls:
        reviewed(cli, call_id, passed=call_id != calls[-1])

    table = runner.invoke(
        app, ["pass-rates", "--by", "team", "--from", DAY.isoformat(), "--to", DAY.isoformat()]
    )
    assert table.exit_code == 0 and "pass rates by team" in table.output and "blue" in table.output
    rows = json.loads(runner.invoke(app, ["pass-rates", "--json"]).output)
    assert [row["group"] for row in rows] == ["A1", "A2", "all"]
    assert rows[1]["estimate"] == 0.5 and rows[1]["machine_pass_rate"] == 0.5
