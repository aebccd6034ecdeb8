"""Calibration versions in the store, scoring with the active one, `callqa calibrate` and
rollback, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.services import Services
from runtime.settings import Settings
from scoring.results import ItemStatus
from services.calibration import (
    calibrated_card,
    nightly_calibration_if_due,
    repository,
    rollback,
    run_calibration,
)
from services.call_views import detail_of
from store.calibrations import NewCalibration, NothingToRollBack
from store.tables import CalibrationState
from tests.support.calibration import (
    reviewed_calls,
    scored_call,
    with_test_card,
)


@pytest.fixture
def card_settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_test_card(settings, tmp_path)


@pytest.fixture
def calibrating(card_settings: Settings) -> Iterator[Services]:
    built = Services(card_settings)
    yield built
    built.close()


def verification_of(services: Services, call_id: str) -> tuple[ItemStatus, int | None]:
    stored = services.results.analysis(call_id)
    assert stored is not None
    item = next(i for i in stored.analysis.score.items if i.item_id == "verification")
    return item.status, stored.analysis.calibration_id


def test_a_calibration_is_kept_activated_used_and_rolled_back(calibrating: Services) -> None:
    services = calibrating
    first = reviewed_calls(services, 4)
    assert verification_of(services, first[0]) == (ItemStatus.FAIL, None)

    dry = run_calibration(services, "cal", dry_run=True)
    assert dry[0].examples == 4 and dry[0].stored is None and dry[0].run is not None
    assert dry[0].run.assessment.activate and repository(services).history() == []

    (outcome,) = run_calibration(services, "cal", actor="user ann (admin)")
    assert outcome.stored is not None and outcome.stored.state == CalibrationState.ACTIVE
    assert outcome.stored.created_by == "user ann (admin)" and outcome.stored.scorecard_key == "cal@3"
    rows = {c["item"]: c for c in outcome.stored.metrics["items"]}
    assert rows["verification"]["after"]["accuracy"] > rows["verification"]["before"]["accuracy"]

    later = scored_call(services)  # scored with the active calibration, which it names
    assert verification_of(services, later) == (ItemStatus.PASS, outcome.stored.id)
    shown = detail_of(services, services.calls.get(later), services.results.analysis(later), redacted=True)  # type: ignore[arg-type]
    assert shown.calibration_id == outcome.stored.id  # the API says which version scored the call

    (again,) = run_calibration(services, "cal")  # nothing new: not stored a second time
    assert again.stored is None and len(repository(services).history("cal@3")) == 1

    undone = rollback(services, "cal", "user ann (admin)")
    assert undone.restored is None and undone.withdrawn.id == outcome.stored.id
    (row,) = repository(services).history("cal@3")
    assert row.state == CalibrationState.REJECTED and row.state_reason == "rolled back by user ann (admin)"
    in_use = calibrated_card(services, services.scorecards.get("cal"))
    card, calibration_id = in_use.card, in_use.calibration_id
    assert calibration_id is None and card == services.scorecards.get("cal")
    with pytest.raises(NothingToRollBack):
        rollback(services, "cal", "cli")


def test_a_newer_version_supersedes_and_rollback_restores_it(calibrating: Services) -> None:
    repo = repository(calibrating)
    params = {"scorecard_id": "cal", "scorecard_version": 3, "examples": 0, "items": []}

    def add(activate: bool) -> int:
        reason = None if activate else "agreement falls on verification"
        return repo.add(NewCalibration("cal@3", "nightly", params, {}, activate, reason)).id

    v1, v2, rejected = add(True), add(True), add(False)
    states = {row.id: row.state for row in repo.history("cal@3")}
    assert states == {v1: "superseded", v2: "active", rejected: "rejected"}
    assert repo.active("cal@3").id == v2  # type: ignore[union-attr]
    done = repo.rollback("cal@3", "cli")
    assert done.withdrawn.id == v2 and done.restored is not None and done.restored.id == v1
    assert repo.active("cal@3").id == v1  # type: ignore[union-attr]
    assert repo.active("generic-en@2") is None


def test_callqa_calibrate_prints_before_and_after_and_rolls_back(
    card_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app
    from runtime.settings import get_settings
    from services.calibration_runs import RunReport

    services = Services(card_settings)
    reviewed_calls(services, 3)
    services.close()
    monkeypatch.setenv("CALLQA_DATA_DIR", str(card_settings.data_dir))
    monkeypatch.setenv("CALLQA_DATABASE_URL", card_settings.resolved_database_url)
    monkeypatch.setenv("CALLQA_SCORECARD_DIR", str(card_settings.scorecard_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        dry = runner.invoke(app, ["calibrate", "--card", "cal", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "cal@3: 3 reviewed calls" in dry.output and "dry run: would be activated" in dry.output
        assert "verification" in dry.output and "accuracy before" in dry.output
        as_json = runner.invoke(app, ["calibrate", "--card", "cal", "--dry-run", "--json"])
        report = RunReport.model_validate_json(as_json.stdout)  # what POST /calibrations/run returns
        assert report.dry_run and [o.scorecard for o in report.outcomes] == ["cal@3"]
        assert report.outcomes[0].summary == "cal@3: dry run, would be activated"
        done = runner.invoke(app, ["calibrate", "--card", "cal"])
        assert done.exit_code == 0 and "active" in done.output, done.output
        history = runner.invoke(app, ["calibrate", "--history"])
        assert "cal@3" in history.output and "active" in history.output
        back = runner.invoke(app, ["calibrate", "--card", "cal", "--rollback"])
        assert back.exit_code == 0 and "withdrawn; the card is scored as written" in back.output
        nothing = runner.invoke(app, ["calibrate", "--card", "cal", "--rollback"])
        assert nothing.exit_code == 1 and "no active calibration" in nothing.output
        unknown = runner.invoke(app, ["calibrate", "--card", "nope"])
        assert unknown.exit_code == 2 and "unknown scorecard" in unknown.output
    finally:
        get_settings.cache_clear()


def test_the_nightly_run_is_scheduled_both_ways_and_runs_once_a_night(calibrating: Services) -> None:
    from workers.schedule import JOBS, EmbeddedScheduler, beat_schedule

    services = calibrating
    assert services.settings.calibration_time == time(2, 0)
    entry = beat_schedule(services.settings)["callqa.calibrate"]
    assert entry["task"] == "callqa.calibrate" and entry["schedule"] <= 600  # beat asks; the job decides
    job = next(j for j in JOBS if j.name == "callqa.calibrate")
    assert job.run is nightly_calibration_if_due

    reviewed_calls(services, 3)
    night = datetime(2026, 11, 28, 1, 59, tzinfo=UTC)
    assert nightly_calibration_if_due(services, night) is None  # before 02:00: not due
    assert repository(services).history() == []
    EmbeddedScheduler(services).tick(night + timedelta(minutes=2))  # the embedded scheduler's turn
    (row,) = repository(services).history("cal@3")
    assert row.created_by == "nightly" and row.state == CalibrationState.ACTIVE
    done = repository(services).night(night.date())
    assert done is not None and done.finished_at is not None
    assert f"cal@3: version {row.id} active" in done.outcome
    assert nightly_calibration_if_due(services, night + timedelta(hours=3)) is None  # once a night
    following = nightly_calibration_if_due(services, night + timedelta(days=1, minutes=2))
    assert following is not None  # the next night runs again: nothing new, nothing stored
    assert next(o for o in following if o.scorecard_key == "cal@3").stored is None
    assert len(repository(services).history("cal@3")) == 1
