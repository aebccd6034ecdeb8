"""The FastAPI application; `callqa serve` runs it with the embedded workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import text

from api.http.routes import router
from workers.embedded import Embedded
from workers.settings import Settings


def create_app(settings: Settings, start_workers: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with Embedded(settings, start_workers=start_workers) as embedded:
            app.state.services = embedded.services
            app.state.dispatcher = embedded.dispatcher
            yield

    app = FastAPI(
        title="callqa",
        version="0.1.0",
        description="Automated QA for call-centre recordings. "
        "Authenticate with `Authorization: Bearer <token>` "
        "(`callqa token create --role admin|inspector|supervisor|trainer|agent`).",
        lifespan=lifespan,
    )
    app.include_router(router)

    @app.get("/health", tags=["health"])
    def health(request: Request) -> dict[str, str]:
        """Open to all (for load balancers): says whether the database answers."""
        with request.app.state.services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
