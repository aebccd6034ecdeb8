"""`callqa backup` / `callqa restore`: the database and the recordings, as one folder.

SQLite is copied with its online backup API (a consistent copy while the service keeps writing);
PostgreSQL with `pg_dump --format=custom` (restored by `pg_restore` into an empty database). The
recordings are copied file by file; they are content-addressed, so a restore checks every file
against the sha256 it is named by and refuses a damaged backup rather than restoring it.
A restore goes only into an empty database and an empty audio folder: it never merges.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import inspect, select
from sqlalchemy.engine import URL, make_url

from runtime.services import Services
from runtime.settings import Settings
from store.db import make_engine
from store.tables import Call, utcnow

MANIFEST = "manifest.json"
SQLITE_FILE = "callqa.db"
PG_DUMP_FILE = "callqa.pgdump"
AUDIO = "audio"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why. Nothing was overwritten."""


class BackupManifest(BaseModel):
    """What a backup folder holds, written last, so that a folder without one is not a backup."""

    format: Literal[1] = 1
    created_at: datetime
    database: Literal["sqlite", "postgresql"]
    calls: int
    audio_files: int
    audio_bytes: int


def backup(services: Services, destination: Path) -> BackupManifest:
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination}: not empty; back up into a new folder")
    destination.mkdir(parents=True, exist_ok=True)
    url = make_url(services.settings.resolved_database_url)
    kind: Literal["sqlite", "postgresql"]
    if url.get_backend_name() == "sqlite":
        kind = "sqlite"
        source = sqlite3.connect(str(url.database))
        target = sqlite3.connect(destination / SQLITE_FILE)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        kind = "postgresql"
        _pg("pg_dump", url, "--format=custom", "--file", str(destination / PG_DUMP_FILE))
    with services.calls.sessions() as session:
        calls = len(session.scalars(select(Call.id)).all())
    files = _copy_audio(services.calls.blobs.root, destination / AUDIO)
    manifest = BackupManifest(
        created_at=utcnow(),
        database=kind,
        calls=calls,
        audio_files=len(files),
        audio_bytes=sum(path.stat().st_size for path in files),
    )
    (destination / MANIFEST).write_text(manifest.model_dump_json(indent=1))
    return manifest


def restore(settings: Settings, source: Path) -> BackupManifest:
    try:
        manifest = BackupManifest.model_validate_json((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source}: no {MANIFEST}; not a callqa backup, or an unfinished one") from None
    _check_audio(source / AUDIO)
    audio_dir = settings.resolved_audio_dir
    if audio_dir.exists() and any(p.is_file() for p in audio_dir.rglob("*")):
        raise BackupError(f"{audio_dir}: already holds recordings; restore into an empty data folder")
    url = make_url(settings.resolved_database_url)
    if (url.get_backend_name() == "sqlite") != (manifest.database == "sqlite"):
        raise BackupError(f"{source}: a {manifest.database} backup; set CALLQA_DATABASE_URL to match")
    engine = make_engine(settings.resolved_database_url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("the database is not empty; restore into a new database")
    finally:
        engine.dispose()
    if manifest.database == "sqlite":
        target = Path(str(url.database))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / SQLITE_FILE, target)
    else:
        _pg("pg_restore", url, "--no-owner", "--exit-on-error", str(source / PG_DUMP_FILE))
    _copy_audio(source / AUDIO, audio_dir)
    return manifest


def _copy_audio(source: Path, target: Path) -> list[Path]:
    copied = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and "incoming" not in relative.parts:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            copied.append(target / relative)
    return copied


def _check_audio(folder: Path) -> None:
    """Every recording must still be the bytes its name (their sha256) says."""
    for path in folder.rglob("*"):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            if not path.name.startswith(digest.hexdigest()):
                raise BackupError(f"{path}: its bytes do not match its sha256; the backup is damaged")


def _pg(tool: str, url: URL, *arguments: str) -> None:
    """Run a PostgreSQL client tool; the password goes in its environment, not on a command line
    that `ps` shows to every user of the host."""
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed (PostgreSQL's client tools: apt install postgresql-client)"
        )
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run([tool, *arguments, "--dbname", dsn], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
