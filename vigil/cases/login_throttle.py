"""Refusing sign-ins for a username after repeated failures.

The count lives in the `login_throttle` table, not in process memory, so every worker and every
server behind one database counts the same attempts. It is kept per username as typed, whether
or not such a user exists: an unknown name is counted, locked and refused exactly like a known
one, so neither the lockout nor its message tells anyone which usernames are real.

An attempt is counted when it starts, before its password is checked, and a success clears the
count; so attempts sent in parallel cannot all slip past the limit while their hashes are being
checked. Only MAX_FAILURES of them are ever checked per window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.cases.models import LoginThrottle, as_utc

# Five wrong passwords in a row is past any typo streak; at five guesses per cooldown an online
# guesser gets under 500 tries a day against one name, hopeless against a 12-character password.
MAX_FAILURES = 5
# Failures count together while they fall within this window from the first of them; a typo this
# morning and one this afternoon are not an attack.
FAILURE_WINDOW = timedelta(minutes=15)
# Long enough to make guessing pointless, short enough that a reviewer who fumbled their password
# (or whose name someone else is trying) is back at work after a coffee.
LOCKOUT = timedelta(minutes=15)
# Old rows dropped per attempt: enough to keep up with a spray of invented names, few enough that
# the clean-up never makes a sign-in slow.
CLEANUP_BATCH = 500
# Usernames are at most 80 characters; a longer one cannot exist, so its first 80 stand for it.
KEY_CHARS = 80


class LoginLocked(Exception):
    """Sign-ins for this username are refused until `until` (whatever the password)."""

    def __init__(self, until: datetime):
        super().__init__(f"sign-in locked until {until.isoformat(timespec='seconds')}")
        self.until = until


@dataclass(frozen=True)
class Refusal:
    until: datetime
    newly_locked: bool  # this attempt is the one that started the lockout


def key_of(username: str) -> str:
    return username[:KEY_CHARS]


def admit(s: Session, key: str, now: datetime) -> Refusal | None:
    """Count one attempt for `key` at `now`, or refuse it (None: go on and check the password).

    Call inside a write transaction; the row is locked until it ends.
    """
    _forget_old(s, key, now)
    row = _locked_row(s, key, now)
    if _locked(row, now):
        return Refusal(as_utc(row.locked_until), newly_locked=False)
    if _window_over(row, now):
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    if row.failures >= MAX_FAILURES:  # the limit was reached by attempts still being checked
        row.locked_until = now + LOCKOUT
        return Refusal(row.locked_until, newly_locked=True)
    row.failures += 1
    return None


def record_failure(s: Session, key: str, now: datetime) -> tuple[int, Refusal | None]:
    """After a wrong password: (failures in the window, the lockout if this failure started one)."""
    row = _locked_row(s, key, now)
    if _locked(row, now):
        return row.failures, None
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCKOUT
        return row.failures, Refusal(row.locked_until, newly_locked=True)
    return row.failures, None


def record_success(s: Session, key: str) -> None:
    """A right password clears the count (and any lockout set by parallel attempts meanwhile)."""
    s.execute(delete(LoginThrottle).where(LoginThrottle.username == key))


def _locked(row: LoginThrottle, now: datetime) -> bool:
    return row.locked_until is not None and as_utc(row.locked_until) > now


def _window_over(row: LoginThrottle, now: datetime) -> bool:
    """A lockout that has run out, or a window that has, starts the count afresh."""
    return row.locked_until is not None or as_utc(row.window_started_at) + FAILURE_WINDOW <= now


def _locked_row(s: Session, key: str, now: datetime) -> LoginThrottle:
    """The row for `key`, created if missing, locked (FOR UPDATE on PostgreSQL; on SQLite the
    write transaction already holds the database)."""
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for _ in range(3):  # a concurrent clean-up may delete the row between insert and select
        s.execute(insert(LoginThrottle).values(username=key, failures=0, window_started_at=now)
                  .on_conflict_do_nothing(index_elements=["username"]))
        row = s.execute(
            select(LoginThrottle).where(LoginThrottle.username == key).with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if row is not None:
            return row
    raise RuntimeError(f"could not lock the sign-in count of {key!r}")


def _forget_old(s: Session, key: str, now: datetime) -> None:
    """Drop other names' rows whose window and lockout are both over, so guessing many names
    does not grow the table without end. Rows another sign-in holds are skipped, not waited for,
    so two clean-ups can never deadlock."""
    old = (
        select(LoginThrottle.username)
        .where(
            LoginThrottle.username != key,
            LoginThrottle.window_started_at < now - FAILURE_WINDOW,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
        .limit(CLEANUP_BATCH)
        .with_for_update(skip_locked=True)
    )
    s.execute(delete(LoginThrottle).where(LoginThrottle.username.in_(old.scalar_subquery())))

