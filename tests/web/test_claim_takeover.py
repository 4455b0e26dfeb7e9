"""Stale claims in the web app: shown as stale, taken over through the API and the page, and the
old holder refused. Time is the app's injectable clock (`app.state.clock`)."""

import re
from datetime import timedelta

import pytest

from tests.web.helpers import PASSWORD
from vigil.cases import claims, users
from vigil.cases.db import open_db
from vigil.cases.events import verify
from vigil.cases.models import utcnow

TTL = claims.DEFAULT_CLAIM_TTL


@pytest.fixture
def clock(app, monkeypatch):
    monkeypatch.delenv(claims.CLAIM_TTL_ENV, raising=False)

    class Clock:
        now = utcnow().replace(microsecond=0)

    c = Clock()
    app.state.clock = lambda: c.now
    return c


@pytest.fixture
def second_reviewer(loaded):
    users.create_user(open_db(loaded), users.CLI, "reviewer2", PASSWORD, ["reviewer"])


def test_api_takeover_only_after_the_ttl_and_the_old_holder_is_refused(client_as, clock, second_reviewer, loaded):
    first, h1 = client_as("reviewer")
    second, h2 = client_as("reviewer2")
    case = first.post("/api/claim-next", headers={"X-CSRF-Token": h1}).json()["case"]
    assert case["claim_stale"] is False and case["claimed_at"] == clock.now.isoformat()

    clock.now += TTL - timedelta(minutes=1)
    r = second.post(f"/api/cases/{case['id']}/claim", headers={"X-CSRF-Token": h2})
    assert r.status_code == 409 and "claimed by another reviewer until" in r.json()["detail"]
    assert second.get(f"/api/cases/{case['id']}").json()["claim_stale"] is False

    clock.now += timedelta(minutes=1)
    assert second.get(f"/api/cases/{case['id']}").json()["claim_stale"] is True
    taken = second.post("/api/claim-next", headers={"X-CSRF-Token": h2}).json()["case"]  # offers the stale claim
    assert taken["id"] == case["id"] and taken["claim_stale"] is False
    detail = second.get(f"/api/cases/{case['id']}").json()
    takeover = detail["history"][-1]
    assert (takeover["kind"], takeover["actor"], takeover["payload"]["takes_over"]) == (
        "claim", "reviewer2", detail["history"][-2]["id"])

    r = first.post(f"/api/cases/{case['id']}/decision", headers={"X-CSRF-Token": h1}, json={"decision": "clear"})
    assert r.status_code == 409 and "claimed by another reviewer" in r.json()["detail"]
    assert first.post(f"/api/cases/{case['id']}/release", headers={"X-CSRF-Token": h1}).status_code == 409
    r = second.post(f"/api/cases/{case['id']}/decision", headers={"X-CSRF-Token": h2}, json={"decision": "clear"})
    assert r.status_code == 200
    with open_db(loaded).reading() as s:
        assert verify(s) == []


def test_pages_mark_a_stale_claim_and_offer_the_takeover(client_as, clock, second_reviewer, case_ids):
    first, h1 = client_as("reviewer")
    second, h2 = client_as("reviewer2")
    b3 = case_ids["b3"]
    assert first.post(f"/cases/{b3}/claim", data={"csrf_token": h1}, follow_redirects=False).status_code == 303

    queue_page = second.get("/queue", params={"status": "claimed"}).text
    assert f'data-case-id="{b3}"' in queue_page and "stale claim" not in queue_page
    page = second.get(f"/cases/{b3}").text
    assert "Claimed by another reviewer." in page and 'id="take-over"' not in page

    clock.now += TTL
    queue_page = second.get("/queue", params={"status": "claimed"}).text
    row = re.search(rf'<tr data-case-id="{b3}".*?</tr>', queue_page, re.S).group(0)
    assert "stale claim" in row
    page = second.get(f"/cases/{b3}").text
    assert 'id="stale-claim"' in page and 'id="take-over"' in page
    assert second.post(f"/cases/{b3}/claim", data={"csrf_token": h2}, follow_redirects=False).status_code == 303
    page = second.get(f"/cases/{b3}").text
    assert 'id="decide"' in page and 'id="stale-claim"' not in page  # a fresh claim, now reviewer2's
    assert 'id="decide"' not in first.get(f"/cases/{b3}").text
