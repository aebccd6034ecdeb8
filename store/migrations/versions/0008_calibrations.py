"""calibrations: every version of what the machine learnt from inspectors' corrections; nightly runs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 06:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scorecard_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibrations_scorecard_key"), ["scorecard_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_calibrations_state"), ["state"], unique=False)
        batch_op.create_index(
            "uq_calibrations_one_active",
            ["scorecard_key"],
            unique=True,
            sqlite_where=sa.text("state = 'active'"),
            postgresql_where=sa.text("state = 'active'"),
        )
    op.create_table(
        "calibration_runs",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("calibration_runs")
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.drop_index("uq_calibrations_one_active")
        batch_op.drop_index(batch_op.f("ix_calibrations_state"))
        batch_op.drop_index(batch_op.f("ix_calibrations_scorecard_key"))
    op.drop_table("calibrations")
