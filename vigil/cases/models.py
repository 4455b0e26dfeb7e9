"""Tables of the review database.

`events` is the source of truth: every claim, decision, undo, view, reveal, export and login is
one appended row, never edited (database triggers refuse UPDATE and DELETE). The state columns of
`cases` (status, assignee, decision, ...) are a projection of those events kept in the same
transaction, so the queue can be read with an index instead of a replay; `events.replay` checks
that the projection and the log agree.

The migration in `vigil/cases/migrations/versions` creates exactly these tables; a change here
needs a new migration there.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(ts: datetime | None) -> datetime | None:
    """An aware UTC datetime: SQLite hands timestamps back without their zone, and every one we
    store is UTC, so a naive one is UTC; an aware one in another zone is converted."""
    if ts is None:
        return None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def at_or_now(ts: datetime | None) -> datetime:
    """`ts` as aware UTC, or the clock when none is given (tests and the web app pass their own time)."""
    return as_utc(ts) if ts is not None else utcnow()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(255), default="")  # comma-separated, see permissions.ROLES
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class WebSession(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed sign-ins of one username (known or not) in the current window, and its lockout.

    In the database rather than in process memory, so every worker and server counts together.
    """

    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # attempts begun and not yet proven right
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(128))
    handle: Mapped[str | None] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    role: Mapped[str] = mapped_column(String(16))  # the model's role, not the reviewer's
    community: Mapped[str | None] = mapped_column(String(128))
    reasons: Mapped[str] = mapped_column(Text, default="")
    backup_of: Mapped[str | None] = mapped_column(String(128))
    child_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # --- projection of the event log (see events.apply)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    decision_event_id: Mapped[int | None] = mapped_column(BigId)
    last_event_id: Mapped[int | None] = mapped_column(BigId)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # ts of the claim event

    __table_args__ = (
        UniqueConstraint("platform", "account_id", name="uq_cases_account"),
        Index("ix_cases_queue", "status", "score"),
        Index("ix_cases_queue_cs", "status", "child_safety", "score"),
        Index("ix_cases_community", "platform", "community"),
        Index("ix_cases_assignee", "assignee_id", "status"),
    )


class Community(Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(64))
    community: Mapped[str] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("platform", "community", name="uq_communities_key"),)


class Hit(Base):
    """One evidence span: a lexicon or builtin signal matched in the account's text."""

    __tablename__ = "case_hits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str | None] = mapped_column(String(128))
    field: Mapped[str] = mapped_column(String(32))
    signal_id: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32))
    context: Mapped[str | None] = mapped_column(String(16))
    weight: Mapped[float | None] = mapped_column(Float)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    matched: Mapped[str | None] = mapped_column(Text)
    source_text: Mapped[str | None] = mapped_column(Text)  # the text the span points into, when known


class MediaMatch(Base):
    __tablename__ = "case_media"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str | None] = mapped_column(String(128))
    media_id: Mapped[str | None] = mapped_column(String(128))
    signal_type: Mapped[str] = mapped_column(String(16))
    signal: Mapped[str | None] = mapped_column(String(128))
    bank: Mapped[str | None] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(128))
    distance: Mapped[int | None] = mapped_column(Integer)


class Link(Base):
    """A cross-platform match of the case's account with another account."""

    __tablename__ = "case_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    other_platform: Mapped[str] = mapped_column(String(64))
    other_account: Mapped[str] = mapped_column(String(128))
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(Text)


class Neighbour(Base):
    """An edge between the case's account and another account (strongest few per case)."""

    __tablename__ = "case_neighbours"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    other_account: Mapped[str] = mapped_column(String(128))
    # Shown only when the other account has no case: a case's handle is shown only to who may see it.
    other_handle: Mapped[str | None] = mapped_column(String(128), nullable=True)
    direction: Mapped[str] = mapped_column(String(4))  # out: case acts on other; in: other acts on case
    kind: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=1)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(Integer)
    child_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    __table_args__ = (
        Index("ix_events_case", "case_id", "id"),
        Index("ix_events_kind", "kind", "id"),
        Index("ix_events_actor", "actor", "id"),
    )
