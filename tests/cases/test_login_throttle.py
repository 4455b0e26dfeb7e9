"""Sign-in lockout: counted per username in the database, on SQLite and PostgreSQL, with time
passed in (`now=`) instead of slept."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from vigil.cases import db as dbmod
from vigil.cases import login_throttle as throttle
from vigil.cases import users
from vigil.cases.db import open_db
from vigil.cases.events import LOGIN, LOGIN_FAILED, LOGIN_LOCKED
from vigil.cases.login_throttle import FAILURE_WINDOW, LOCKOUT, MAX_FAILURES, LoginLocked
from vigil.cases.models import Event, LoginThrottle, utcnow

PASSWORD = "a long vexkin torlap password"
T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def db(db_url):
    db = open_db(db_url)
    users.create_user(db, users.CLI, "quillon", PASSWORD, ["reviewer"])
    return db


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def fail_until_locked(db, username: str, start: float = 0) -> float:
    """MAX_FAILURES wrong passwords a second apart; returns the time of the last one."""
    for i in range(MAX_FAILURES):
        assert users.authenticate(db, username, "wrong wrong wrong", now=at(start + i)) is None
    return start + MAX_FAILURES - 1


def events(db, kind):
    with db.reading() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_locked_after_max_failures_even_with_the_right_password(db):
    last = fail_until_locked(db, "quillon")
    with pytest.raises(LoginLocked) as refused:
        users.authenticate(db, "quillon", PASSWORD, now=at(last + 1))
    assert refused.value.until == at(last) + LOCKOUT
    assert [e.kind for e in events(db, LOGIN)] == []


def test_one_failure_short_of_the_limit_still_lets_the_right_password_in(db):
    for i in range(MAX_FAILURES - 1):
        assert users.authenticate(db, "quillon", "wrong wrong wrong", now=at(i)) is None
    assert users.authenticate(db, "quillon", PASSWORD, now=at(MAX_FAILURES)).username == "quillon"


def test_unlocked_once_the_cooldown_is_over(db):
    last = fail_until_locked(db, "quillon")
    with pytest.raises(LoginLocked):
        users.authenticate(db, "quillon", PASSWORD, now=at(last) + LOCKOUT - timedelta(seconds=1))
    user = users.authenticate(db, "quillon", PASSWORD, now=at(last) + LOCKOUT)
    assert user is not None and user.username == "quillon"
    # and the count starts afresh: one more failure does not lock again
    assert users.authenticate(db, "quillon", "wrong wrong wrong", now=at(last) + LOCKOUT + timedelta(seconds=1)) is None
    assert users.authenticate(db, "quillon", PASSWORD, now=at(last) + LOCKOUT + timedelta(seconds=2)) is not None


def test_a_success_resets_the_count(db):
    for i in range(MAX_FAILURES - 1):
        users.authenticate(db, "quillon", "wrong wrong wrong", now=at(i))
    assert users.authenticate(db, "quillon", PASSWORD, now=at(10)) is not None
    with db.reading() as s:
        assert s.get(LoginThrottle, "quillon") is None
    for i in range(MAX_FAILURES - 1):
        users.authenticate(db, "quillon", "wrong wrong wrong", now=at(20 + i))
    assert users.authenticate(db, "quillon", PASSWORD, now=at(30)) is not None  # 4 + 4 never made 5


def test_failures_spread_beyond_the_window_do_not_add_up(db):
    for i in range(MAX_FAILURES - 1):
        users.authenticate(db, "quillon", "wrong wrong wrong", now=at(i))
    later = FAILURE_WINDOW.total_seconds() + 1
    assert users.authenticate(db, "quillon", "wrong wrong wrong", now=at(later)) is None
    assert json.loads(events(db, LOGIN_FAILED)[-1].payload)["failures"] == 1
    assert users.authenticate(db, "quillon", PASSWORD, now=at(later + 1)) is not None


def test_an_unknown_username_is_locked_the_same_way(db):
    last = fail_until_locked(db, "nobody_vexkin")
    with pytest.raises(LoginLocked) as unknown:
        users.authenticate(db, "nobody_vexkin", "anything at all here", now=at(last + 1))
    fail_until_locked(db, "quillon", start=100)
    with pytest.raises(LoginLocked) as known:
        users.authenticate(db, "quillon", PASSWORD, now=at(100 + last + 1))
    assert unknown.value.until - at(last) == known.value.until - at(100 + last) == LOCKOUT
    assert type(unknown.value) is type(known.value)


def test_every_failure_and_the_lockout_are_in_the_audit_log(db):
    last = fail_until_locked(db, "quillon")
    for i in range(2):
        with pytest.raises(LoginLocked):
            users.authenticate(db, "quillon", PASSWORD, now=at(last + 1 + i))
    failed = events(db, LOGIN_FAILED)
    assert [e.actor for e in failed] == ["quillon"] * (MAX_FAILURES + 2)
    reasons = [json.loads(e.payload)["reason"] for e in failed]
    assert reasons == ["wrong_password"] * MAX_FAILURES + ["locked_out"] * 2
    locked = events(db, LOGIN_LOCKED)
    assert len(locked) == 1 and locked[0].actor == "quillon"
    payload = json.loads(locked[0].payload)
    assert payload["max_failures"] == MAX_FAILURES and payload["known_user"] is True
    assert payload["locked_until"].startswith((at(last) + LOCKOUT).isoformat(timespec="seconds")[:19])


def test_a_disabled_user_with_the_right_password_counts_as_a_failure(db):
    users.set_active(db, users.CLI, "quillon", False)
    assert users.authenticate(db, "quillon", PASSWORD, now=at(0)) is None
    assert json.loads(events(db, LOGIN_FAILED)[-1].payload)["reason"] == "disabled"


def test_two_workers_share_one_count(db, db_url):
    """A second engine on the same database stands for another worker process."""
    other = dbmod._connect(db_url)
    try:
        for i in range(MAX_FAILURES):
            worker = db if i % 2 else other
            assert users.authenticate(worker, "quillon", "wrong wrong wrong", now=at(i)) is None
        for worker in (db, other):
            with pytest.raises(LoginLocked):
                users.authenticate(worker, "quillon", PASSWORD, now=at(MAX_FAILURES))
    finally:
        other.engine.dispose()


def test_attempts_still_being_checked_count_against_the_limit(db):
    """Parallel guesses: each is counted when it starts, so only MAX_FAILURES get a hash check."""
    with db.writing() as s:
        admitted = [throttle.admit(s, "quillon", at(0)) for _ in range(MAX_FAILURES)]
        extra = throttle.admit(s, "quillon", at(0))
    assert admitted == [None] * MAX_FAILURES
    assert extra is not None and extra.newly_locked and extra.until == at(0) + LOCKOUT


def test_old_rows_of_other_names_are_cleaned_up(db):
    sprayed = at(-FAILURE_WINDOW.total_seconds() - 1)  # their windows are over before quillon's starts
    for i in range(3):
        users.authenticate(db, f"sprayed_{i}", "wrong wrong wrong", now=sprayed)
    last = fail_until_locked(db, "quillon")  # a live lockout must survive the clean-up
    users.authenticate(db, "someone_else", "wrong wrong wrong", now=at(last) + LOCKOUT - timedelta(seconds=1))
    with db.reading() as s:
        names = set(s.scalars(select(LoginThrottle.username)))
        assert names == {"quillon", "someone_else"}
        assert s.scalar(select(func.count()).select_from(LoginThrottle)) == 2
