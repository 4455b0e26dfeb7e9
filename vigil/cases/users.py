"""Accounts of the people who use vigil: argon2 password hashes, roles, and the audit of changes."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from vigil.cases import events as ev
from vigil.cases import login_throttle as throttle
from vigil.cases import permissions as perm
from vigil.cases.db import Database
from vigil.cases.login_throttle import LoginLocked
from vigil.cases.models import User, at_or_now
from vigil.cases.transitions import Actor

MIN_PASSWORD_CHARS = 12
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("vigil-no-such-user")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.role_set)


CLI = Actor(None, "cli", frozenset({"admin"}))


def create_user(db: Database, by: Actor, username: str, password: str, roles: list[str]) -> User:
    by.require(perm.MANAGE_USERS)
    username = username.strip()
    if not username or len(username) > 80 or any(ch.isspace() for ch in username):
        raise ValueError("a username is 1-80 characters without spaces")
    role_list = perm.check_roles(roles)
    with db.writing() as s:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise ValueError(f"user {username!r} already exists")
        user = User(username=username, password_hash=hash_password(password), roles=",".join(role_list), active=True)
        s.add(user)
        s.flush()
        ev.append(s, ev.USER_CREATED, actor_id=by.id, actor=by.name, payload={"user": username, "roles": role_list})
        s.expunge(user)
    return user


def set_roles(db: Database, by: Actor, username: str, roles: list[str]) -> User:
    by.require(perm.MANAGE_USERS)
    role_list = perm.check_roles(roles)
    with db.writing() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise LookupError(f"no user {username!r}")
        before = sorted(user.role_set)
        user.roles = ",".join(role_list)
        ev.append(s, ev.USER_ROLES, actor_id=by.id, actor=by.name,
                  payload={"user": username, "before": before, "after": role_list})
        s.flush()
        s.expunge(user)
    return user


def set_active(db: Database, by: Actor, username: str, active: bool) -> User:
    by.require(perm.MANAGE_USERS)
    with db.writing() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise LookupError(f"no user {username!r}")
        user.active = active
        ev.append(s, ev.USER_DISABLED if not active else ev.USER_ROLES, actor_id=by.id, actor=by.name,
                  payload={"user": username, "active": active})
        s.flush()
        s.expunge(user)
    return user


def authenticate(db: Database, username: str, password: str, *, now: datetime | None = None) -> User | None:
    """The active user with this password, or None; either way the attempt is logged.

    Raises LoginLocked, without checking the password, while the username (known or not) is
    locked out after too many failures (see `login_throttle`). `now` stands in for the clock.
    """
    key = throttle.key_of(username)
    with db.reading() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is not None:
            s.expunge(user)
    known = user is not None
    at = at_or_now(now)
    with db.writing() as s:
        refusal = throttle.admit(s, key, at)
        if refusal is not None:
            _log_failure(s, key, known, "locked_out", refusal=refusal)
    if refusal is not None:
        raise LoginLocked(refusal.until)
    password_ok = False
    try:
        password_ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and known
    except (VerificationError, InvalidHashError):
        password_ok = False
    ok = password_ok and user.active
    at = at_or_now(now)  # the password check took a while: the outcome is recorded at its own time
    with db.writing() as s:
        if ok:
            throttle.record_success(s, key)
            if _hasher.check_needs_rehash(user.password_hash):
                s.execute(User.__table__.update().where(User.id == user.id).values(password_hash=_hasher.hash(password)))
            ev.append(s, ev.LOGIN, actor_id=user.id, actor=user.username)
        else:
            failures, lockout = throttle.record_failure(s, key, at)
            _log_failure(s, key, known, "disabled" if password_ok else "wrong_password", failures=failures,
                         refusal=lockout)
    return user if ok else None


def _log_failure(s, key: str, known: bool, reason: str, *, failures: int | None = None,
                 refusal: throttle.Refusal | None = None) -> None:
    """One `login_failed` event per refused attempt, and a `login_locked` event when this attempt
    started a lockout."""
    payload = {"known_user": known, "reason": reason}
    if failures is not None:
        payload["failures"] = failures
    if refusal is not None:
        payload["locked_until"] = ev.iso_utc(refusal.until)
    ev.append(s, ev.LOGIN_FAILED, actor_id=None, actor=key, payload=payload)
    if refusal is not None and refusal.newly_locked:
        ev.append(s, ev.LOGIN_LOCKED, actor_id=None, actor=key,
                  payload={"known_user": known, "locked_until": ev.iso_utc(refusal.until),
                           "max_failures": throttle.MAX_FAILURES})


def list_users(db: Database, by: Actor) -> list[User]:
    by.require(perm.MANAGE_USERS)
    with db.reading() as s:
        users = list(s.scalars(select(User).order_by(User.username)))
        s.expunge_all()
    return users
