"""Worker child processes for the embedded deployment (`callqa serve`, `callqa process`).

They are ordinary `celery worker` processes, started with this process's settings in their
environment, so the embedded default and a scaled-out cluster run exactly the same code.
Each worker leads its own process group, so that when its main process dies, the pool
children it leaves behind (still working on a call) can be stopped as one, before the call
is handed to a replacement.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from contextlib import ExitStack, suppress
from pathlib import Path

from runtime.settings import Settings
from services.dispatch import ANALYSIS_QUEUE, ASR_QUEUE


class WorkerProcesses:
    def __init__(self, settings: Settings, log_file: Path | None = None) -> None:
        self.settings = settings
        self.log_file = log_file
        self.name = f"callqa-embedded-{os.getpid()}@{socket.gethostname()}"
        """The Celery node name, also the name in the worker's heartbeat row."""
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
            self.name,
        ]
        with ExitStack() as files:
            output = files.enter_context(self.log_file.open("ab")) if self.log_file else subprocess.DEVNULL
            self._process = subprocess.Popen(
                command, env=env, stdout=output, stderr=subprocess.STDOUT, process_group=0
            )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def exit_description(self) -> str:
        """How the worker ended, as a person reads it: `killed by SIGKILL`, `exited with code 1`."""
        code = self._process.poll() if self._process is not None else None
        if code is None:
            return "running" if self._process is not None else "not started"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    def kill_leftovers(self) -> None:
        """SIGKILL whatever is left of a worker whose main process has ended (its pool children)."""
        if self._process is None:
            return
        with suppress(ProcessLookupError):  # the whole group is gone already
            os.killpg(self._process.pid, signal.SIGKILL)

    def stop(self, timeout: float = 30.0) -> None:
        """Warm shutdown: the worker finishes the task in hand (late ack requeues it otherwise).

        Past `timeout`, or when this process is interrupted meanwhile, the worker is killed:
        nothing of it is left running without a parent.
        """
        if self._process is None:
            return
        try:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
                self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            self.kill_leftovers()

    def __enter__(self) -> WorkerProcesses:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
