"""The append-only event log, and the one function that says what each event does to a case.

`apply` is the whole state machine of a case. Writers lock the case row, run `apply` on its
current state (refusing what it refuses), append the event and store the new state; `replay`
runs the same `apply` over the log from the start. So the projection in `cases` and a replay of
the log cannot disagree unless a row was written behind the app's back, which `verify` reports.

Time enters only through each event's own timestamp (`ts`), never the clock at replay: a claim
records when it began, and taking over a stale claim is judged from the two events' timestamps
and the TTL written in the takeover's payload (see `vigil.cases.claims`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vigil.cases.models import Case, Event, as_utc, utcnow

# Events that change a case's state.
CLAIM, RELEASE, DECIDE, UNDO = "claim", "release", "decide", "undo"
STATE_EVENTS = frozenset({CLAIM, RELEASE, DECIDE, UNDO})
# Events that only record that something was seen or done.
VIEW, REVEAL, EXPORT, LOGIN, LOGIN_FAILED, LOGOUT, LOAD = "view", "reveal", "export", "login", "login_failed", "logout", "load"
USER_CREATED, USER_ROLES, USER_DISABLED = "user_created", "user_roles", "user_disabled"
# A username reached the failed sign-in limit and is refused until the payload's `locked_until`.
LOGIN_LOCKED = "login_locked"
# A signed-in user was refused (403): probing beyond one's role is itself worth an auditor's look.
DENIED = "denied"

# Reviewer decision -> the role label it gives the graph stage (None: no label, e.g. escalate).
DECISIONS: dict[str, str | None] = {
    "confirm_seller": "seller",
    "confirm_buyer": "buyer",
    "confirm_facilitator": "facilitator",
    "clear": "none",
    "escalate": None,
}
MAX_NOTE_CHARS = 4000


class InvalidTransition(ValueError):
    """The event does not apply to the case in its current state (e.g. claimed by someone else)."""


@dataclass(frozen=True)
class CaseState:
    status: str = "open"  # open | claimed | decided | escalated
    assignee_id: int | None = None
    decision: str | None = None
    note: str | None = None
    decision_event_id: int | None = None
    last_event_id: int | None = None
    claimed_at: datetime | None = None  # ts of the claim event holding the case (status claimed)

    @classmethod
    def of(cls, case: Case) -> "CaseState":
        return cls(case.status, case.assignee_id, case.decision, case.note, case.decision_event_id, case.last_event_id,
                   as_utc(case.claimed_at))

    def columns(self) -> dict[str, Any]:
        return asdict(self)


def apply(
    state: CaseState, kind: str, actor_id: int | None, payload: dict, event_id: int | None, ts: datetime | None = None
) -> CaseState:
    """The state after one event at time `ts` (the event's own timestamp), or InvalidTransition."""
    ts = as_utc(ts)
    if kind == CLAIM:
        if TAKES_OVER in payload:
            return _take_over(state, actor_id, payload, event_id, ts)
        if state.status != "open":
            raise InvalidTransition(f"case is {state.status}, not open")
        return replace(state, status="claimed", assignee_id=actor_id, last_event_id=event_id, claimed_at=ts)
    if kind == RELEASE:
        if state.status != "claimed" or (state.assignee_id != actor_id and not payload.get("override")):
            raise InvalidTransition("only the reviewer holding a claim can release it")
        return replace(state, status="open", assignee_id=None, last_event_id=event_id, claimed_at=None)
    if kind == DECIDE:
        decision = payload.get("decision")
        if decision not in DECISIONS:
            raise InvalidTransition(f"unknown decision {decision!r}; known: {', '.join(DECISIONS)}")
        if state.status == "claimed" and state.assignee_id != actor_id:
            raise InvalidTransition("case is claimed by another reviewer")
        if state.status not in ("open", "claimed"):
            raise InvalidTransition(f"case is already {state.status}; undo that decision first")
        status = "escalated" if decision == "escalate" else "decided"
        return CaseState(status, actor_id, decision, payload.get("note") or None, event_id, event_id)
    if kind == UNDO:
        target = payload.get("target")
        if state.decision_event_id is None or target != state.decision_event_id:
            raise InvalidTransition("only the case's current decision can be undone")
        return CaseState(last_event_id=event_id)
    return state


# Payload keys of a claim that takes over a stale one: the claim event it replaces, who held it,
# and the TTL (seconds) the takeover was judged by, so replay needs no configuration.
TAKES_OVER, HOLDER_ID, TTL_SECONDS = "takes_over", "holder_id", "ttl_seconds"


def _take_over(state: CaseState, actor_id: int | None, payload: dict, event_id: int | None,
               ts: datetime | None) -> CaseState:
    """A claim replacing another reviewer's claim that was older than the TTL at `ts`."""
    if state.status != "claimed":
        raise InvalidTransition(f"case is {state.status}; there is no claim to take over")
    if payload.get(TAKES_OVER) != state.last_event_id or payload.get(HOLDER_ID) != state.assignee_id:
        raise InvalidTransition(f"the case's claim is event {state.last_event_id}, not the one this takeover names")
    if actor_id == state.assignee_id:
        raise InvalidTransition("you already hold this claim")
    ttl = payload.get(TTL_SECONDS)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0:
        raise InvalidTransition(f"a takeover needs a positive whole {TTL_SECONDS}, not {ttl!r}")
    if ts is None or state.claimed_at is None:
        raise InvalidTransition("a takeover needs the times of both claims")
    stale_at = state.claimed_at + timedelta(seconds=ttl)
    if ts < stale_at:
        raise InvalidTransition(f"the claim is not stale until {iso_utc(stale_at)}")
    return replace(state, assignee_id=actor_id, last_event_id=event_id, claimed_at=ts)


def append(
    s: Session,
    kind: str,
    *,
    actor_id: int | None,
    actor: str,
    case_id: int | None = None,
    child_safety: bool = False,
    payload: dict | None = None,
    ts: datetime | None = None,
) -> int:
    """Append one event and return its id (inside the caller's transaction); `ts` defaults to now."""
    return s.execute(
        insert(Event)
        .values(
            ts=as_utc(ts) if ts is not None else utcnow(),
            actor_id=actor_id,
            actor=actor,
            kind=kind,
            case_id=case_id,
            child_safety=child_safety,
            payload=json.dumps(payload or {}, ensure_ascii=False, sort_keys=True),
        )
        .returning(Event.id)
    ).scalar_one()


def replay(events: Iterable[tuple]) -> dict[int, CaseState]:
    """Fold (id, kind, case_id, actor_id, payload_json[, ts]) rows, in id order, into each case's state.

    Raises InvalidTransition when the log itself holds an impossible sequence (two claims of one
    case without a release in between, a decision on a claimed-by-someone-else case, ...).
    """
    states: dict[int, CaseState] = {}
    for event_id, kind, case_id, actor_id, payload, *rest in events:
        if case_id is None or kind not in STATE_EVENTS:
            continue
        before = states.get(case_id, CaseState())
        try:
            states[case_id] = apply(before, kind, actor_id, json.loads(payload), event_id, rest[0] if rest else None)
        except InvalidTransition as e:
            raise InvalidTransition(f"event {event_id} ({kind}) on case {case_id}: {e}") from e
    return states


def replay_db(s: Session) -> dict[int, CaseState]:
    rows = s.execute(
        select(Event.id, Event.kind, Event.case_id, Event.actor_id, Event.payload, Event.ts)
        .where(Event.kind.in_(STATE_EVENTS))
        .order_by(Event.id)
        .execution_options(yield_per=10_000)
    )
    return replay(rows)


def verify(s: Session) -> list[str]:
    """Every case whose stored state differs from a replay of the log (empty when they agree)."""
    replayed = replay_db(s)
    problems = []
    for case in s.scalars(select(Case).execution_options(yield_per=10_000)):
        stored = CaseState.of(case)
        expected = replayed.get(case.id, CaseState())
        if stored != expected:
            problems.append(f"case {case.id}: stored {stored}, replay gives {expected}")
    return problems


def iso_utc(ts: datetime) -> str:
    """SQLite hands timestamps back without their zone; every one we store is UTC."""
    return as_utc(ts).isoformat(timespec="seconds")


def event_dict(e: Event) -> dict:
    return {
        "id": e.id,
        "ts": iso_utc(e.ts),
        "actor": e.actor,
        "actor_id": e.actor_id,
        "kind": e.kind,
        "case_id": e.case_id,
        "child_safety": e.child_safety,
        "payload": json.loads(e.payload or "{}"),
    }
