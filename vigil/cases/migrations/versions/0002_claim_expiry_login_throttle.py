"""Claims that go stale, and sign-in lockout: `cases.claimed_at` and the `login_throttle` table.

`claimed_at` is part of the projection of the event log (the timestamp of the claim event that
holds the case), so existing claims get it from their claim event and a replay still agrees.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("cases", sa.Column("claimed_at", TS))
    # While a case is claimed its last event is the claim (only a claim leads into "claimed").
    op.execute(
        "UPDATE cases SET claimed_at = (SELECT events.ts FROM events WHERE events.id = cases.last_event_id) "
        "WHERE status = 'claimed'"
    )
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", TS, nullable=False),
        sa.Column("locked_until", TS),
    )
    op.create_index("ix_login_throttle_window_started_at", "login_throttle", ["window_started_at"])


def downgrade() -> None:
    op.drop_table("login_throttle")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("claimed_at")
