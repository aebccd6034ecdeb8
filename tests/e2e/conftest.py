"""Fixtures of the end-to-end tier: the real server on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runtime.settings import Settings
from tests.support.server import serving


@pytest.fixture
def live_server(sqlite_settings: Settings) -> Iterator[tuple[int, Settings]]:
    """The real server on a loopback port: what a client that can reach the port talks to."""
    limited = sqlite_settings.model_copy(update={"max_upload_mb": 2})
    with serving(limited) as port:
        yield port, limited
