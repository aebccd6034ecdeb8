"""search numbers: the phone numbers said in each indexed call, so an erasure by number is a lookup

Calls indexed before this have `numbers_indexed` false: an erasure by number reads their
transcripts, as it read every transcript before, until `callqa search reindex` indexes them again.

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
        "search_calls",
        sa.Column("numbers_indexed", sa.Boolean(), server_default=sa.false(), nullable=False),
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
    with op.batch_alter_table("search_calls") as batch_op:
        batch_op.drop_column("numbers_indexed")
