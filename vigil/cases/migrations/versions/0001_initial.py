"""Initial review database: users, sessions, cases and their evidence, the append-only event log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("handle", sa.Text),
        sa.Column("display_name", sa.Text),
        sa.Column("bio", sa.Text),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("community", sa.String(128)),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("backup_of", sa.String(128)),
        sa.Column("child_safety", sa.Boolean, nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("decision", sa.String(32)),
        sa.Column("note", sa.Text),
        sa.Column("decision_event_id", BigId),
        sa.Column("last_event_id", BigId),
        sa.UniqueConstraint("platform", "account_id", name="uq_cases_account"),
    )
    op.create_index("ix_cases_queue", "cases", ["status", "score"])
    op.create_index("ix_cases_queue_cs", "cases", ["status", "child_safety", "score"])
    op.create_index("ix_cases_community", "cases", ["platform", "community"])
    op.create_index("ix_cases_assignee", "cases", ["assignee_id", "status"])
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("community", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer),
        sa.Column("summary", sa.Text),
        sa.UniqueConstraint("platform", "community", name="uq_communities_key"),
    )
    case_fk = lambda: sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)  # noqa: E731
    op.create_table(
        "case_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        case_fk(),
        sa.Column("post_id", sa.String(128)),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("signal_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("context", sa.String(16)),
        sa.Column("weight", sa.Float),
        sa.Column("start", sa.Integer),
        sa.Column("end", sa.Integer),
        sa.Column("matched", sa.Text),
        sa.Column("source_text", sa.Text),
    )
    op.create_table(
        "case_media",
        sa.Column("id", sa.Integer, primary_key=True),
        case_fk(),
        sa.Column("post_id", sa.String(128)),
        sa.Column("media_id", sa.String(128)),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("signal", sa.String(128)),
        sa.Column("bank", sa.String(128)),
        sa.Column("category", sa.String(128)),
        sa.Column("distance", sa.Integer),
    )
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer, primary_key=True),
        case_fk(),
        sa.Column("other_platform", sa.String(64), nullable=False),
        sa.Column("other_account", sa.String(128), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("evidence", sa.Text),
    )
    op.create_table(
        "case_neighbours",
        sa.Column("id", sa.Integer, primary_key=True),
        case_fk(),
        sa.Column("other_account", sa.String(128), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    for t in ("case_hits", "case_media", "case_links", "case_neighbours"):
        op.create_index(f"ix_{t}_case_id", t, ["case_id"])
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("ts", TS, nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer),
        sa.Column("child_safety", sa.Boolean, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_events_case", "events", ["case_id", "id"])
    op.create_index("ix_events_kind", "events", ["kind", "id"])
    op.create_index("ix_events_actor", "events", ["actor", "id"])
    _forbid_event_edits()


def _forbid_event_edits() -> None:
    """The log is evidence: the database itself refuses to change or remove an event."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION vigil_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION vigil_events_append_only()"
        )


def downgrade() -> None:
    for t in ("events", "case_neighbours", "case_links", "case_media", "case_hits", "communities", "cases", "sessions", "users"):
        op.drop_table(t)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS vigil_events_append_only()")
