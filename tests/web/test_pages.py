import csv
import io
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.cases.fixtures import HOSTILE_BIO
from tests.web.helpers import PASSWORD, login
from vigil.cases.db import open_db
from vigil.cases.events import verify
from vigil.cases.models import Event
from vigil.web.app import create_app


def events_of(url, kind):
    with open_db(url).reading() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_hostile_bio_renders_as_text(client_as, case_ids):
    c, _ = client_as("reviewer")
    r = c.get(f"/cases/{case_ids['h1']}")
    assert r.status_code == 200
    assert HOSTILE_BIO not in r.text and "<script>window.__pwned" not in r.text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    api = c.get(f"/api/cases/{case_ids['h1']}").json()
    assert api["bio"] == HOSTILE_BIO  # the API returns data as data; escaping is the renderer's job


def test_health_answers_without_login_and_openapi_describes_the_api(app):
    c = TestClient(app)
    assert c.get("/api/health").json() == {"status": "ok"}
    paths = c.get("/openapi.json").json()["paths"]
    assert "/api/cases/{case_id}/decision" in paths and "/api/export/labels.csv" in paths


def test_login_failures_and_successes_are_logged(app, loaded):
    c = TestClient(app)
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"username": "reviewer", "password": "wrong password!", "csrf_token": token})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = c.post("/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 401 and "expired" in r.text  # the sign-in form has its own CSRF check
    login(c, "reviewer")
    assert [e.actor for e in events_of(loaded, "login_failed")] == ["reviewer"]
    assert [e.actor for e in events_of(loaded, "login")] == ["reviewer"]
    r = c.post("/logout", data={"csrf_token": c.get("/api/me").json()["csrf_token"]}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/me").status_code == 401  # the session is gone server-side


def test_api_review_flow_and_label_export(client_as, loaded, case_ids):
    c, csrf = client_as("investigator")
    h = {"X-CSRF-Token": csrf}
    case = c.post("/api/claim-next", headers=h).json()["case"]
    assert case["account_id"] == "s1" and case["status"] == "claimed"  # investigators see child-safety cases
    d = c.post(f"/api/cases/{case['id']}/decision", headers=h, json={"decision": "confirm_seller", "note": "menu"}).json()
    assert c.get(f"/api/cases/{case['id']}").json()["decision"] == "confirm_seller"
    assert c.post(f"/api/cases/{case['id']}/undo", headers=h, json={"event_id": d["event_id"]}).status_code == 200
    assert c.get(f"/api/cases/{case['id']}").json()["status"] == "open"
    bulk = c.post("/api/bulk/decision", headers=h, json={"decision": "confirm_buyer", "case_ids": [case_ids["b1"], case_ids["b2"]]}).json()
    assert sorted(bulk["decided"]) == sorted([case_ids["b1"], case_ids["b2"]])
    r = c.get("/api/export/labels.csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["platform", "account_id", "role"]
    assert sorted(rows[1:]) == [["photogram", "b1", "buyer"], ["photogram", "b2", "buyer"]]
    assert [e.actor for e in events_of(loaded, "export")] == ["investigator"]
    with open_db(loaded).reading() as s:
        assert verify(s) == []


def test_media_is_blurred_reveals_are_logged_and_refused_to_others(client_as, loaded, case_ids):
    c, csrf = client_as("child_safety_reviewer")
    page = c.get(f"/cases/{case_ids['s3']}").text
    tile = re.search(r'<figure class="media-tile blurred" data-reveal-url="([^"]+)"', page)
    assert tile and "synthbank-a" in page
    assert c.post(tile.group(1)).status_code == 403  # no CSRF token
    info = c.post(tile.group(1), headers={"X-CSRF-Token": csrf}).json()
    assert info["bank"] == "synthbank-a" and info["bytes_stored"] is False
    assert [(e.actor, e.case_id) for e in events_of(loaded, "reveal")] == [("child_safety_reviewer", case_ids["s3"])]
    assert [(e.actor, e.case_id) for e in events_of(loaded, "view")] == [("child_safety_reviewer", case_ids["s3"])]
    r, _ = client_as("reviewer")
    assert r.get(f"/cases/{case_ids['s3']}").status_code == 404
    assert r.post(tile.group(1), headers={"X-CSRF-Token": r.get("/api/me").json()["csrf_token"]}).status_code == 403


def test_reviewer_without_child_safety_role_sees_none_of_those_cases_anywhere(client_as, case_ids):
    c, _ = client_as("reviewer")
    hidden = {case_ids["s1"], case_ids["s3"]}
    listed = {x["id"] for x in c.get("/api/cases", params={"status": "", "limit": 500}).json()["cases"]}
    assert listed and not listed & hidden
    assert c.get("/api/cases", params={"q": "vexkin_shop", "status": ""}).json()["total"] == 0
    for cid in hidden:
        assert c.get(f"/api/cases/{cid}").status_code == 404
        assert c.get(f"/api/cases/{cid}/graph").status_code == 404
        assert c.get(f"/cases/{cid}").status_code == 404
    for page in ("/queue?status=", "/queue?status=&q=vexkin", "/communities/photogram/c1"):
        text = c.get(page).text
        assert "vexkin_shop" not in text and "media_guy" not in text
        assert not any(f'data-case-id="{cid}"' in text for cid in hidden)
    graph = c.get(f"/api/cases/{case_ids['b1']}/graph").json()
    assert not any(n["case_id"] in hidden for n in graph["nodes"])


def test_network_view_degrades_to_a_table_without_the_js_library(loaded, case_ids, tmp_path):
    bare = create_app(loaded, graph_lib=tmp_path / "missing")
    c = TestClient(bare)
    login(c, "reviewer")
    page = c.get(f"/cases/{case_ids['b1']}").text
    assert "cytoscape" not in page and 'id="neighbours"' in page and ">s1<" in page
    assert 'id="graph-data"' in page


def test_auditor_browses_and_exports_the_log_but_not_cases(client_as, loaded):
    c, _ = client_as("auditor")
    assert c.get("/api/cases").status_code == 403
    page = c.get("/audit?kind=login").text
    assert "auditor" in page and "load" not in re.findall(r'class="event (\w+)"', page)
    rows = list(csv.reader(io.StringIO(c.get("/api/export/events.csv").text)))
    assert rows[0][:4] == ["id", "ts", "actor", "kind"] and any(r[3] == "load" for r in rows[1:])


def test_admin_manages_users_and_role_changes_apply_at_once(client_as, app):
    admin, csrf = client_as("admin")
    r = admin.post("/api/users", headers={"X-CSRF-Token": csrf},
                   json={"username": "newbie", "password": "a long enough password", "roles": ["reviewer"]})
    assert r.status_code == 200 and r.json()["roles"] == ["reviewer"]
    bad = admin.post("/api/users", headers={"X-CSRF-Token": csrf},
                     json={"username": "x", "password": "a long enough password", "roles": ["superuser"]})
    assert bad.status_code == 400 and "unknown role" in bad.text
    c = TestClient(app)
    login(c, "newbie", "a long enough password")
    assert c.get("/api/cases").status_code == 200
    admin.post("/api/users/newbie/roles", headers={"X-CSRF-Token": csrf}, json={"roles": ["auditor"]})
    assert c.get("/api/cases").status_code == 403
