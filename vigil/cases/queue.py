"""The review queue: what a viewer may see, ordered by score, and claiming from it.

Claiming offers open cases and cases whose claim has gone stale (older than the claim TTL, see
`claims`); taking over a stale claim is a claim event that names the claim it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vigil.cases import claims
from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.cases.db import Database
from vigil.cases.models import Case, at_or_now
from vigil.cases.transitions import Actor, Conflict, lock_case, transition

STATUSES = ("open", "claimed", "decided", "escalated")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Counting every match of a 100,000-case queue on each page view costs more than the page; past
# this many the page says "10,000+".
COUNT_CAP = 10_000
# Claim-next retries when another reviewer took the case between our pick and our write.
CLAIM_RETRIES = 20


@dataclass
class QueuePage:
    cases: list[Case]
    total: int
    offset: int
    limit: int
    total_capped: bool = False


def search(
    s: Session,
    actor: Actor,
    *,
    status: str | None = "open",
    q: str | None = None,
    platform: str | None = None,
    community: str | None = None,
    assignee_id: int | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    with_total: bool = True,
) -> QueuePage:
    """Cases the actor may see, best score first; the one query behind every list and search."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    offset = max(0, int(offset))
    where = [perm.visible_cases(actor.roles)]
    if status:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; known: {', '.join(STATUSES)}")
        where.append(Case.status == status)
    if q:
        like = f"%{q.strip().lower()}%"
        where.append(
            or_(
                func.lower(Case.account_id).like(like),
                func.lower(Case.handle).like(like),
                func.lower(Case.display_name).like(like),
            )
        )
    if platform:
        where.append(Case.platform == platform)
    if community:
        where.append(Case.community == community)
    if assignee_id is not None:
        where.append(Case.assignee_id == assignee_id)
    rows = list(s.scalars(select(Case).where(*where).order_by(Case.score.desc(), Case.id).limit(limit).offset(offset)))
    if not with_total:
        return QueuePage(rows, len(rows), offset, limit)
    capped = select(Case.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = int(s.scalar(select(func.count()).select_from(capped)) or 0)
    return QueuePage(rows, min(total, COUNT_CAP), offset, limit, total > COUNT_CAP)


def claim_next(db: Database, actor: Actor, *, now: datetime | None = None, ttl: timedelta | None = None) -> Case | None:
    """Claim the best-scored case this actor may see that is open or held by a stale claim of
    someone else's; None when there is none."""
    actor.require(perm.CLAIM)
    ttl = claims.ttl_or_configured(ttl)
    for _ in range(CLAIM_RETRIES):
        at = at_or_now(now)
        try:
            with db.writing() as s:
                case = _best_claimable(s, actor, stale_before=at - ttl)
                if case is None:
                    return None
                transition(s, case, ev.CLAIM, actor, claims.claim_payload(case, actor, at, ttl), now=at)
                s.expunge(case)
                return case
        except (Conflict, ev.InvalidTransition):
            continue
    return None


def _best_claimable(s: Session, actor: Actor, stale_before: datetime) -> Case | None:
    """The better of the best open case and the best stale claim, each locked (skipping rows
    another claimer holds). Two index-ordered LIMIT 1 reads, not one OR that defeats the index."""
    best_open = select(Case).where(Case.status == "open", perm.visible_cases(actor.roles))
    best_stale = select(Case).where(
        Case.status == "claimed",
        Case.claimed_at <= stale_before,
        Case.assignee_id.is_distinct_from(actor.id),
        perm.visible_cases(actor.roles),
    )
    found = [
        s.execute(q.order_by(Case.score.desc(), Case.id).limit(1).with_for_update(skip_locked=True)).scalar_one_or_none()
        for q in (best_open, best_stale)
    ]
    found = [c for c in found if c is not None]
    return min(found, key=lambda c: (-c.score, c.id)) if found else None


def claim(db: Database, actor: Actor, case_id: int, *, now: datetime | None = None, ttl: timedelta | None = None) -> Case:
    """Claim one case: an open one, or one whose claim by someone else has gone stale."""
    ttl = claims.ttl_or_configured(ttl)
    return _move_locked(db, actor, case_id, ev.CLAIM, now, lambda case, at: claims.claim_payload(case, actor, at, ttl))


def release(db: Database, actor: Actor, case_id: int, *, now: datetime | None = None) -> Case:
    return _move_locked(db, actor, case_id, ev.RELEASE, now)


def _move_locked(db: Database, actor: Actor, case_id: int, event, now: datetime | None,
                 payload_for: Callable[[Case, datetime], dict] | None = None) -> Case:
    """Apply a claim-permission event to one case under its row lock; `payload_for` sees the
    locked case, so the payload is decided from the state the event applies to."""
    actor.require(perm.CLAIM)
    at = at_or_now(now)
    with db.writing() as s:
        case = lock_case(s, actor, case_id)
        transition(s, case, event, actor, payload_for(case, at) if payload_for else None, now=at)
        s.expunge(case)
        return case
