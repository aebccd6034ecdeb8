"""stage leases: which worker works on which stage of a call, until when

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_leases",
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("task_id", sa.String(length=255), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id", "stage"),
    )
    with op.batch_alter_table("stage_leases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_leases_holder"), ["holder"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_leases_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stage_leases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_leases_expires_at"))
        batch_op.drop_index(batch_op.f("ix_stage_leases_holder"))
    op.drop_table("stage_leases")
