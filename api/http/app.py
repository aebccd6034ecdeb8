"""The FastAPI application; `callqa serve` runs it with the embedded workers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import Message

from api.common.auth import token_checker
from api.common.client_address import ForwardedClient, TrustedProxies
from api.common.errors import install_error_handlers
from api.common.guard import BodyLimits, RequestGuard
from api.common.security_headers import SecurityHeaders
from api.common.token_cache import TokenCache, TokenCachePolicy
from api.http.agreement_routes import router as agreement_router
from api.http.bookmark_routes import router as bookmark_router
from api.http.calibration_routes import router as calibration_router
from api.http.calibration_session_routes import router as calibration_session_router
from api.http.conversation_routes import router as conversation_router
from api.http.dispute_routes import router as dispute_router
from api.http.docs import add_docs
from api.http.erasure_routes import router as erasure_router
from api.http.evidence_routes import router as evidence_router
from api.http.health import router as health_router
from api.http.insight_routes import router as insight_router
from api.http.library_routes import router as library_router
from api.http.metrics import router as metrics_router
from api.http.review_routes import router as review_router
from api.http.routes import router
from api.http.sampling_routes import router as sampling_router
from api.http.search_routes import router as search_router
from api.http.topic_routes import router as topic_router
from api.web.workspace import add_workspace
from runtime.settings import Settings
from services.access import Principal
from services.search import warm_in_background
from workers.embedded import Embedded

MULTIPART_MARGIN_BYTES = 1_000_000
"""An upload's body is the recording plus multipart framing and metadata fields: a megabyte covers
them; the recording itself is held to CALLQA_MAX_UPLOAD_MB exactly by the blob store."""


async def build_routes(app: FastAPI) -> None:
    """FastAPI prepares each route's request handling (its parameters' validators) the first time
    a request is matched against it: 230 ms on the first request of a process, which a burst of
    uploads right after a start waited for. A request for a path no route has, sent past the
    middleware straight to the router, walks every route and prepares them all before serving."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/-/routes-built-at-start",
        "raw_path": b"/-/routes-built-at-start",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "app": app,
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_: Message) -> None:
        return None

    with suppress(HTTPException):  # the 404 it ends with, raised for the middleware to answer
        await app.router(scope, receive, send)


def create_app(settings: Settings, start_workers: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with Embedded(settings, start_workers=start_workers) as embedded:
            embedded.warm()
            await build_routes(app)
            gc.collect()
            gc.freeze()
            if settings.search_warm_encoders:  # else the first search by meaning waits for them (8.3 s)
                app.state.encoders_warming = warm_in_background(settings)
            app.state.services = embedded.services
            app.state.dispatcher = embedded.dispatcher
            app.state.embedded = embedded
            yield

    app = FastAPI(
        title="callqa",
        version="0.1.0",
        description="Automated QA for call-centre recordings. "
        "Authenticate with `Authorization: Bearer <token>` "
        "(`callqa token create --role admin|inspector|supervisor|trainer|agent`). "
        "Only /health is open; in a browser, /docs asks for any user name and a token as the password.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )

    def authenticate(token: str) -> Principal | None:
        return token_checker(app.state.services)(token)

    limits = BodyLimits(upload_bytes=settings.max_upload_bytes + MULTIPART_MARGIN_BYTES)
    pages = add_workspace(app)
    tokens = TokenCache(TokenCachePolicy(ttl_s=settings.token_cache_s))
    app.add_middleware(RequestGuard, authenticate=authenticate, limits=limits, pages=pages, tokens=tokens)
    app.add_middleware(ForwardedClient, proxies=TrustedProxies(settings.trusted_proxies))
    app.add_middleware(SecurityHeaders)  # the outermost: the guard's refusals carry them too
    install_error_handlers(app)
    add_docs(app)
    app.include_router(router)
    app.include_router(review_router)
    app.include_router(agreement_router)
    app.include_router(dispute_router)
    app.include_router(insight_router)
    app.include_router(library_router)
    app.include_router(bookmark_router)
    app.include_router(calibration_session_router)
    app.include_router(calibration_router)
    app.include_router(evidence_router)
    app.include_router(search_router)
    app.include_router(topic_router)
    app.include_router(conversation_router)
    app.include_router(metrics_router)
    app.include_router(health_router)
    app.include_router(sampling_router)
    app.include_router(erasure_router)

    return app
