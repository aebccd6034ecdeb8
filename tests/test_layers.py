"""Imports point one way (docs/architecture.md): the pure libraries never reach the database or queue."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("asr", "scoring", "models", "review", "insights", "store", "runtime", "workers", "api", "eval")
ALLOWED = {
    "asr": {"models.files"},
    "models": set(),
    "scoring": {"models", "asr.transcript"},
    "review": {"scoring", "models", "asr.transcript"},
    "insights": {"scoring", "models", "review"},
    "store": set(),
    "runtime": {"asr", "scoring", "models", "review", "insights", "store"},
    "workers": {"runtime", "asr", "scoring", "models", "review", "insights", "store"},
    "api": {
        "runtime",
        "workers",
        "store",
        "scoring",
        "models",
        "review",
        "insights",
        "eval",
        "asr.transcript",
    },
    "eval": {"runtime", "asr", "scoring", "models", "review", "workers", "store"},
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
