"""The bar: 20 reviewers claiming and deciding at once on PostgreSQL, over HTTP on loopback.

No case is claimed twice, no acknowledged decision is lost, and replaying the event log gives
the stored state of every case.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import func, insert, select

from tests.cases.fixtures import postgres_reachable, postgres_schema
from tests.web.helpers import PASSWORD, ServerThread, add_users, login
from vigil.cases import events
from vigil.cases.db import open_db
from vigil.cases.events import DECISIONS
from vigil.cases.models import Case, Event
from vigil.web.app import create_app

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
REVIEWERS = 20
CASES = 200
# Every RELEASE_EVERY-th case is released once and goes back to the queue, so claims race
# on returning cases too.
RELEASE_EVERY = 7


@pytest.fixture
def pg_url():
    if not postgres_reachable():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    with postgres_schema() as url:
        yield url


def seed_cases(url: str, n: int) -> None:
    rows = [{"platform": "photogram", "account_id": f"a{i:05d}", "handle": f"h{i}", "score": (i * 7919 % n) / n,
             "role": "seller", "community": f"c{i % 10}", "reasons": "synthetic", "child_safety": i % 3 == 0,
             "status": "open"} for i in range(n)]
    with open_db(url).writing() as s:
        s.execute(insert(Case), rows)


def reviewer_loop(base: str, name: str, log: list, errors: list, released: set, lock: threading.Lock) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        csrf = login(c, name, PASSWORD)
        h = {"X-CSRF-Token": csrf}
        while True:
            r = c.post("/api/claim-next", headers=h)
            if r.status_code != 200:
                errors.append((name, "claim", r.status_code, r.text))
                return
            case = r.json()["case"]
            if case is None:
                return
            cid = case["id"]
            with lock:
                log.append(("claim", name, cid, None, None))
                release = cid % RELEASE_EVERY == 0 and cid not in released
                released.add(cid)
            if release:
                # Logged before the request: once released, another reviewer may claim it at once.
                with lock:
                    log.append(("release", name, cid, None, None))
                r = c.post(f"/api/cases/{cid}/release", headers=h)
                if r.status_code != 200:
                    errors.append((name, "release", r.status_code, r.text))
                continue
            decision = list(DECISIONS)[cid % len(DECISIONS)]
            r = c.post(f"/api/cases/{cid}/decision", headers=h, json={"decision": decision, "note": f"by {name}"})
            if r.status_code != 200:
                errors.append((name, "decide", r.status_code, r.text))
                continue
            log.append(("decide", name, cid, r.json()["event_id"], decision))


def test_twenty_reviewers_on_postgres(pg_url):
    app = create_app(pg_url)
    seed_cases(pg_url, CASES)
    names = {f"rev{i:02d}": ["child_safety_reviewer" if i % 2 else "reviewer"] for i in range(REVIEWERS)}
    add_users(pg_url, names)
    log: list = []
    errors: list = []
    released: set = set()
    lock = threading.Lock()
    with ServerThread(app) as server:
        t0 = time.perf_counter()
        threads = [threading.Thread(target=reviewer_loop, args=(server.url, n, log, errors, released, lock)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        elapsed = time.perf_counter() - t0
        assert not any(t.is_alive() for t in threads), "reviewers did not finish in time"
    assert errors == []
    # The reviewers' own view: every claim acknowledged to one reviewer was not held by another.
    holder: dict[int, str] = {}
    for kind, name, cid, _e, _d in log:
        if kind == "claim":
            assert cid not in holder, f"case {cid} claimed by {name} while held by {holder[cid]}"
            holder[cid] = name
        else:
            assert holder.pop(cid) == name
    decided = {cid: (e, d) for kind, _n, cid, e, d in log if kind == "decide"}
    assert len(decided) == CASES  # every case reached a decision, each exactly once
    db = open_db(pg_url)
    with db.reading() as s:
        stored = {c.id: c for c in s.scalars(select(Case))}
        for cid, (event_id, decision) in decided.items():  # no acknowledged decision lost
            assert (stored[cid].decision_event_id, stored[cid].decision) == (event_id, decision)
        claims = s.scalar(select(func.count()).select_from(Event).where(Event.kind == "claim"))
        releases = s.scalar(select(func.count()).select_from(Event).where(Event.kind == "release"))
        assert claims == CASES + releases
        assert events.verify(s) == []  # the log replays to the stored state
        # Reviewers without the child-safety role never touched a child-safety case.
        plain = {n for n, roles in names.items() if roles == ["reviewer"]}
        for e in s.scalars(select(Event).where(Event.kind == "claim")):
            assert not (e.actor in plain and stored[e.case_id].child_safety)
    print(f"\n{REVIEWERS} reviewers, {CASES} cases, {releases} releases: {elapsed:.2f} s, "
          f"{(claims + releases + CASES) / elapsed:.0f} state changes/s")
