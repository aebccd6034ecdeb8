"""the agent roster and the sampling rules' selections

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 06:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_agents",
        sa.Column("agent_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agent_id"),
    )
    with op.batch_alter_table("roster_agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_agents_team"), ["team"], unique=False)
    op.create_table(
        "sample_selections",
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.String(length=100), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inclusion_probability", sa.Float(), nullable=False),
        sa.Column("over_capacity", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("sample_selections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_selections_queue"), ["queue"], unique=False)
        batch_op.create_index(batch_op.f("ix_sample_selections_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_sample_selections_agent_id"), ["agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sample_selections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_selections_agent_id"))
        batch_op.drop_index(batch_op.f("ix_sample_selections_day"))
        batch_op.drop_index(batch_op.f("ix_sample_selections_queue"))
    op.drop_table("sample_selections")
    with op.batch_alter_table("roster_agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_agents_team"))
    op.drop_table("roster_agents")
