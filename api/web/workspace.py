"""Adds the web workspace to the FastAPI app: its pages, its static files, its error page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.common.guard import PageGate
from api.web import (
    admin,
    agreement,
    calibration,
    calibration_sessions,
    call_page,
    disputes,
    library,
    pass_rates,
    queue,
    reports,
    search_page,
    signin,
    topics,
)
from api.web.pages import HERE, PageRefused, refused_page
from api.web.session import page_gate
from runtime.services import Services


def add_workspace(app: FastAPI) -> PageGate:
    """Mount the pages; returns how the request guard signs their requests in."""
    for module in (
        signin,
        queue,
        call_page,
        disputes,
        calibration_sessions,
        calibration,
        agreement,
        pass_rates,
        reports,
        library,
        search_page,
        topics,
        admin,
    ):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="web-static")
    app.add_exception_handler(PageRefused, refused_page)

    def services() -> Services:
        built: Services = app.state.services
        return built

    return page_gate(services)
