"""Exports: reviewer labels for the graph stage's refit, the case list, and the event log.

Each export is filtered by the same visibility rule as the screens and is itself logged.
"""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.cases.db import Database
from vigil.cases.models import Case, Event
from vigil.cases.transitions import Actor

LABEL_HEADER = ["platform", "account_id", "role"]
CASE_HEADER = ["id", "platform", "account_id", "handle", "score", "role", "community", "status", "decision", "reasons"]
EVENT_HEADER = ["id", "ts", "actor", "kind", "case_id", "child_safety", "payload"]


def _csv(header: list[str], rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def _log_export(db: Database, actor: Actor, what: str, rows: int, child_safety: bool) -> None:
    with db.writing() as s:
        ev.append(s, ev.EXPORT, actor_id=actor.id, actor=actor.name, child_safety=child_safety,
                  payload={"what": what, "rows": rows})


def label_rows(db: Database, actor: Actor) -> list[tuple[str, str, str]]:
    """(platform, account_id, role) for every visible case with a labelling decision."""
    actor.require(perm.EXPORT_LABELS)
    with db.reading() as s:
        rows = s.execute(
            select(Case.platform, Case.account_id, Case.decision)
            .where(perm.visible_cases(actor.roles), Case.status == "decided")
            .order_by(Case.platform, Case.account_id)
        ).all()
    return [(p, a, ev.DECISIONS[d]) for p, a, d in rows if ev.DECISIONS.get(d)]


def labels_csv(db: Database, actor: Actor) -> str:
    rows = label_rows(db, actor)
    _log_export(db, actor, "labels", len(rows), perm.sees_child_safety(actor.roles))
    return _csv(LABEL_HEADER, rows)


def cases_csv(db: Database, actor: Actor, status: str | None = None) -> str:
    actor.require(perm.EXPORT_CASES)
    with db.reading() as s:
        q = select(Case.id, Case.platform, Case.account_id, Case.handle, Case.score, Case.role, Case.community,
                   Case.status, Case.decision, Case.reasons).where(perm.visible_cases(actor.roles))
        if status:
            q = q.where(Case.status == status)
        rows = s.execute(q.order_by(Case.score.desc(), Case.id)).all()
    _log_export(db, actor, "cases", len(rows), perm.sees_child_safety(actor.roles))
    return _csv(CASE_HEADER, rows)


def event_query(kind: str | None = None, actor_name: str | None = None, case_id: int | None = None,
                before_id: int | None = None):
    q = select(Event)
    if kind:
        q = q.where(Event.kind == kind)
    if actor_name:
        q = q.where(Event.actor == actor_name)
    if case_id is not None:
        q = q.where(Event.case_id == case_id)
    if before_id is not None:
        q = q.where(Event.id < before_id)
    return q.order_by(Event.id.desc())


def browse_events(db: Database, actor: Actor, *, limit: int = 100, **filters) -> list[Event]:
    actor.require(perm.READ_EVENTS)
    with db.reading() as s:
        out = list(s.scalars(event_query(**filters).limit(max(1, min(limit, 1000)))))
        s.expunge_all()
    return out


def events_csv(db: Database, actor: Actor, **filters) -> str:
    actor.require(perm.EXPORT_EVENTS)
    with db.reading() as s:
        rows = [
            (e.id, ev.iso_utc(e.ts), e.actor, e.kind, e.case_id, e.child_safety, e.payload)
            for e in s.scalars(event_query(**filters).execution_options(yield_per=5000))
        ]
    _log_export(db, actor, "events", len(rows), False)
    return _csv(EVENT_HEADER, rows)


def payload(e: Event) -> dict:
    return json.loads(e.payload or "{}")
