"""Reading the settings is free of side effects: no Celery app, no data folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
