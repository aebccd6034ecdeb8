"""inspectors' item decisions and the score after review

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 04:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'item_reviews',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('call_id', sa.String(length=32), nullable=False),
        sa.Column('analysis_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=100), nullable=False),
        sa.Column('machine_status', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('reviewer', sa.String(length=300), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('item_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_reviews_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_reviews_analysis_id'), ['analysis_id'], unique=False)
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('final_verdict', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_final_verdict'), ['final_verdict'], unique=False)
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_column('item_id')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_final_verdict'))
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('final_verdict')
        batch_op.drop_column('final_score')
    with op.batch_alter_table('item_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_reviews_analysis_id'))
        batch_op.drop_index(batch_op.f('ix_item_reviews_call_id'))
    op.drop_table('item_reviews')
