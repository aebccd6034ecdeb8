"""Imports point one way (docs/architecture.md): the pure libraries never reach the database or queue."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGES = (
    "asr",
    "scoring",
    "models",
    "review",
    "insights",
    "store",
    "runtime",
    "services",
    "workers",
    "api",
    "eval",
)
ENGINES = {"asr", "scoring", "models", "review", "insights", "store", "runtime"}
RUNTIME_ENTRIES = {"workers.dispatch", "workers.embedded", "workers.supervisor", "workers.broker_health"}
"""What the API and the CLI may take from the queue runtime: sending work, and running the embedded
deployment (`callqa serve`, `callqa process`) with its health; never a task or a service."""
ALLOWED = {
    "asr": {"models.files"},
    "models": set(),
    "scoring": {"models", "asr.transcript"},
    "review": {"scoring", "models", "asr.transcript"},
    "insights": {"scoring", "models", "review"},
    "store": set(),
    "runtime": {"asr", "scoring", "models", "review", "insights", "store"},
    "services": ENGINES,
    "workers": {"services", "runtime", "store", "asr.gpu"},
    "api": {
        "services",
        "runtime",
        "store",
        "scoring",
        "models",
        "review",
        "insights",
        "eval",
        "asr.transcript",
    }
    | RUNTIME_ENTRIES,
    "eval": {"runtime", "asr", "scoring", "models", "review", "services", "store", "workers.embedded"},
}


def imported(package: str) -> set[tuple[Path, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found.update((path, name) for name in names if name.split(".")[0] in PACKAGES)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_layers(package: str) -> None:
    allowed = ALLOWED[package] | {package}
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, name in imported(package)
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert not wrong, wrong


def test_pages_never_import_http_routes() -> None:
    """A page and a route that need the same thing both call its service; a page that borrowed a
    route's helper would break whenever the route changed."""
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, name in imported("api")
        if path.is_relative_to(ROOT / "api" / "web") and name.startswith("api.http")
    ]
    assert not wrong, wrong


def test_workers_hold_only_the_queue_runtime() -> None:
    """Application code lives in `services/`; what is left in `workers/` is what Celery runs."""
    modules = {path.stem for path in (ROOT / "workers").glob("*.py")}
    assert modules == {
        "__init__",
        "broker_health",
        "celery",
        "celery_app",
        "dispatch",
        "embedded",
        "heartbeat",
        "launcher",
        "reconcile",
        "schedule",
        "scheduled_tasks",
        "sqlite_broker",
        "supervisor",
        "tasks",
    }
