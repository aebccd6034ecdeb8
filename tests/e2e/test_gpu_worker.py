"""A GPU worker checks its device at start (asr/gpu.py): a real `celery worker` process on a host
without a GPU stops before it takes a call (the checks themselves: tests/unit/asr/test_gpu.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT


def test_a_cuda_worker_without_a_gpu_stops_before_taking_calls(tmp_path: Path) -> None:
    """A real `celery worker` process: it exits at once with the message, instead of failing calls."""
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this host has a GPU: the worker would start")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
    env.update(CALLQA_DATA_DIR=str(tmp_path / "data"), CALLQA_ASR_DEVICE="cuda")
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers",
            "worker",
            "-Q",
            "asr",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode != 0
    assert "this GPU worker cannot start: no CUDA device is visible" in worker.stderr
