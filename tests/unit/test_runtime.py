"""Reading the settings is free of side effects: no Celery app, no data folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

CHECK = """
import sys
import runtime.services
import runtime.settings
settings = runtime.settings.get_settings()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("celery", "workers"))
assert not loaded, loaded
"""


def test_importing_the_settings_creates_no_folder_and_no_celery_app(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "CALLQA_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


SERVICES_CHECK = """
import importlib
import pkgutil
import sys
import services
import workers
for module in pkgutil.iter_modules(services.__path__):
    importlib.import_module(f"services.{module.name}")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("celery", "kombu"))
assert not loaded, loaded
assert len(list(pkgutil.iter_modules(services.__path__))) > 10
"""


def test_importing_every_service_and_the_workers_package_loads_no_queue_library(tmp_path: Path) -> None:
    """The API, the CLI and the pages use services; none of them should pay for Celery (85 modules)
    or build an app by importing one, and `import workers` builds nothing either."""
    env = {"PATH": "/usr/bin:/bin", "CALLQA_DATA_DIR": str(tmp_path / "data")}
    root = ROOT
    done = subprocess.run(
        [sys.executable, "-c", SERVICES_CHECK],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "data").exists()
