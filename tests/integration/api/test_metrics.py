"""Operations' view: Prometheus metrics at /metrics and `callqa status` (both databases)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from runtime.services import Services
from services.status import FailureKind, failure_kind
from store.db import session_factory
from store.stage_timings import StageTimings, Timed
from tests.support.api import scored_call_with_pii, token


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, parsed by Prometheus's own parser (so the format is valid)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_stage_histograms_are_cumulative_and_shared_by_every_process(services: Services) -> None:
    worker_a = StageTimings(session_factory(services.engine))
    worker_b = StageTimings(session_factory(services.engine))  # another process, same database
    for seconds in (0.5, 3.0, 3.0, 45.0):
        worker_a.observe(Timed.TRANSCRIBE_SECONDS, seconds)
    worker_b.observe(Timed.TRANSCRIBE_SECONDS, 4000.0)
    transcribe = next(h for h in worker_b.histograms() if h.name == Timed.TRANSCRIBE_SECONDS)
    counts = dict(transcribe.buckets)
    assert (counts[1], counts[5], counts[60], counts[3600], counts[float("inf")]) == (1, 3, 4, 4, 5)
    assert transcribe.count == 5 and transcribe.total == 4051.5


def test_metrics_need_an_admin_or_supervisor_and_parse_as_prometheus(client: TestClient) -> None:
    scored_call_with_pii(client, "A1")
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    StageTimings(session_factory(services.engine)).observe(Timed.ASR_REAL_TIME_FACTOR, 0.08)

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=token(client, "inspector")).status_code == 403
    answer = client.get("/metrics", headers=token(client, "supervisor"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    assert found[("callqa_calls", (("status", "scored"),))] == 1
    assert found[("callqa_calls", (("status", "failed"),))] == 0
    assert found[("callqa_queue_depth", (("queue", "asr"),))] == 1  # the upload's task: no worker runs here
    assert found[("callqa_queue_depth", (("queue", "analysis"),))] == 0
    assert found[("callqa_broker_up", ())] == 1
    assert found[("callqa_review_queue", ())] == 1  # the card-reading, threatening customer
    assert found[("callqa_recovery_queue", ())] == 1
    assert found[("callqa_asr_real_time_factor_bucket", (("le", "0.1"),))] == 1
    assert found[("callqa_asr_real_time_factor_bucket", (("le", "0.05"),))] == 0
    assert found[("callqa_transcribe_seconds_count", ())] == 0


def test_failures_are_counted_by_kind_not_by_their_text() -> None:
    assert failure_kind("audio: call.wav: not an audio file") == FailureKind.AUDIO
    assert failure_kind("ASR model: tiny.en: checksum mismatch") == FailureKind.ASR_MODEL
    assert failure_kind("internal error while scoring (KeyError: 'x'); retry it") == FailureKind.SCORING
    assert failure_kind("something new") == FailureKind.OTHER


def test_callqa_status_prints_the_same_figures(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from api.cli import app
    from runtime.settings import get_settings

    scored_call_with_pii(client, "A1")
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    monkeypatch.setattr("api.cli_status.Services", lambda _settings: services)
    get_settings.cache_clear()
    shown = CliRunner().invoke(app, ["status", "--json"])
    assert shown.exit_code == 0, shown.output
    figures = json.loads(shown.output)
    assert figures["calls_by_status"]["scored"] == 1 and figures["review_queue"] == 1
    table = CliRunner().invoke(app, ["status"])
    assert "calls scored" in table.output and "asr_real_time_factor" in table.output
