"""`callqa serve`: the HTTP API and the web workspace, with the embedded workers."""

from __future__ import annotations

from typing import Annotated

import typer

from runtime.logs import configure_logging
from runtime.settings import get_settings


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[bool, typer.Option(help="start the embedded worker processes")] = True,
) -> None:
    """Run the HTTP API (OpenAPI at /docs) with its workers."""
    import uvicorn  # the other commands never load the server

    from api.http.app import create_app

    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    app = create_app(settings, start_workers=workers)
    # the app reads forwarded headers itself, from CALLQA_TRUSTED_PROXIES only (uvicorn's own
    # reading trusts loopback by default): api/common/client_address.py
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=False)
