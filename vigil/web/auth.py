"""Sign-in, sessions, CSRF and the permission check that guards every route.

Sessions live in the database (the cookie holds a random token; the table holds its SHA-256),
so signing out or disabling a user ends access at once, on every server. Every state-changing
request must echo the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`);
the sign-in form, which has no session yet, uses a double-submit cookie instead.

Failed sign-ins are counted per username in the database and lock that username out for a while
(`vigil.cases.login_throttle`); the messages never say whether the username exists.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Depends, HTTPException, Request
from sqlalchemy import delete, select

from vigil.cases.db import Database
from vigil.cases.models import User, WebSession, utcnow
from vigil.cases.transitions import Actor

SESSION_COOKIE = "vigil_session"
LOGIN_CSRF_COOKIE = "vigil_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
# A working day: long enough not to interrupt a review shift, short enough that a forgotten
# browser does not stay signed in overnight.
SESSION_LIFETIME = timedelta(hours=10)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The same words for a known and an unknown username, so neither reveals which names exist.
WRONG_LOGIN = "Wrong username or password."
LOCKED_LOGIN = "Too many failed sign-ins for this username. Try again in {minutes} minute(s)."


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    csrf_token: str
    session_id: str

    def can(self, permission: str) -> bool:
        return self.actor.can(permission)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start_session(db: Database, user: User) -> tuple[str, str]:
    """A new session for `user`: (cookie token, CSRF token)."""
    token, csrf = new_token(), new_token()
    now = utcnow()
    with db.writing() as s:
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
        s.add(WebSession(id=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
                         expires_at=now + SESSION_LIFETIME))
    return token, csrf


def end_session(db: Database, token: str | None) -> None:
    if token:
        with db.writing() as s:
            s.execute(delete(WebSession).where(WebSession.id == _digest(token)))


def db_of(request: Request) -> Database:
    return request.app.state.db


def clock_of(request: Request) -> datetime:
    """Now, for sign-in counting and claim expiry: `app.state.clock()` when one is set (tests move
    time with it instead of sleeping), else the system clock in UTC."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


def locked_message(until: datetime, now: datetime) -> str:
    return LOCKED_LOGIN.format(minutes=max(1, math.ceil((until - now).total_seconds() / 60)))


def current_viewer(request: Request) -> Viewer:
    """The signed-in viewer, or 401."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise HTTPException(401, "sign in first")
    db = db_of(request)
    with db.reading() as s:
        row = s.execute(
            select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.id == _digest(token))
        ).first()
    if row is None:
        raise HTTPException(401, "session ended; sign in again")
    sess, user = row
    expires = sess.expires_at if sess.expires_at.tzinfo else sess.expires_at.replace(tzinfo=utcnow().tzinfo)
    if not user.active or expires < utcnow():
        raise HTTPException(401, "session ended; sign in again")
    viewer = Viewer(Actor(user.id, user.username, user.role_set), sess.csrf_token, sess.id)
    request.state.viewer = viewer
    return viewer


async def check_csrf(request: Request, viewer: Viewer) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(CSRF_FIELD)
    if not sent or not hmac.compare_digest(str(sent), viewer.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token")


def require(permission: str):
    """A dependency: the viewer must be signed in (401), hold `permission` (403), and, for a
    state-changing request, echo the CSRF token (403)."""

    async def dependency(request: Request, viewer: Viewer = Depends(current_viewer)) -> Viewer:
        if not viewer.can(permission):
            raise HTTPException(403, f"your role does not allow {permission}")
        await check_csrf(request, viewer)
        return viewer

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)
