"""The JSON API under /api/: the same operations as the pages, for scripts and other tools."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from vigil.cases import decisions, exports, queue, users, views
from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.web.auth import Viewer, clock_of, db_of, require

router = APIRouter(prefix="/api")
Decision = Literal["confirm_seller", "confirm_buyer", "confirm_facilitator", "clear", "escalate"]


class DecisionIn(BaseModel):
    decision: Decision
    note: str | None = Field(None, max_length=ev.MAX_NOTE_CHARS)


class UndoIn(BaseModel):
    event_id: int | None = None


class BulkIn(BaseModel):
    decision: Decision
    note: str | None = Field(None, max_length=ev.MAX_NOTE_CHARS)
    case_ids: list[int] | None = None
    platform: str | None = None
    community: str | None = None


class UserIn(BaseModel):
    username: str
    password: str
    roles: list[str]


class RolesIn(BaseModel):
    roles: list[str]


@router.get("/health")
def health(request: Request) -> dict:
    """Liveness: answers without signing in and says nothing about the data."""
    from sqlalchemy import text

    with db_of(request).reading() as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/me")
def me(viewer: Viewer = require(perm.SIGNED_IN)) -> dict:
    return {"id": viewer.actor.id, "username": viewer.actor.name, "roles": sorted(viewer.actor.roles),
            "permissions": sorted(perm.permissions_of(viewer.actor.roles)), "csrf_token": viewer.csrf_token}


@router.get("/cases")
def list_cases(
    request: Request,
    status: str | None = Query("open"),
    q: str | None = None,
    platform: str | None = None,
    community: str | None = None,
    mine: bool = False,
    limit: int = Query(queue.PAGE_SIZE, ge=1, le=queue.MAX_PAGE_SIZE),
    offset: int = Query(0, ge=0),
    viewer: Viewer = require(perm.READ_CASES),
) -> dict:
    """The queue (status=open, best score first) or any search over the cases you may see."""
    with db_of(request).reading() as s:
        page = queue.search(s, viewer.actor, status=status or None, q=q, platform=platform, community=community,
                            assignee_id=viewer.actor.id if mine else None, limit=limit, offset=offset)
        return {"total": page.total, "total_capped": page.total_capped, "offset": page.offset, "limit": page.limit,
                "cases": [views.case_dict(c, clock_of(request)) for c in page.cases]}


@router.get("/cases/{case_id}")
def get_case(case_id: int, request: Request, viewer: Viewer = require(perm.READ_CASES)) -> dict:
    return views.detail_dict(views.get_case(db_of(request), viewer.actor, case_id), clock_of(request))


@router.get("/cases/{case_id}/graph")
def case_graph(case_id: int, request: Request, viewer: Viewer = require(perm.READ_CASES)) -> dict:
    return views.get_case(db_of(request), viewer.actor, case_id).graph


@router.post("/claim-next")
def claim_next(request: Request, viewer: Viewer = require(perm.CLAIM)) -> dict:
    now = clock_of(request)
    case = queue.claim_next(db_of(request), viewer.actor, now=now)
    return {"case": views.case_dict(case, now) if case else None}


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, request: Request, viewer: Viewer = require(perm.CLAIM)) -> dict:
    """Claim an open case, or take over another reviewer's claim once it is stale (409 before)."""
    now = clock_of(request)
    return {"case": views.case_dict(queue.claim(db_of(request), viewer.actor, case_id, now=now), now)}


@router.post("/cases/{case_id}/release")
def release(case_id: int, request: Request, viewer: Viewer = require(perm.CLAIM)) -> dict:
    now = clock_of(request)
    return {"case": views.case_dict(queue.release(db_of(request), viewer.actor, case_id, now=now), now)}


@router.post("/cases/{case_id}/decision")
def decide(case_id: int, body: DecisionIn, request: Request, viewer: Viewer = require(perm.DECIDE)) -> dict:
    event_id = decisions.decide(db_of(request), viewer.actor, case_id, body.decision, body.note)
    return {"case_id": case_id, "event_id": event_id, "decision": body.decision}


@router.post("/cases/{case_id}/undo")
def undo(case_id: int, body: UndoIn, request: Request, viewer: Viewer = require(perm.DECIDE)) -> dict:
    event_id = decisions.undo(db_of(request), viewer.actor, case_id, body.event_id)
    return {"case_id": case_id, "event_id": event_id}


@router.post("/cases/{case_id}/media/{media_id}/reveal")
def reveal(case_id: int, media_id: int, request: Request, viewer: Viewer = require(perm.REVEAL_MEDIA)) -> dict:
    return views.reveal_media(db_of(request), viewer.actor, case_id, media_id)


@router.post("/bulk/decision")
def bulk_decision(body: BulkIn, request: Request, viewer: Viewer = require(perm.BULK)) -> dict:
    community = (body.platform, body.community) if body.community is not None else None
    if community is not None and not body.platform:
        raise ValueError("a community needs its platform")
    return decisions.bulk_decide(db_of(request), viewer.actor, body.decision, body.note,
                                 case_ids=body.case_ids, community=community)


@router.post("/bulk/{bulk_id}/undo")
def bulk_undo(bulk_id: str, request: Request, viewer: Viewer = require(perm.BULK)) -> dict:
    return decisions.bulk_undo(db_of(request), viewer.actor, bulk_id)


@router.get("/export/labels.csv", response_class=PlainTextResponse)
def export_labels(request: Request, viewer: Viewer = require(perm.EXPORT_LABELS)) -> PlainTextResponse:
    """Reviewer decisions as labels (platform,account_id,role) for the graph stage's refit."""
    return _csv(exports.labels_csv(db_of(request), viewer.actor), "labels.csv")


@router.get("/export/cases.csv", response_class=PlainTextResponse)
def export_cases(request: Request, status: str | None = None, viewer: Viewer = require(perm.EXPORT_CASES)) -> PlainTextResponse:
    return _csv(exports.cases_csv(db_of(request), viewer.actor, status), "cases.csv")


@router.get("/events")
def list_events(
    request: Request,
    kind: str | None = None,
    actor: str | None = None,
    case_id: int | None = None,
    before_id: int | None = None,
    limit: int = Query(100, ge=1, le=1000),
    viewer: Viewer = require(perm.READ_EVENTS),
) -> dict:
    rows = exports.browse_events(db_of(request), viewer.actor, limit=limit, kind=kind, actor_name=actor,
                                 case_id=case_id, before_id=before_id)
    return {"events": [ev.event_dict(e) for e in rows]}


@router.get("/export/events.csv", response_class=PlainTextResponse)
def export_events(request: Request, kind: str | None = None, actor: str | None = None,
                  viewer: Viewer = require(perm.EXPORT_EVENTS)) -> PlainTextResponse:
    return _csv(exports.events_csv(db_of(request), viewer.actor, kind=kind, actor_name=actor), "events.csv")


@router.get("/users")
def list_users(request: Request, viewer: Viewer = require(perm.MANAGE_USERS)) -> dict:
    return {"users": [_user_dict(u) for u in users.list_users(db_of(request), viewer.actor)]}


@router.post("/users")
def create_user(body: UserIn, request: Request, viewer: Viewer = require(perm.MANAGE_USERS)) -> dict:
    return _user_dict(users.create_user(db_of(request), viewer.actor, body.username, body.password, body.roles))


@router.post("/users/{username}/roles")
def set_roles(username: str, body: RolesIn, request: Request, viewer: Viewer = require(perm.MANAGE_USERS)) -> dict:
    return _user_dict(users.set_roles(db_of(request), viewer.actor, username, body.roles))


def _user_dict(u) -> dict:
    return {"id": u.id, "username": u.username, "roles": sorted(u.role_set), "active": u.active}


def _csv(text: str, name: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
