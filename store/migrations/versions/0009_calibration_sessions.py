"""inspector calibration sessions: calls, invited inspectors and their blind answers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(length=300), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calibration_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibration_sessions_closed_at"), ["closed_at"], unique=False)
    op.create_table(
        "calibration_session_calls",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "call_id"),
    )
    op.create_table(
        "calibration_participants",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "inspector"),
    )
    op.create_table(
        "calibration_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "call_id", "inspector", "item_id", name="uq_calibration_answers"),
    )


def downgrade() -> None:
    op.drop_table("calibration_answers")
    op.drop_table("calibration_participants")
    op.drop_table("calibration_session_calls")
    with op.batch_alter_table("calibration_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibration_sessions_closed_at"))
    op.drop_table("calibration_sessions")
