"""text conversations: a call's source (audio or text) and channel (voice or chat)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 07:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=10), server_default="audio", nullable=False))
        batch_op.add_column(sa.Column("channel", sa.String(length=10), server_default="voice", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("channel")
        batch_op.drop_column("source")
