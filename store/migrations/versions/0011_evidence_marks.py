"""inspectors' evidence marks: item evidence, missed forbidden phrases, word corrections, sentiment labels

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 06:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("speaker", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("redacted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("label", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidence_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_marks_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_marks_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_marks_created_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_marks_call_id"))
    op.drop_table("evidence_marks")
