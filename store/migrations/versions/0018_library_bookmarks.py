"""library bookmarks: calls trainers saved, at a moment, with a note and tags

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_bookmarks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Float(), nullable=True),
        sa.Column("end", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("library_bookmarks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_bookmarks_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_library_bookmarks_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_library_bookmarks_owner"), ["owner"], unique=False)
    op.create_table(
        "library_bookmark_tags",
        sa.Column("bookmark_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["bookmark_id"], ["library_bookmarks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("bookmark_id", "tag"),
    )
    with op.batch_alter_table("library_bookmark_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_library_bookmark_tags_tag"), ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("library_bookmark_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_library_bookmark_tags_tag"))
    op.drop_table("library_bookmark_tags")
    with op.batch_alter_table("library_bookmarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_library_bookmarks_owner"))
        batch_op.drop_index(batch_op.f("ix_library_bookmarks_created_at"))
        batch_op.drop_index(batch_op.f("ix_library_bookmarks_call_id"))
    op.drop_table("library_bookmarks")
