"""Server-rendered pages. They work without JavaScript; scripts only add the network view and
the click-to-reveal of blurred media."""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from vigil import palette
from vigil.cases import claims, decisions, exports, queue, users, views
from vigil.cases import events as ev
from vigil.cases import permissions as perm
from vigil.cases.models import Community
from vigil.cases.transitions import Actor, NotFound
from vigil.web import auth
from vigil.web.auth import Viewer, db_of, require

router = APIRouter()
TEMPLATES = Path(__file__).parent / "templates"
# Autoescape on for every template: bios, handles and notes are hostile input.
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True))
env.globals["DECISIONS"] = list(ev.DECISIONS)
env.globals["ROLES"] = perm.ROLES


def render(request: Request, name: str, viewer: Viewer | None = None, status_code: int = 200, **ctx) -> HTMLResponse:
    now = auth.clock_of(request)
    ctx.update(
        claim_stale=lambda case: claims.is_stale(case, now),
        request=request,
        viewer=viewer,
        can=(lambda p: viewer is not None and viewer.can(p)),
        csrf=viewer.csrf_token if viewer else "",
        graph_lib=request.app.state.graph_lib_url,
        P=perm,
    )
    return HTMLResponse(env.get_template(name).render(**ctx), status_code=status_code)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/palette.css")
def palette_css() -> Response:
    """Role colours as CSS, from the palette the report uses too (no data: served to anyone)."""
    return Response(palette.stylesheet(), media_type="text/css")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return login_page(request)


def login_page(request: Request, error: str | None = None, status_code: int | None = None,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    """The sign-in form; an error message comes only from the server, never from the URL."""
    token = request.cookies.get(auth.LOGIN_CSRF_COOKIE) or auth.new_token()
    resp = render(request, "login.html", login_csrf=token, error=error,
                  status_code=status_code or (401 if error else 200))
    resp.set_cookie(auth.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                    secure=request.app.state.secure_cookies, path="/login")
    resp.headers.update(headers or {})
    return resp


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...), csrf_token: str = Form("")):
    cookie = request.cookies.get(auth.LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return login_page(request, error="The form expired; please try again.")
    db = db_of(request)
    now = auth.clock_of(request)
    try:
        user = users.authenticate(db, username, password, now=now)
    except users.LoginLocked as locked:
        return login_page(request, error=auth.locked_message(locked.until, now), status_code=429,
                          headers={"Retry-After": str(max(1, int((locked.until - now).total_seconds())))})
    if user is None:
        return login_page(request, error=auth.WRONG_LOGIN)
    token, _csrf = auth.start_session(db, user)
    resp = back(landing_page(Actor(user.id, user.username, user.role_set)))
    resp.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.app.state.secure_cookies,
                    max_age=int(auth.SESSION_LIFETIME.total_seconds()))
    resp.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, viewer: Viewer = require(perm.SIGNED_IN)):
    db = db_of(request)
    auth.end_session(db, request.cookies.get(auth.SESSION_COOKIE))
    with db.writing() as s:
        ev.append(s, ev.LOGOUT, actor_id=viewer.actor.id, actor=viewer.actor.name)
    resp = back("/login")
    resp.delete_cookie(auth.SESSION_COOKIE)
    return resp


def landing_page(actor: Actor) -> str:
    """The first page this user may see: the queue for case readers, the log for auditors, else
    the signed-in page that names their (empty) roles, never a 403."""
    if actor.can(perm.READ_CASES):
        return "/queue"
    if actor.can(perm.READ_EVENTS):
        return "/audit"
    return "/me"


@router.get("/")
def home(viewer: Viewer = require(perm.SIGNED_IN)):
    return back(landing_page(viewer.actor))


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, viewer: Viewer = require(perm.SIGNED_IN)) -> HTMLResponse:
    """Where a user whose roles grant no page lands: who they are, and whom to ask."""
    return render(request, "me.html", viewer)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    status: str = "open",
    q: str = "",
    page: int = 1,
    mine: bool = False,
    viewer: Viewer = require(perm.READ_CASES),
) -> HTMLResponse:
    page = max(1, page)
    with db_of(request).reading() as s:
        result = queue.search(s, viewer.actor, status=status or None, q=q or None,
                              assignee_id=viewer.actor.id if mine else None,
                              limit=queue.PAGE_SIZE, offset=(page - 1) * queue.PAGE_SIZE)
    params = {"status": status, "q": q, "mine": "true" if mine else ""}
    prev_url = f"/queue?{urlencode({**params, 'page': page - 1})}" if page > 1 else None
    more = page * queue.PAGE_SIZE < result.total or result.total_capped
    next_url = f"/queue?{urlencode({**params, 'page': page + 1})}" if more else None
    return render(request, "queue.html", viewer, result=result, status=status, q=q, mine=mine, page=page,
                  prev_url=prev_url, next_url=next_url, statuses=queue.STATUSES)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, viewer: Viewer = require(perm.READ_CASES)) -> HTMLResponse:
    detail = views.get_case(db_of(request), viewer.actor, case_id)
    return render(request, "case.html", viewer, d=detail, c=detail.case)


@router.post("/claim-next")
def claim_next_form(request: Request, viewer: Viewer = require(perm.CLAIM)):
    case = queue.claim_next(db_of(request), viewer.actor, now=auth.clock_of(request))
    return back(f"/cases/{case.id}" if case else "/queue?empty=1")


@router.post("/cases/{case_id}/claim")
def claim_form(case_id: int, request: Request, viewer: Viewer = require(perm.CLAIM)):
    """Claim an open case, or take over another reviewer's stale claim (the same button)."""
    queue.claim(db_of(request), viewer.actor, case_id, now=auth.clock_of(request))
    return back(f"/cases/{case_id}")


@router.post("/cases/{case_id}/release")
def release_form(case_id: int, request: Request, viewer: Viewer = require(perm.CLAIM)):
    queue.release(db_of(request), viewer.actor, case_id, now=auth.clock_of(request))
    return back("/queue")


@router.post("/cases/{case_id}/decision")
def decide_form(case_id: int, request: Request, decision: str = Form(...), note: str = Form(""),
                viewer: Viewer = require(perm.DECIDE)):
    decisions.decide(db_of(request), viewer.actor, case_id, decision, note)
    return back(f"/cases/{case_id}")


@router.post("/cases/{case_id}/undo")
def undo_form(case_id: int, request: Request, event_id: int = Form(...), viewer: Viewer = require(perm.DECIDE)):
    decisions.undo(db_of(request), viewer.actor, case_id, event_id)
    return back(f"/cases/{case_id}")


@router.get("/communities/{platform}/{community}", response_class=HTMLResponse)
def community_page(platform: str, community: str, request: Request, viewer: Viewer = require(perm.READ_CASES)) -> HTMLResponse:
    with db_of(request).reading() as s:
        result = queue.search(s, viewer.actor, status=None, platform=platform, community=community,
                              limit=queue.MAX_PAGE_SIZE)
        info = s.execute(select(Community).where(Community.platform == platform, Community.community == community)).scalar_one_or_none()
    if not result.cases:
        raise NotFound(f"community {community}")
    views.log_community_view(db_of(request), viewer.actor, platform, community, result.cases)
    return render(request, "community.html", viewer, result=result, platform=platform, community=community, info=info)


@router.post("/bulk", response_class=HTMLResponse)
async def bulk_form(request: Request, viewer: Viewer = require(perm.BULK)) -> HTMLResponse:
    """Decide the ticked cases. A community page posts its name too, which only narrows the
    ticked cases to that community: the action never reaches a case nobody ticked."""
    form = await request.form()
    decision, note = str(form.get("decision", "")).strip(), str(form.get("note", ""))
    if not decision:
        raise HTTPException(422, "choose a decision: a bulk action has no default")
    ids = [int(v) for v in form.getlist("case_id")]
    if not ids:
        raise HTTPException(422, "select at least one case")
    platform, community = form.get("platform"), form.get("community")
    scope = (str(platform), str(community)) if community else None
    result = await run_in_threadpool(decisions.bulk_decide, db_of(request), viewer.actor, decision, note,
                                     case_ids=ids, community=scope)
    return render(request, "bulk_done.html", viewer, result=result, undone=None)


@router.post("/bulk/{bulk_id}/undo", response_class=HTMLResponse)
def bulk_undo_form(bulk_id: str, request: Request, viewer: Viewer = require(perm.BULK)) -> HTMLResponse:
    result = decisions.bulk_undo(db_of(request), viewer.actor, bulk_id)
    return render(request, "bulk_done.html", viewer, result=None, undone=result)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, kind: str = "", actor: str = "", case_id: str = "", before_id: str = "",
               viewer: Viewer = require(perm.READ_EVENTS)) -> HTMLResponse:
    rows = exports.browse_events(db_of(request), viewer.actor, limit=200, kind=kind or None, actor_name=actor or None,
                                 case_id=int(case_id) if case_id.strip() else None,
                                 before_id=int(before_id) if before_id.strip() else None)
    older = None
    if len(rows) == 200:
        older = "/audit?" + urlencode({"kind": kind, "actor": actor, "case_id": case_id, "before_id": rows[-1].id})
    return render(request, "audit.html", viewer, events=[ev.event_dict(e) for e in rows], kind=kind, actor=actor,
                  case_id=case_id, older=older)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, viewer: Viewer = require(perm.MANAGE_USERS)) -> HTMLResponse:
    return render(request, "users.html", viewer, users=users.list_users(db_of(request), viewer.actor))


@router.post("/admin/users")
async def create_user_form(request: Request, viewer: Viewer = require(perm.MANAGE_USERS)):
    form = await request.form()
    await run_in_threadpool(users.create_user, db_of(request), viewer.actor, str(form.get("username", "")),
                            str(form.get("password", "")), [str(r) for r in form.getlist("role")])
    return back("/admin/users")


@router.post("/admin/users/{username}/roles")
async def roles_form(username: str, request: Request, viewer: Viewer = require(perm.MANAGE_USERS)):
    form = await request.form()
    await run_in_threadpool(users.set_roles, db_of(request), viewer.actor, username, [str(r) for r in form.getlist("role")])
    return back("/admin/users")
