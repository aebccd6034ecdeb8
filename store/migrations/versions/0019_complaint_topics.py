"""complaint topics: topic runs, topics with stable ids, complaint turns assigned to topics

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("topics", sa.Integer(), nullable=False),
        sa.Column("assigned_through", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_runs_ran_at"), ["ran_at"], unique=False)
    op.create_table(
        "complaint_topics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("encoder", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["first_run_id"], ["topic_runs.id"]),
        sa.ForeignKeyConstraint(["last_run_id"], ["topic_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_topics_language"), ["language"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_topics_active"), ["active"], unique=False)
    op.create_table(
        "topic_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["topic_id"], ["complaint_topics.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "position", name="uq_topic_assignments_turn"),
    )
    with op.batch_alter_table("topic_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_assignments_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_topic_assignments_topic_id"), ["topic_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("topic_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_assignments_topic_id"))
        batch_op.drop_index(batch_op.f("ix_topic_assignments_call_id"))
    op.drop_table("topic_assignments")
    with op.batch_alter_table("complaint_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_topics_active"))
        batch_op.drop_index(batch_op.f("ix_complaint_topics_language"))
    op.drop_table("complaint_topics")
    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_runs_ran_at"))
    op.drop_table("topic_runs")
