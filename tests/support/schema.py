"""The database schema as the migrations make it, for the tests that check a migration."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from store.db import MIGRATIONS
from store.tables import Base


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def differences(engine: Engine, *fragments: str) -> list[Any]:
    """What autogenerate finds between the migrated database and the tables the code declares,
    kept where the difference's repr names one of `fragments` (the tables a test is about)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, Base.metadata)
    return [d for d in found if any(fragment in repr(d) for fragment in fragments)]


def _run(engine: Engine, step: Any, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
