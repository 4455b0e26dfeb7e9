"""Neighbours' handles: `case_neighbours.other_handle`, so the network view labels an account
that has no case by its handle rather than its platform id. Filled by the next load-results.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_neighbours", sa.Column("other_handle", sa.String(128)))


def downgrade() -> None:
    with op.batch_alter_table("case_neighbours") as batch:
        batch.drop_column("other_handle")
