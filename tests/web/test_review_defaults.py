"""Safe review defaults: bulk decisions need an explicit choice and reach only the ticked cases;
every role lands on a page it may see; denied actions and community views are in the audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web.helpers import login
from vigil.cases.db import open_db
from vigil.cases.models import Case, Event
from vigil.cases.permissions import ROLES


def statuses(url, ids):
    with open_db(url).reading() as s:
        return {c.id: c.status for c in s.scalars(select(Case).where(Case.id.in_(ids)))}


@pytest.mark.parametrize("page", ["/queue", "/communities/photogram/c2"])
def test_bulk_menu_has_no_preselected_decision(client_as, page):
    c, _ = client_as("reviewer")
    html = c.get(page).text
    form = re.search(r'<form method="post" action="/bulk".*?</form>', html, re.S).group(0)
    select_html = re.search(r'<select name="decision"[^>]*>.*?</select>', form, re.S).group(0)
    assert "required" in select_html.split(">")[0]
    first = re.search(r"<option ([^>]*)>", select_html).group(1)
    assert 'value=""' in first and "selected" in first  # the placeholder, not "confirm seller"
    assert not re.search(r'<option value="confirm_seller"[^>]*selected', select_html)


def test_bulk_without_a_decision_is_refused_and_changes_nothing(client_as, loaded, case_ids):
    c, csrf = client_as("reviewer")
    ids = [case_ids["b3"], case_ids["s2"]]
    r = c.post("/bulk", data={"csrf_token": csrf, "decision": "", "case_id": [str(i) for i in ids]})
    assert r.status_code == 422 and "choose a decision" in r.text
    r = c.post("/bulk", data={"csrf_token": csrf, "case_id": [str(i) for i in ids]})
    assert r.status_code == 422 and "choose a decision" in r.text
    api = c.post("/api/bulk/decision", headers={"X-CSRF-Token": csrf}, json={"case_ids": ids})
    assert api.status_code == 422 and "decision" in api.json()["detail"]
    assert set(statuses(loaded, ids).values()) == {"open"}


def test_community_bulk_decides_only_the_ticked_cases(client_as, loaded, case_ids):
    c, csrf = client_as("reviewer")
    c2 = [case_ids[a] for a in ("s2", "b3", "h1")]
    r = c.post("/bulk", data={"csrf_token": csrf, "decision": "clear", "platform": "photogram", "community": "c2",
                              "case_id": [str(case_ids["b3"])]})
    assert r.status_code == 200 and "Decided 1 case(s)" in r.text
    assert statuses(loaded, c2) == {case_ids["s2"]: "open", case_ids["b3"]: "decided", case_ids["h1"]: "open"}
    # a ticked case outside the posted community is not reached through it either
    r = c.post("/bulk", data={"csrf_token": csrf, "decision": "clear", "platform": "photogram", "community": "c2",
                              "case_id": [str(case_ids["b2"])]})
    assert "Decided 0 case(s)" in r.text and statuses(loaded, [case_ids["b2"]]) == {case_ids["b2"]: "open"}
    r = c.post("/bulk", data={"csrf_token": csrf, "decision": "clear", "platform": "photogram", "community": "c2"})
    assert r.status_code == 422 and "select at least one case" in r.text
    assert statuses(loaded, [case_ids["s2"], case_ids["h1"]]) == {case_ids["s2"]: "open", case_ids["h1"]: "open"}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lands_on_a_page_it_may_see(app, role):
    from fastapi.testclient import TestClient

    c = TestClient(app)
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    from tests.web.helpers import PASSWORD

    r = c.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": token})  # follows redirects
    assert r.status_code == 200, (role, r.url, r.status_code)
    assert c.get("/").status_code == 200
    if role == "auditor":
        assert r.url.path == "/audit"
    c.close()


def test_denied_actions_and_community_views_are_audited(client_as, loaded):
    c, csrf = client_as("investigator")
    assert c.get("/audit").status_code == 403
    assert c.get("/api/users").status_code == 403
    assert c.get("/communities/photogram/c1").status_code == 200
    with open_db(loaded).reading() as s:
        rows = list(s.scalars(select(Event).where(Event.actor == "investigator", Event.kind.in_(["denied", "view"]))
                              .order_by(Event.id)))
    from vigil.cases.views import payload_of

    got = [(e.kind, payload_of(e).get("path") or payload_of(e).get("what")) for e in rows]
    assert ("denied", "/audit") in got and ("denied", "/api/users") in got
    view = [payload_of(e) for e in rows if e.kind == "view"]
    assert view and view[0]["what"] == "community" and view[0]["community"] == "c1"
    assert any(e.child_safety for e in rows if e.kind == "view")  # c1 holds a child-safety case


def test_neighbour_table_lists_each_account_once_with_its_kinds(client_as, case_ids):
    c, _ = client_as("investigator")
    html = c.get(f"/cases/{case_ids['s1']}").text
    table = re.search(r'<table class="neighbours".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr class="neighbour">(.*?)</tr>', table, re.S)
    accounts = [re.sub(r"<[^>]+>", " ", r).split()[0] for r in rows]
    assert len(accounts) == len(set(accounts)) == 4  # b1 follows and is messaged: one row
    b1 = next(r for r in rows if "buyer_one" in r)
    assert "message ×5" in b1 and "follow ×1" in b1 and "both ways" in b1
    graph = c.get(f"/api/cases/{case_ids['s1']}/graph").json()
    labels = {n["label"] for n in graph["nodes"]}
    assert {"vexkin_shop", "buyer_one", "buyer_two", "helper_f"} <= labels
    pairs = [frozenset((e["source"], e["target"])) for e in graph["edges"]]
    assert len(pairs) == len(set(pairs))  # parallel edges are one edge


def test_app_and_report_share_one_role_palette(client_as, case_ids):
    from vigil import palette
    from vigil.report import figures

    assert figures.ROLE_COLOURS is palette.ROLE_COLOURS
    c, _ = client_as("investigator")
    css = c.get("/palette.css").text
    graph = c.get(f"/api/cases/{case_ids['s1']}/graph").json()
    for n in graph["nodes"]:
        if n["role"] in palette.ROLE_COLOURS:
            assert n["colour"] == palette.ROLE_COLOURS[n["role"]]
            assert f".swatch.{n['role']} {{ background: {n['colour']}; }}" in css


def test_a_neighbour_without_a_case_is_labelled_by_its_handle_but_a_hidden_case_is_not(db_url, tmp_path):
    import pyarrow as pa

    from tests.cases.fixtures import build_results
    from tests.web.helpers import add_users
    from vigil import schemas
    from vigil.cases import load_results
    from vigil.web.app import create_app
    from vigil.workspace import Workspace
    from fastapi.testclient import TestClient

    out = build_results(tmp_path / "results")
    ws = Workspace(out / "workspace")
    accounts = ws.read("accounts").to_pylist()
    accounts.append({"platform": "photogram", "account_id": "x9", "handle": "x9_fan", "display_name": "X9", "bio": "",
                     "_file": "accounts.jsonl", "_line": 99})
    ws.write("accounts", pa.Table.from_pylist(accounts, schema=schemas.ACCOUNTS))
    load_results(db_url, out)
    add_users(db_url)
    with open_db(db_url).reading() as s:
        ids = {c.account_id: c.id for c in s.scalars(select(Case))}
    c = TestClient(create_app(db_url))
    login(c, "investigator")
    labels = {n["label"] for n in c.get(f"/api/cases/{ids['s1']}/graph").json()["nodes"]}
    assert "x9_fan" in labels and "x9" not in labels
    r = TestClient(create_app(db_url))
    login(r, "reviewer")
    html = r.get(f"/cases/{ids['b1']}").text  # s1 is a child-safety case the reviewer may not see
    assert "vexkin_shop" not in html and ">s1<" in html
    c.close(), r.close()
