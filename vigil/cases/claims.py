"""How long a claim holds a case, and taking over a claim that has gone stale.

A reviewer who claims a case and walks away would otherwise block it forever. A claim older than
the TTL is stale: its reviewer may still finish, but another reviewer may now take the case over.
The takeover is an ordinary claim event whose payload names the stale claim, its holder and the
TTL it was judged by, so `events.apply` decides it again on replay from the events' own
timestamps, however the TTL is configured by then.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from vigil.cases import events as ev
from vigil.cases.models import Case, as_utc, at_or_now
from vigil.cases.transitions import Actor

# A review shift: a claim taken at the start of a working day is still its reviewer's at the end
# of it, and a case left overnight goes back to the team the next morning.
DEFAULT_CLAIM_TTL = timedelta(hours=8)
# Shorter than this and a claim could go stale while its reviewer is still reading the evidence.
MIN_CLAIM_TTL = timedelta(minutes=10)
CLAIM_TTL_ENV = "VIGIL_CLAIM_TTL_HOURS"


def claim_ttl() -> timedelta:
    """The configured TTL ($VIGIL_CLAIM_TTL_HOURS, default 8), read on each use so every worker
    started with the same environment judges claims alike."""
    raw = os.environ.get(CLAIM_TTL_ENV, "").strip()
    if not raw:
        return DEFAULT_CLAIM_TTL
    try:
        ttl = timedelta(hours=float(raw))
    except ValueError as e:
        raise ValueError(f"${CLAIM_TTL_ENV} must be a number of hours, not {raw!r}") from e
    return checked_ttl(ttl)


def ttl_or_configured(ttl: timedelta | None) -> timedelta:
    """A TTL given by the caller (checked against the minimum), else the configured one."""
    return checked_ttl(ttl) if ttl is not None else claim_ttl()


def checked_ttl(ttl: timedelta) -> timedelta:
    if ttl < MIN_CLAIM_TTL:
        raise ValueError(f"a claim TTL of {ttl} is shorter than the minimum {MIN_CLAIM_TTL}")
    return ttl


def stale_at(case: Case, ttl: timedelta | None = None) -> datetime | None:
    """When the case's claim goes (or went) stale; None when the case is not claimed."""
    if case.status != "claimed" or case.claimed_at is None:
        return None
    return as_utc(case.claimed_at) + (ttl or claim_ttl())


def is_stale(case: Case, now: datetime | None = None, ttl: timedelta | None = None) -> bool:
    at = stale_at(case, ttl)
    return at is not None and at_or_now(now) >= at


def claim_payload(case: Case, actor: Actor, now: datetime, ttl: timedelta) -> dict:
    """The payload of `actor`'s claim of a locked case: empty for an open case, a takeover for a
    stale claim of someone else's. A claim that is still fresh is refused here with the time it
    goes stale (the state machine would refuse it anyway, less helpfully)."""
    if case.status != "claimed":
        return {}
    if case.assignee_id == actor.id:
        raise ev.InvalidTransition("you already hold this claim")
    at = stale_at(case, ttl)
    if at is None or as_utc(now) < at:
        when = f" until {ev.iso_utc(at)}" if at is not None else ""
        raise ev.InvalidTransition(f"case is claimed by another reviewer{when}")
    return {ev.TAKES_OVER: case.last_event_id, ev.HOLDER_ID: case.assignee_id,
            ev.TTL_SECONDS: int(round(ttl.total_seconds()))}
