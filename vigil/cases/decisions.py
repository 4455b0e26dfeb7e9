"""Reviewer decisions on one case or many, and undoing them (by a new event, never an edit)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.cases.db import Database
from vigil.cases.models import Case, Event
from vigil.cases.transitions import Actor, lock_case, transition

# One bulk action covers a seller ring and its buyers; beyond this it is probably a mistake.
BULK_MAX_CASES = 5000


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > ev.MAX_NOTE_CHARS:
        raise ValueError(f"note is {len(note)} characters; at most {ev.MAX_NOTE_CHARS}")
    return note or None


def decide(db: Database, actor: Actor, case_id: int, decision: str, note: str | None = None) -> int:
    """Decide a case the actor holds (or an open one). Returns the decision's event id."""
    actor.require(perm.DECIDE)
    if decision not in ev.DECISIONS:
        raise ValueError(f"unknown decision {decision!r}; known: {', '.join(ev.DECISIONS)}")
    payload = {"decision": decision, "note": _clean_note(note)}
    with db.writing() as s:
        case = lock_case(s, actor, case_id)
        return transition(s, case, ev.DECIDE, actor, payload)


def undo(db: Database, actor: Actor, case_id: int, event_id: int | None = None) -> int:
    """Undo the case's current decision; `event_id`, when given, must name it (no stale undo)."""
    actor.require(perm.DECIDE)
    with db.writing() as s:
        case = lock_case(s, actor, case_id)
        target = case.decision_event_id if event_id is None else int(event_id)
        return transition(s, case, ev.UNDO, actor, {"target": target})


def bulk_decide(
    db: Database,
    actor: Actor,
    decision: str,
    note: str | None = None,
    *,
    case_ids: list[int] | None = None,
    community: tuple[str, str] | None = None,
) -> dict:
    """Decide every case of a selection or of a community that is open or held by the actor;
    given both, only the selected cases that belong to the community.

    Cases the actor may not see are never touched (nor counted); cases held by someone else or
    already decided are skipped and reported, not overwritten.
    """
    actor.require(perm.BULK)
    if decision not in ev.DECISIONS:
        raise ValueError(f"unknown decision {decision!r}; known: {', '.join(ev.DECISIONS)}")
    if case_ids is None and community is None:
        raise ValueError("give case ids or a community")
    bulk_id = uuid.uuid4().hex
    payload = {"decision": decision, "note": _clean_note(note), "bulk_id": bulk_id}
    decided, skipped = [], []
    with db.writing() as s:
        where = [perm.visible_cases(actor.roles)]
        if case_ids is not None:
            ids = sorted({int(i) for i in case_ids})
            if len(ids) > BULK_MAX_CASES:
                raise ValueError(f"{len(ids)} cases selected; at most {BULK_MAX_CASES} in one action")
            where.append(Case.id.in_(ids))
        if community is not None:
            platform, name = community
            where += [Case.platform == platform, Case.community == name]
        # Locks in id order, so two bulk actions over overlapping sets cannot deadlock.
        cases = list(s.scalars(select(Case).where(*where).order_by(Case.id).limit(BULK_MAX_CASES + 1).with_for_update()))
        if len(cases) > BULK_MAX_CASES:
            raise ValueError(f"more than {BULK_MAX_CASES} cases; narrow the selection")
        for case in cases:
            try:
                transition(s, case, ev.DECIDE, actor, payload)
                decided.append(case.id)
            except ev.InvalidTransition as e:
                skipped.append({"case_id": case.id, "reason": str(e)})
    return {"bulk_id": bulk_id, "decision": decision, "decided": decided, "skipped": skipped}


def bulk_undo(db: Database, actor: Actor, bulk_id: str) -> dict:
    """Undo every decision of one bulk action that is still the case's current decision."""
    actor.require(perm.BULK)
    if not (len(bulk_id) == 32 and all(c in "0123456789abcdef" for c in bulk_id)):
        raise ValueError("a bulk id is 32 hex digits")
    undone, skipped = [], []
    with db.writing() as s:
        like = f'%"bulk_id": "{bulk_id}"%'
        event_ids = dict(
            s.execute(select(Event.case_id, Event.id).where(Event.kind == ev.DECIDE, Event.payload.like(like))).all()
        )
        if not event_ids:
            return {"bulk_id": bulk_id, "undone": [], "skipped": []}
        cases = s.scalars(
            select(Case).where(Case.id.in_(event_ids), perm.visible_cases(actor.roles)).order_by(Case.id).with_for_update()
        )
        for case in cases:
            try:
                transition(s, case, ev.UNDO, actor, {"target": event_ids[case.id], "bulk_id": bulk_id})
                undone.append(case.id)
            except ev.InvalidTransition as e:
                skipped.append({"case_id": case.id, "reason": str(e)})
    return {"bulk_id": bulk_id, "undone": undone, "skipped": skipped}
