"""search numbers: the phone numbers said in each indexed call, so an erasure by number is a lookup

Every transcript stored before this has `numbers_indexed` false: an erasure by number reads
those, as it read every transcript before, until `callqa search reindex` indexes their calls again.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "transcripts",
        sa.Column("numbers_indexed", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(
        "ix_transcripts_numbers_unindexed",
        "transcripts",
        ["call_id"],
        sqlite_where=sa.text("numbers_indexed = 0"),  # as each dialect writes the query's condition
        postgresql_where=sa.text("NOT numbers_indexed"),
    )
    op.create_table(
        "search_numbers",
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id", "number"),
    )
    op.create_index("ix_search_numbers_number", "search_numbers", ["number"])


def downgrade() -> None:
    op.drop_table("search_numbers")
    op.drop_index("ix_transcripts_numbers_unindexed", table_name="transcripts")
    with op.batch_alter_table("transcripts") as batch_op:
        batch_op.drop_column("numbers_indexed")
