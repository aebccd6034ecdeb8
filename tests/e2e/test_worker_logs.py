"""Every log line a worker writes while it runs a stage names the call and the stage, so a failed
call's story is one query on the log (`call_id=... stage=...`), whatever module wrote the line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.logs import configure_logging
from runtime.services import Services
from store.metadata import CallMetadata
from workers import tasks


def test_stage_lines_carry_the_call_id_and_the_stage(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all")
    call_id = services.calls.ingest_file(broken, CallMetadata(agent_id="A1")).call.id
    monkeypatch.setattr(tasks, "_services", services)
    captured = io.StringIO()
    configure_logging("json", "INFO", stream=captured)
    try:
        tasks.transcribe.apply(args=(call_id,)).get()
        written = len(captured.getvalue())
        tasks.analyse.apply(args=(call_id, None, True)).get()  # as the dispatcher sends a re-score
    finally:
        configure_logging()
    lines = [json.loads(line) for line in captured.getvalue()[:written].splitlines()]
    rescore = [json.loads(line) for line in captured.getvalue()[written:].splitlines()]
    assert rescore and all(line.get("call_id") == call_id and line["stage"] == "rescore" for line in rescore)
    failed = [line for line in lines if line["event"] == "call failed"]
    assert failed, lines
    assert all(line.get("call_id") == call_id and line.get("stage") == "transcribe" for line in lines), lines
    assert any(line["event"].startswith("Task callqa.transcribe") for line in lines)  # Celery's own
    stored = services.calls.get(call_id)
    assert stored is not None and stored.status == "failed"


@pytest.mark.parametrize(("queues", "loads_whisper"), [(["analysis"], False), (["asr"], True)])
def test_only_a_transcribing_worker_loads_whisper_and_every_worker_yields_the_cpu(
    queues: list[str], loads_whisper: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[str] = []

    class Transcriber:
        def model_for(self, language: str) -> None:
            loaded.append(language)

    class Warm:
        transcriber = Transcriber()

    niced: list[int] = []
    classes: list[int] = []
    monkeypatch.setattr(tasks, "services", Warm)
    monkeypatch.setattr(tasks.os, "nice", niced.append)  # not this test process's own priority
    monkeypatch.setattr(tasks.os, "sched_setscheduler", lambda _pid, policy, _param: classes.append(policy))
    monkeypatch.setattr(tasks.app.amqp.queues, "_consume_from", None)  # restored afterwards
    tasks.app.amqp.queues.select(queues)  # what `celery worker -Q ...` does before forking
    tasks._warm_up()
    assert loaded == (["en"] if loads_whisper else [])
    assert niced == [10]  # a worker yields the CPU to the API on a shared host
    assert classes == [os.SCHED_IDLE]


YIELDED = """
import os
from runtime.settings import Settings
from workers.tasks import _yield_the_cpu
_yield_the_cpu(Settings(worker_nice=5, worker_idle_class={idle}))
print(os.sched_getscheduler(0), os.nice(0))
"""


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="the idle scheduling class is Linux's")
@pytest.mark.parametrize("idle", [True, False])
def test_a_worker_process_really_runs_niced_and_in_the_idle_class_unless_told_not_to(idle: bool) -> None:
    """In a process of its own: a process cannot take its priority back once it gave it away."""
    before = os.nice(0)
    shown = subprocess.run(
        [sys.executable, "-c", YIELDED.format(idle=idle)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(shown[0]) == (os.SCHED_IDLE if idle else os.SCHED_OTHER)
    assert int(shown[1]) == min(before + 5, 19)
