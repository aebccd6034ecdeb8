"""stage timings: cumulative histograms of stage durations and ASR real-time factor

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_timings",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("le", sa.Float(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", "le"),
    )
    op.create_table(
        "stage_totals",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("stage_totals")
    op.drop_table("stage_timings")
