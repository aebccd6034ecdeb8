"""The scale-out topology as real, separate processes on one machine, for benchmarks and fault tests.

Each piece is what an operator runs: a Redis server of its own (no persistence, as the fault
in issue 13 was met), `celery -A workers worker -Q asr|analysis` processes and `callqa serve
--no-workers` API processes, all configured only through `CALLQA_*` variables. A TCP proxy in
front of PostgreSQL stands in for a database outage without stopping the server other people
use: closing it refuses new connections and cuts the open ones, as a stopped server would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from runtime.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, every_s: float = 0.2) -> Any:
    """`check()`'s first truthy value, polled until `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise TimeoutError(f"not within {timeout_s:.0f} s: {what}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """This process's environment without its CALLQA_* variables, plus `settings` as CALLQA_*."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CALLQA_")}
    return {**inherited, **settings.as_env(), **extra}


def stop(process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """SIGTERM (a warm shutdown), then SIGKILL of its whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout_s)
    kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and its children (its group), as the OOM killer or systemd would."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class RedisServer:
    """`redis-server` on a port of its own, without persistence: a restart loses every message."""

    def __init__(self, log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no"]
        with self.log.open("ab") as output:
            self._process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, process_group=0
            )
        wait_for(f"redis-server listening on {self.port}", lambda: listening(self.port), 20)

    def stop(self) -> None:
        if self._process is not None:
            kill(self._process)
            self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`; `close()` is the target going away, `open()` its return."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """New connections are refused and every open one is cut."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            open_sockets, self._sockets = self._sockets, set()
        for sock in open_sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def celery_worker(
    settings: Settings,
    queues: Sequence[str],
    name: str,
    log: Path,
    concurrency: int = 1,
    **extra_env: str,
) -> subprocess.Popen[bytes]:
    """`celery -A workers worker -Q ...` as a deployment runs it, leading its own process group."""
    command = [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", ",".join(queues)]
    command += ["--concurrency", str(concurrency), "--pool", "prefork", "--loglevel", "INFO", "-n", name]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return _spawn(command, environment(settings, **extra_env), log)


def api_server(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`callqa serve --no-workers`: an API process of the scaled-out deployment."""
    command = [sys.executable, "-m", "api.cli", "serve", "--no-workers", "--port", str(port)]
    process = _spawn(command, environment(settings), log)
    wait_for(f"the API listening on {port}", lambda: listening(port) or process.poll() is not None, 300)
    if process.poll() is not None:
        raise RuntimeError(f"the API exited with code {process.returncode}; see {log}")
    return process


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, process_group=0)
