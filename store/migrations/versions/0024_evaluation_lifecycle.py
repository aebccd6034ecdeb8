"""evaluation lifecycle: a review is a draft until completed (`calls.completed_at`, `completed_by`),
and the agent acknowledges a completed one (`calls.acknowledged_at`)

Calls reviewed before this have decisions but no completion: they stay in the queue as reviews
in progress until an inspector completes them (nothing is completed on anyone's behalf).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 00:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("calls", sa.Column("completed_by", sa.String(length=300), nullable=True))
    op.add_column("calls", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_calls_completed_at", "calls", ["completed_at"])


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite has it since 3.35): no copy of the
    # calls table, which other tables reference and a batch rebuild would have to drop.
    op.drop_index("ix_calls_completed_at", table_name="calls")
    op.drop_column("calls", "acknowledged_at")
    op.drop_column("calls", "completed_by")
    op.drop_column("calls", "completed_at")
