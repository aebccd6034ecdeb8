"""customer sentiment and the recovery queue on calls

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 11:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_sentiment', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('recovery', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('recovery_reasons', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_customer_sentiment'), ['customer_sentiment'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_recovery'), ['recovery'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_recovery'))
        batch_op.drop_index(batch_op.f('ix_calls_customer_sentiment'))
        batch_op.drop_column('recovery_reasons')
        batch_op.drop_column('recovery')
        batch_op.drop_column('customer_sentiment')
