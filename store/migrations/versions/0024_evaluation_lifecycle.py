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
    with op.batch_alter_table("calls") as batch_op:
        batch_op.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("completed_by", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_calls_completed_at", ["completed_at"])


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch_op:
        batch_op.drop_index("ix_calls_completed_at")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("completed_by")
        batch_op.drop_column("completed_at")
