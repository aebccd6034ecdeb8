"""Worker child processes for the embedded deployment (`callqa serve`, `callqa process`).

They are ordinary `celery worker` processes, started with this process's settings in their
environment, so the embedded default and a scaled-out cluster run exactly the same code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from workers.celery import ANALYSIS_QUEUE, ASR_QUEUE
from workers.settings import Settings


class WorkerProcesses:
    def __init__(self, settings: Settings, log_file: Path | None = None) -> None:
        self.settings = settings
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
        env = {**inherited, **self.settings.as_env()}
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers",
            "worker",
            "-Q",
            f"{ASR_QUEUE},{ANALYSIS_QUEUE}",
            "--concurrency",
            str(self.settings.worker_concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            self.settings.log_level,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"callqa-embedded-{os.getpid()}@%h",
        ]
        output = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """Warm shutdown: the worker finishes the task in hand (late ack requeues it otherwise)."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> WorkerProcesses:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
