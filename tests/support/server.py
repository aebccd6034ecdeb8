"""The real HTTP server (uvicorn) on a free loopback port, in a thread of this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.http.app import create_app
from runtime.settings import Settings
from tests.support.topology import free_port


@contextmanager
def serving(settings: Settings) -> Iterator[int]:
    """Serve `settings`' app on 127.0.0.1 until the block ends; yields the port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="on",
            proxy_headers=False,  # as `callqa serve` runs it: the app reads forwarded headers itself
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
