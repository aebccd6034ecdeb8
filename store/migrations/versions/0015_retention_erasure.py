"""retention and erasure: when a call's audio and transcript were deleted, and the erasure log

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 06:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audio_deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("transcript_deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("requested_by", sa.String(length=300), nullable=False),
        sa.Column("selector", sa.String(length=20), nullable=False),
        sa.Column("selector_sha256", sa.String(length=64), nullable=False),
        sa.Column("call_ids", sa.JSON(), nullable=False),
        sa.Column("audio_files", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("transcript_deleted_at")
        batch_op.drop_column("audio_deleted_at")
