"""`callqa rescore` runs the analysis as the worker's task does: under the call's analysis lease,
so it never scores a call beside a worker that holds it (in process, on both databases)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from runtime.services import Services
from runtime.settings import Settings, get_settings
from store.tables import LeaseStage
from tests.support.search import scored_call
from tests.support.transcripts import segment

WORKER = "analysis@node-1"


@pytest.fixture(autouse=True)
def callqa_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command reads the test's database and data folder, as a user's would through CALLQA_*."""
    for name in [k for k in os.environ if k.startswith("CALLQA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CALLQA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CALLQA_DATABASE_URL", settings.resolved_database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def rescore(*args: str) -> Result:
    return CliRunner().invoke(app, ["rescore", *args], env={"COLUMNS": "200"})


def test_rescore_waits_for_the_lease_the_worker_holds(services: Services) -> None:
    said = [
        segment("agent", 0.5, 3.0, "Hello, Fabrikam Mobile, this call is recorded. How can I help?"),
        segment("customer", 4.0, 8.0, "I want a refund."),
    ]
    call_id = scored_call(services, "A1", "north", 2, said)
    first = services.calls.analysis(call_id)
    assert first is not None
    assert services.leases.take(call_id, LeaseStage.ANALYSE, WORKER, "task-1", timedelta(minutes=5))

    busy = rescore(call_id)
    assert busy.exit_code == 1, busy.output
    assert f"{call_id} (call.wav) is being analysed elsewhere; try again" in busy.stderr
    assert f"{call_id[:8]} call.wav:" not in busy.stdout
    unchanged = services.calls.analysis(call_id)
    assert unchanged is not None and unchanged.id == first.id  # nothing scored beside the worker
    assert [lease.holder for lease in services.leases.held(call_id)] == [WORKER]  # and its lease kept

    services.leases.release(call_id, LeaseStage.ANALYSE, WORKER)
    done = rescore(call_id[:8])
    assert done.exit_code == 0, done.output
    call = services.calls.get(call_id)
    assert call is not None and call.verdict is not None
    assert f"{call_id[:8]} call.wav: {call.score_total} {call.verdict.upper()}" in done.stdout
    again = services.calls.analysis(call_id)
    assert again is not None and again.id != first.id
    assert services.leases.held(call_id) == []  # the command's own lease is released when it is done
