"""transcript search index: turns with their terms (FTS5 on SQLite, tsvector + GIN on PostgreSQL), vectors, filter facts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 06:40:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SQLITE_FTS = (
    # External content: the terms are stored once, in search_turns; the triggers keep the index in step.
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, redacted_terms, content='search_turns', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_turns_ai AFTER INSERT ON search_turns BEGIN "
    "INSERT INTO search_fts(rowid, terms, redacted_terms) VALUES (new.id, new.terms, new.redacted_terms); END",
    "CREATE TRIGGER search_turns_ad AFTER DELETE ON search_turns BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms, redacted_terms) "
    "VALUES ('delete', old.id, old.terms, old.redacted_terms); END",
    "CREATE TRIGGER search_turns_au AFTER UPDATE ON search_turns BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms, redacted_terms) "
    "VALUES ('delete', old.id, old.terms, old.redacted_terms); "
    "INSERT INTO search_fts(rowid, terms, redacted_terms) VALUES (new.id, new.terms, new.redacted_terms); END",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    terms = postgresql.TSVECTOR() if postgres else sa.Text()
    op.create_table(
        "search_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=20), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("redacted_text", sa.Text(), nullable=False),
        sa.Column("moments", sa.JSON(), nullable=False),
        sa.Column("terms", terms, nullable=False),
        sa.Column("redacted_terms", terms, nullable=False),
        sa.Column("encoder", sa.String(length=40), nullable=True),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_turns_call_id", "search_turns", ["call_id"])
    op.create_table(
        "search_calls",
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("escalation", sa.Boolean(), nullable=False),
        sa.Column("dead_air_s", sa.Float(), nullable=False),
        sa.Column("overtalk_s", sa.Float(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id"),
    )
    for column in ("escalation", "dead_air_s", "overtalk_s"):
        op.create_index(f"ix_search_calls_{column}", "search_calls", [column])
    op.create_table(
        "search_failed_items",
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id", "item_id"),
    )
    op.create_index("ix_search_failed_items_item_id", "search_failed_items", ["item_id"])
    if postgres:
        op.create_index("ix_search_turns_terms", "search_turns", ["terms"], postgresql_using="gin")
        op.create_index("ix_search_turns_redacted_terms", "search_turns", ["redacted_terms"], postgresql_using="gin")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_turns_ai", "search_turns_ad", "search_turns_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_failed_items")
    op.drop_table("search_calls")
    op.drop_table("search_turns")
