"""`callqa serve` runs uvicorn without its own forwarded-header reading, which trusts loopback
by default (issue 25, part 8): the app reads them from CALLQA_TRUSTED_PROXIES only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.cli_serve import serve
from runtime.logs import configure_logging
from runtime.settings import get_settings


def test_serve_leaves_forwarded_headers_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: dict[str, Any] = {}
    monkeypatch.setenv("CALLQA_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options))
    get_settings.cache_clear()
    try:
        serve(host="127.0.0.1", port=8000, workers=False)
    finally:
        get_settings.cache_clear()
        configure_logging()
    assert ran["proxy_headers"] is False
