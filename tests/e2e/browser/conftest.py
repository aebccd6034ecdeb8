"""Fixtures of the browser tests: the real server with services on its database to seed it, and
where the pictures go."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.services import Services


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[tuple[str, Services]]:
    """The real server on a loopback port (`live_server`), and services on its database to seed it."""
    port, settings = request.getfixturevalue("live_server")
    services = Services(settings)
    yield f"http://127.0.0.1:{port}", services
    services.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where a test saves its pictures: its tmp_path, never the work tree, unless `--screenshots
    DIR` asks for them (`python -m benchmarks.screenshots` makes the documentation's that way)."""
    chosen = request.config.getoption("screenshots")
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
