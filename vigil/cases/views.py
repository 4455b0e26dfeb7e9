"""Reading one case with its evidence, and the audited actions of looking at it.

Opening a child-safety case and revealing a media item are events in the log, written before
the content is returned, so there is no way to see it without leaving a trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select

from vigil import palette
from vigil.cases import claims
from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.cases.db import Database
from vigil.cases.models import Case, Community, Event, Hit, Link, MediaMatch, Neighbour
from vigil.cases.transitions import Actor, NotFound

# Characters of context shown either side of an evidence span.
SPAN_CONTEXT_CHARS = 80


@dataclass
class Span:
    """An evidence span split for display: the template escapes each part on its own."""

    before: str
    match: str
    after: str


@dataclass
class CaseDetail:
    case: Case
    hits: list[tuple[Hit, Span]]
    media: list[MediaMatch]
    links: list[dict]
    neighbours: list[dict]
    history: list[dict]
    community: Community | None
    may_reveal: bool
    graph: dict = field(default_factory=dict)


def evidence_span(hit: Hit) -> Span:
    """Where the hit sits in its text; falls back to the matched words alone."""
    text, start, end = hit.source_text, hit.start, hit.end
    if text and start is not None and end is not None and 0 <= start < end <= len(text):
        lo, hi = max(0, start - SPAN_CONTEXT_CHARS), min(len(text), end + SPAN_CONTEXT_CHARS)
        return Span(("…" if lo else "") + text[lo:start], text[start:end], text[end:hi] + ("…" if hi < len(text) else ""))
    return Span("", hit.matched or "", "")


def _visible_case(s, actor: Actor, case_id: int) -> Case:
    case = s.execute(select(Case).where(Case.id == case_id, perm.visible_cases(actor.roles))).scalar_one_or_none()
    if case is None:
        raise NotFound(f"case {case_id}")
    return case


def log_view(db: Database, actor: Actor, case: Case, what: str = "case") -> None:
    if case.child_safety:
        with db.writing() as s:
            ev.append(s, ev.VIEW, actor_id=actor.id, actor=actor.name, case_id=case.id, child_safety=True,
                      payload={"what": what})


def log_community_view(db: Database, actor: Actor, platform: str, community: str, cases: list[Case]) -> None:
    """A community page lists many accounts at once: always logged, flagged when any listed case is child-safety."""
    with db.writing() as s:
        ev.append(s, ev.VIEW, actor_id=actor.id, actor=actor.name, child_safety=any(c.child_safety for c in cases),
                  payload={"what": "community", "platform": platform, "community": community, "cases": len(cases)})


def get_case(db: Database, actor: Actor, case_id: int) -> CaseDetail:
    actor.require(perm.READ_CASES)
    with db.reading() as s:
        case = _visible_case(s, actor, case_id)
        s.expunge(case)
    log_view(db, actor, case)
    with db.reading() as s:
        hits = list(s.scalars(select(Hit).where(Hit.case_id == case.id).order_by(Hit.weight.desc(), Hit.id)))
        media = list(s.scalars(select(MediaMatch).where(MediaMatch.case_id == case.id).order_by(MediaMatch.distance, MediaMatch.id)))
        link_rows = list(s.scalars(select(Link).where(Link.case_id == case.id).order_by(Link.score.desc())))
        nb_rows = list(s.scalars(select(Neighbour).where(Neighbour.case_id == case.id).order_by(Neighbour.count.desc())))
        nb_cases = _cases_by_account(s, actor, [(case.platform, n.other_account) for n in nb_rows])
        nb_with_case = _accounts_with_a_case(s, case.platform, [n.other_account for n in nb_rows])
        link_cases = _cases_by_account(s, actor, [(l.other_platform, l.other_account) for l in link_rows])
        history = [
            ev.event_dict(e)
            for e in s.scalars(select(Event).where(Event.case_id == case.id, Event.kind.in_(ev.STATE_EVENTS)).order_by(Event.id))
        ]
        community = (
            s.execute(select(Community).where(Community.platform == case.platform, Community.community == case.community)).scalar_one_or_none()
            if case.community else None
        )
        s.expunge_all()
    links = [
        {"platform": l.other_platform, "account_id": l.other_account, "score": l.score, "evidence": l.evidence,
         "case": _case_ref(link_cases.get((l.other_platform, l.other_account)))}
        for l in link_rows
    ]
    neighbours = aggregate_neighbours(nb_rows, {a: c for (_p, a), c in nb_cases.items()}, nb_with_case)
    detail = CaseDetail(
        case=case,
        hits=[(h, evidence_span(h)) for h in hits],
        media=media,
        links=links,
        neighbours=neighbours,
        history=history,
        community=community,
        may_reveal=actor.can(perm.REVEAL_MEDIA),
    )
    detail.graph = neighbourhood_graph(detail)
    return detail


def _cases_by_account(s, actor: Actor, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Case]:
    """The visible cases among these accounts; an invisible one is shown as a bare account."""
    if not keys:
        return {}
    out: dict[tuple[str, str], Case] = {}
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), 200):
        chunk = keys[i : i + 200]
        cond = or_(*[and_(Case.platform == p, Case.account_id == a) for p, a in chunk])
        for c in s.scalars(select(Case).where(cond, perm.visible_cases(actor.roles))):
            out[(c.platform, c.account_id)] = c
    return out


def _accounts_with_a_case(s, platform: str, accounts: list[str]) -> set[str]:
    """Which of these accounts have a case at all, seen or not: their stored handle is withheld
    (a case's handle shows only through the case, to those who may see it)."""
    out: set[str] = set()
    accounts = list(dict.fromkeys(accounts))
    for i in range(0, len(accounts), 500):
        out |= set(s.scalars(select(Case.account_id).where(Case.platform == platform,
                                                             Case.account_id.in_(accounts[i : i + 500]))))
    return out


def _case_ref(c: Case | None) -> dict | None:
    if c is None:
        return None
    return {"id": c.id, "score": c.score, "role": c.role, "status": c.status, "decision": c.decision}


def aggregate_neighbours(rows: list[Neighbour], cases: dict[str, Case], with_case: set[str] = frozenset()) -> list[dict]:
    """One entry per other account, its interaction kinds and directions together (the table and
    the network view both list an account once), strongest first."""
    out: dict[str, dict] = {}
    for n in rows:
        c = cases.get(n.other_account)
        handle = c.handle if c is not None else (None if n.other_account in with_case else n.other_handle)
        e = out.setdefault(n.other_account, {
            "account_id": n.other_account, "handle": handle or None,
            "directions": set(), "kinds": {}, "count": 0, "case": _case_ref(c)})
        e["directions"].add(n.direction)
        e["kinds"][n.kind] = e["kinds"].get(n.kind, 0) + n.count
        e["count"] += n.count
    for e in out.values():
        e["direction"] = "both" if len(e["directions"]) > 1 else next(iter(e["directions"]))
        del e["directions"]
        e["kinds"] = dict(sorted(e["kinds"].items(), key=lambda kv: (-kv[1], kv[0])))
        e["kind_summary"] = ", ".join(f"{k} ×{v}" for k, v in e["kinds"].items())
    return sorted(out.values(), key=lambda e: (-e["count"], e["account_id"]))


def neighbourhood_graph(d: CaseDetail) -> dict:
    """Nodes (labelled by handle) and one edge per neighbour (its kinds in one label) for the
    network view, in cytoscape's element format; colours come from the shared palette."""
    c = d.case
    center = f"{c.platform}:{c.account_id}"
    nodes = {center: {"id": center, "label": c.handle or c.account_id, "role": c.role, "case_id": c.id, "center": True,
                      "colour": palette.role_colour(c.role)}}
    edges = []
    for n in d.neighbours:
        nid = f"{c.platform}:{n['account_id']}"
        ref = n["case"]
        role = ref["role"] if ref else "account"
        nodes.setdefault(nid, {"id": nid, "label": n["handle"] or n["account_id"], "role": role,
                               "case_id": ref["id"] if ref else None, "center": False,
                               "colour": palette.role_colour(ref["role"] if ref else None)})
        src, dst = (nid, center) if n["direction"] == "in" else (center, nid)
        edges.append({"id": f"e{len(edges)}", "source": src, "target": dst, "kind": n["kind_summary"],
                      "kinds": list(n["kinds"]), "both": n["direction"] == "both", "count": n["count"]})
    for link in d.links:
        nid = f"{link['platform']}:{link['account_id']}"
        ref = link["case"]
        nodes.setdefault(nid, {"id": nid, "label": f"{link['platform']}:{link['account_id']}",
                               "role": ref["role"] if ref else "account", "case_id": ref["id"] if ref else None,
                               "center": False, "colour": palette.role_colour(ref["role"] if ref else None)})
        edges.append({"id": f"e{len(edges)}", "source": center, "target": nid, "kind": "same person",
                      "kinds": ["same-person"], "both": False, "count": 1, "colour": palette.LINK_COLOUR})
    return {"nodes": list(nodes.values()), "edges": edges}


def reveal_media(db: Database, actor: Actor, case_id: int, media_row_id: int) -> dict:
    """Record that the actor chose to see one media item; returns what may be shown of it.

    No media bytes are stored, so what is revealed is the item's identity and match; the event
    is written first, so a reveal is never unlogged.
    """
    actor.require(perm.REVEAL_MEDIA)
    with db.writing() as s:
        case = _visible_case(s, actor, case_id)
        m = s.execute(select(MediaMatch).where(MediaMatch.id == media_row_id, MediaMatch.case_id == case.id)).scalar_one_or_none()
        if m is None:
            raise NotFound(f"media {media_row_id} of case {case_id}")
        info = {"media_row_id": m.id, "media_id": m.media_id, "post_id": m.post_id, "signal_type": m.signal_type,
                "signal": m.signal, "bank": m.bank, "category": m.category, "distance": m.distance,
                "bytes_stored": False}
        ev.append(s, ev.REVEAL, actor_id=actor.id, actor=actor.name, case_id=case.id, child_safety=case.child_safety,
                  payload={k: info[k] for k in ("media_row_id", "media_id", "bank", "signal_type")})
    return info


def case_dict(c: Case, now: datetime | None = None) -> dict:
    """A case for the API; `claim_stale` says whether another reviewer may take over its claim at `now`."""
    stale_at = claims.stale_at(c)
    return {
        "id": c.id, "platform": c.platform, "account_id": c.account_id, "handle": c.handle,
        "display_name": c.display_name, "score": c.score, "role": c.role, "community": c.community,
        "reasons": [r.strip() for r in (c.reasons or "").split(";") if r.strip()], "backup_of": c.backup_of,
        "child_safety": c.child_safety, "status": c.status, "assignee_id": c.assignee_id, "decision": c.decision,
        "note": c.note, "decision_event_id": c.decision_event_id,
        "claimed_at": ev.iso_utc(c.claimed_at) if c.claimed_at and c.status == "claimed" else None,
        "claim_stale_at": ev.iso_utc(stale_at) if stale_at else None,
        "claim_stale": claims.is_stale(c, now),
    }


def detail_dict(d: CaseDetail, now: datetime | None = None) -> dict:
    out = case_dict(d.case, now)
    out["bio"] = d.case.bio
    out["evidence"] = [
        {"field": h.field, "post_id": h.post_id, "signal_id": h.signal_id, "category": h.category,
         "context": h.context, "weight": h.weight, "before": sp.before, "match": sp.match, "after": sp.after}
        for h, sp in d.hits
    ]
    out["hash_matches"] = [
        {"id": m.id, "media_id": m.media_id, "post_id": m.post_id, "signal_type": m.signal_type, "bank": m.bank,
         "category": m.category, "distance": m.distance}
        for m in d.media
    ]
    out["links"] = d.links
    out["neighbours"] = d.neighbours
    out["history"] = d.history
    out["community_summary"] = d.community.summary if d.community else None
    out["may_reveal_media"] = d.may_reveal
    return out


def payload_of(e: Event) -> dict:
    return json.loads(e.payload or "{}")
