"""Changing a case's state safely under concurrent reviewers.

Every state change is: lock the case row, check the event against the current state with
`events.apply`, append the event, store the new state with an UPDATE that is conditional on the
state it was computed from. On PostgreSQL the lock is a row lock (`FOR UPDATE`, or `SKIP LOCKED`
when any open case will do); on SQLite the write transaction is `BEGIN IMMEDIATE`, and the
conditional UPDATE is the guard. Either way two reviewers can never hold the same claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.cases.models import Case, at_or_now


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the command line (id None)."""

    id: int | None
    name: str
    roles: frozenset[str]

    def can(self, permission: str) -> bool:
        return perm.can(self.roles, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionError(f"{self.name} lacks permission {permission}")


class NotFound(LookupError):
    """No such case, or not one this actor may see (the two are deliberately indistinguishable)."""


class Conflict(RuntimeError):
    """Someone else changed the case between our read and our write."""


def lock_case(s: Session, actor: Actor, case_id: int) -> Case:
    case = s.execute(
        select(Case)
        .where(Case.id == case_id, perm.visible_cases(actor.roles))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if case is None:
        raise NotFound(f"case {case_id}")
    return case


def transition(s: Session, case: Case, kind: str, actor: Actor, payload: dict | None = None, *,
               now: datetime | None = None) -> int:
    """Apply one state event to a locked case at `now` (default: the clock), which becomes the
    event's timestamp; return the event id. Raises InvalidTransition."""
    payload = payload or {}
    now = at_or_now(now)
    before = ev.CaseState.of(case)
    ev.apply(before, kind, actor.id, payload, None, now)  # refuse before writing anything
    event_id = ev.append(
        s, kind, actor_id=actor.id, actor=actor.name, case_id=case.id, child_safety=case.child_safety, payload=payload,
        ts=now,
    )
    after = ev.apply(before, kind, actor.id, payload, event_id, now)
    unchanged = and_(
        Case.id == case.id,
        Case.status == before.status,
        Case.last_event_id.is_(None) if before.last_event_id is None else Case.last_event_id == before.last_event_id,
    )
    done = s.execute(update(Case).where(unchanged).values(**after.columns()).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(f"case {case.id} changed while {actor.name} was acting on it")
    for k, v in after.columns().items():
        set_committed_value(case, k, v)  # the row already holds it; no second UPDATE
    return event_id
