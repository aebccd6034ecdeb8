"""search word forms: each indexed call says how its terms were made (`search_calls.terms_version`)

Terms gained the words' English stems (store/search_text.py, TERMS_VERSION 2). Every call indexed
before this keeps version 1 and its old terms until the scheduled job `callqa.search_terms`
(services/search_index.py: `retokenise_outdated`) makes them again from the stored text, in
batches from the first minute after the upgrade; `callqa search reindex --missing` does them all
at once. Until then those calls are found only by the new terms they lack: the job, not this
migration, does the work, so an upgrade does not hold every process's start for minutes.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "search_calls",
        sa.Column("terms_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_index("ix_search_calls_terms_version", "search_calls", ["terms_version"])


def downgrade() -> None:
    op.drop_index("ix_search_calls_terms_version", table_name="search_calls")
    with op.batch_alter_table("search_calls") as batch_op:
        batch_op.drop_column("terms_version")
