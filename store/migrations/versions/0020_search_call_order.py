"""search call order: a search turn's id is its call's start (milliseconds << 20) plus a slot, so
id order is newest call first and a phrase query reads its page from the index and stops; on
SQLite the FTS5 table indexes the turn's speaker too, so FTS5 answers the speaker filter

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

SLOT_BITS = 20  # store/search.py
TEMPORARY = -(1 << 62)  # below every id either scheme gives: the renumbering never collides
TRIGGERS = ("search_turns_ai", "search_turns_ad", "search_turns_au")


def fts5(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The FTS5 table over `columns` of search_turns and the triggers that keep it in step (0012's)."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return (
        f"CREATE VIRTUAL TABLE search_fts USING fts5({listed}, content='search_turns', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER search_turns_ai AFTER INSERT ON search_turns BEGIN "
        f"INSERT INTO search_fts(rowid, {listed}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER search_turns_ad AFTER DELETE ON search_turns BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {listed}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER search_turns_au AFTER UPDATE ON search_turns BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {listed}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_fts(rowid, {listed}) VALUES (new.id, {new}); END",
        "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    )


def drop_fts5() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE search_turns ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS search_turns_id_seq")
        op.alter_column("search_turns", "id", type_=sa.BigInteger(), existing_nullable=False)
    else:
        drop_fts5()  # rebuilt once below, rather than kept in step row by row while renumbering
    _renumber(_call_ordered_ids)
    if not postgres:
        for statement in fts5(("terms", "redacted_terms", "speaker")):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        drop_fts5()
    _renumber(lambda rows: {old: n for n, (old, *_) in enumerate(rows, 1)})
    if not postgres:
        for statement in fts5(("terms", "redacted_terms")):
            op.execute(statement)
    if postgres:
        op.alter_column("search_turns", "id", type_=sa.Integer(), existing_nullable=False)
        op.execute("CREATE SEQUENCE search_turns_id_seq OWNED BY search_turns.id")
        op.execute("SELECT setval('search_turns_id_seq', COALESCE((SELECT max(id) FROM search_turns), 0) + 1, false)")
        op.execute("ALTER TABLE search_turns ALTER COLUMN id SET DEFAULT nextval('search_turns_id_seq')")


Rows = Sequence[tuple[Any, ...]]


def _renumber(new_ids: Callable[[Rows], dict[int, int]]) -> None:
    """Every turn to its new id, through temporary ids."""
    bind = op.get_bind()
    turns = sa.table("search_turns", sa.column("id", sa.BigInteger()), sa.column("call_id"), sa.column("position"))
    calls = sa.table("calls", sa.column("id"), sa.column("started_at", sa.DateTime(timezone=True)))
    found = bind.execute(
        sa.select(turns.c.id, turns.c.call_id, turns.c.position, calls.c.started_at)
        .join(calls, calls.c.id == turns.c.call_id)
        .order_by(turns.c.id)
    )
    rows = [tuple(row) for row in found]
    if not rows:
        return
    mapping = new_ids(rows)
    bind.execute(sa.update(turns).values(id=TEMPORARY - turns.c.id))
    bind.execute(
        sa.update(turns).where(turns.c.id == sa.bindparam("old")).values(id=sa.bindparam("new")),
        [{"old": TEMPORARY - old, "new": new} for old, new in mapping.items()],
    )


def _call_ordered_ids(rows: Rows) -> dict[int, int]:
    """As store/search.py allocates them: each call's turns in its millisecond's next free slots,
    its first turn highest; calls without a start below zero."""
    by_call: dict[str, list[tuple[int, int]]] = {}
    started_of: dict[str, datetime | None] = {}
    for old, call_id, position, started in rows:
        by_call.setdefault(call_id, []).append((position, old))
        started_of[call_id] = started
    mapping: dict[int, int] = {}
    taken: dict[int, int] = {}
    lowest = 0
    for call_id, turns in by_call.items():
        started = started_of[call_id]
        if started is None:
            lowest -= len(turns)
            first = lowest
        else:
            moment = started if started.tzinfo else started.replace(tzinfo=UTC)
            block = max(int(moment.timestamp() * 1000), 0) << SLOT_BITS
            first = taken.get(block, block)
            taken[block] = first + len(turns)
        for rank, (_, old) in enumerate(sorted(turns)):
            mapping[old] = first + len(turns) - 1 - rank
    return mapping
