"""Every route x every role: allowed or 403. The route list comes from the app itself, so a new
route without an entry here fails the test instead of escaping the matrix."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from vigil.cases.permissions import ROLES

EVERYONE = frozenset(ROLES)
CASE_READERS = frozenset({"admin", "investigator", "reviewer", "child_safety_reviewer"})
WORKERS = frozenset({"investigator", "reviewer", "child_safety_reviewer"})
REVEALERS = frozenset({"investigator", "child_safety_reviewer"})
AUDIT = frozenset({"admin", "auditor"})
ADMIN = frozenset({"admin"})
INVESTIGATOR = frozenset({"investigator"})
PUBLIC = None  # answers without signing in

EXPECTED: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/me"): EVERYONE,
    ("GET", "/api/cases"): CASE_READERS,
    ("GET", "/api/cases/{case_id}"): CASE_READERS,
    ("GET", "/api/cases/{case_id}/graph"): CASE_READERS,
    ("POST", "/api/claim-next"): WORKERS,
    ("POST", "/api/cases/{case_id}/claim"): WORKERS,
    ("POST", "/api/cases/{case_id}/release"): WORKERS,
    ("POST", "/api/cases/{case_id}/decision"): WORKERS,
    ("POST", "/api/cases/{case_id}/undo"): WORKERS,
    ("POST", "/api/cases/{case_id}/media/{media_id}/reveal"): REVEALERS,
    ("POST", "/api/bulk/decision"): WORKERS,
    ("POST", "/api/bulk/{bulk_id}/undo"): WORKERS,
    ("GET", "/api/export/labels.csv"): INVESTIGATOR,
    ("GET", "/api/export/cases.csv"): INVESTIGATOR,
    ("GET", "/api/events"): AUDIT,
    ("GET", "/api/export/events.csv"): AUDIT,
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("POST", "/api/users/{username}/roles"): ADMIN,
    ("GET", "/palette.css"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/me"): EVERYONE,
    ("GET", "/queue"): CASE_READERS,
    ("GET", "/cases/{case_id}"): CASE_READERS,
    ("POST", "/claim-next"): WORKERS,
    ("POST", "/cases/{case_id}/claim"): WORKERS,
    ("POST", "/cases/{case_id}/release"): WORKERS,
    ("POST", "/cases/{case_id}/decision"): WORKERS,
    ("POST", "/cases/{case_id}/undo"): WORKERS,
    ("GET", "/communities/{platform}/{community}"): CASE_READERS,
    ("POST", "/bulk"): WORKERS,
    ("POST", "/bulk/{bulk_id}/undo"): WORKERS,
    ("GET", "/audit"): AUDIT,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{username}/roles"): ADMIN,
}


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every FastAPI route in app.routes, through included routers."""
    import fastapi.routing as fr

    if hasattr(fr, "iter_route_contexts"):  # FastAPI >= 0.16x wraps included routers
        found = [(ctx.original_route, ctx.path, ctx.methods) for ctx in fr.iter_route_contexts(app.routes)]
    else:
        found = [(r, getattr(r, "path", None), getattr(r, "methods", None)) for r in app.routes]
    out = []
    for route, path, methods in found:
        if isinstance(route, APIRoute):
            out += [(m, path) for m in sorted(set(methods) - {"HEAD"})]
    assert len(out) > 20, "route discovery found too few routes"
    return out


def fill(path: str, case_ids: dict, username: str) -> str:
    return (path.replace("{case_id}", str(case_ids["b3"])).replace("{media_id}", "1").replace("{bulk_id}", "0" * 32)
            .replace("{username}", username).replace("{platform}", "photogram").replace("{community}", "c2"))


def request(client: TestClient, method: str, path: str, csrf: str | None, role: str):
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=False)
    if path.endswith("/roles"):  # keep the matrix from changing the user's own roles
        if path.startswith("/api/"):
            return client.post(path, headers=headers, json={"roles": [role]}, follow_redirects=False)
        return client.post(path, headers=headers, data={"role": role}, follow_redirects=False)
    return client.post(path, headers=headers, json={}, follow_redirects=False)


def test_every_route_is_in_the_matrix(app):
    routes = set(app_routes(app))
    assert routes - set(EXPECTED) == set(), "add these routes to EXPECTED"
    assert set(EXPECTED) - routes == set(), "these routes no longer exist"


def test_without_a_session_only_health_and_login_answer(app, case_ids):
    c = TestClient(app)
    for method, path in app_routes(app):
        r = request(c, method, fill(path, case_ids, "reviewer"), None, "reviewer")
        if EXPECTED[(method, path)] is PUBLIC:
            assert r.status_code not in (401, 403), (method, path)
        elif path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"] == "/login", (method, path, r.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client_as, case_ids, role):
    client, csrf = client_as(role)
    routes = sorted(app_routes(app), key=lambda mp: mp[1] == "/logout")  # signing out goes last
    wrong = []
    for method, path in routes:
        allowed = EXPECTED[(method, path)]
        if allowed is PUBLIC:
            continue
        r = request(client, method, fill(path, case_ids, role), csrf, role)
        if (role in allowed) == (r.status_code == 403) or r.status_code == 401:
            wrong.append((method, path, r.status_code, r.text[:120]))
    assert wrong == []


def test_state_changes_need_the_csrf_token(app, client_as, case_ids):
    posts = [(m, p) for m, p in app_routes(app) if m == "POST" and EXPECTED[(m, p)] is not PUBLIC]
    covered = set()
    for role in ("child_safety_reviewer", "admin"):
        client, _csrf = client_as(role)
        for method, path in posts:
            if role in EXPECTED[(method, path)]:
                r = client.post(fill(path, case_ids, role), headers={"X-CSRF-Token": "forged"}, json={},
                                follow_redirects=False)
                assert r.status_code == 403 and "CSRF" in r.text, (path, r.status_code)
                covered.add(path)
        r = client.post("/logout", data={"csrf_token": ""}, follow_redirects=False)
        assert r.status_code == 403
    assert covered == {p for _m, p in posts}
