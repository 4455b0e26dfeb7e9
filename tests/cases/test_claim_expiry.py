"""Claims go stale after the TTL and may then be taken over, by an event that replays exactly."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.cases.test_workflow import CS, PEOPLE, REV, REV2, ids
from vigil.cases import claims, decisions, events, load_results, queue, views
from vigil.cases import db as dbmod
from vigil.cases.db import open_db
from vigil.cases.events import InvalidTransition
from vigil.cases.models import Case, Event, User, utcnow

TTL = timedelta(hours=8)
T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def db(db_url, results):
    load_results(db_url, results)
    db = open_db(db_url)
    with db.writing() as s:
        for i, (name, role) in enumerate(PEOPLE.items(), start=1):
            s.add(User(id=i, username=name, password_hash="-", roles=role, active=True))
    return db


def claim_events(db, case_id):
    with db.reading() as s:
        return list(s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == events.CLAIM).order_by(Event.id)))


def stored(db, case_id) -> Case:
    with db.reading() as s:
        case = s.get(Case, case_id)
        s.expunge(case)
        return case


def test_a_fresh_claim_cannot_be_taken_over(db):
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=T0, ttl=TTL)
    with pytest.raises(InvalidTransition, match="claimed by another reviewer until"):
        queue.claim(db, REV2, b3, now=T0 + TTL - timedelta(seconds=1), ttl=TTL)
    assert stored(db, b3).assignee_id == REV.id
    assert len(claim_events(db, b3)) == 1


def test_a_stale_claim_is_taken_over_by_an_event_naming_it(db):
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=T0, ttl=TTL)
    first = claim_events(db, b3)[0]
    case = queue.claim(db, REV2, b3, now=T0 + TTL, ttl=TTL)
    assert (case.status, case.assignee_id) == ("claimed", REV2.id)
    takeover = claim_events(db, b3)[1]
    assert takeover.actor == "rev2"
    assert json.loads(takeover.payload) == {"takes_over": first.id, "holder_id": REV.id,
                                            "ttl_seconds": int(TTL.total_seconds())}
    with db.reading() as s:
        assert events.verify(s) == []


def test_the_old_holder_can_neither_decide_nor_release_after_a_takeover(db):
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=T0, ttl=TTL)
    queue.claim(db, REV2, b3, now=T0 + TTL + timedelta(minutes=5), ttl=TTL)
    with pytest.raises(InvalidTransition, match="claimed by another reviewer"):
        decisions.decide(db, REV, b3, "clear")
    with pytest.raises(InvalidTransition, match="only the reviewer holding"):
        queue.release(db, REV, b3)
    decisions.decide(db, REV2, b3, "confirm_buyer", "pays for the vexkin menu")
    case = stored(db, b3)
    assert (case.status, case.decision, case.assignee_id, case.claimed_at) == ("decided", "confirm_buyer", REV2.id, None)
    with db.reading() as s:
        assert events.verify(s) == []


def test_a_stale_claim_still_holds_until_someone_takes_it_over(db):
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=utcnow() - 2 * TTL, ttl=TTL)
    assert claims.is_stale(stored(db, b3), ttl=TTL)
    decisions.decide(db, REV, b3, "clear")  # stale opens the case to others; its holder may still finish
    assert stored(db, b3).status == "decided"
    with db.reading() as s:
        assert events.verify(s) == []


def test_nobody_takes_over_their_own_claim(db):
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=T0, ttl=TTL)
    with pytest.raises(InvalidTransition, match="already hold"):
        queue.claim(db, REV, b3, now=T0 + 2 * TTL, ttl=TTL)


def test_replay_reproduces_a_takeover_from_the_events_own_timestamps(db, monkeypatch):
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=T0, ttl=TTL)
    queue.claim(db, REV2, b3, now=T0 + TTL, ttl=TTL)
    # Neither the clock nor the configured TTL may enter a replay: break both.
    monkeypatch.setenv(claims.CLAIM_TTL_ENV, "1000")
    monkeypatch.setattr(events, "utcnow", lambda: (_ for _ in ()).throw(AssertionError("replay read the clock")))
    with db.reading() as s:
        replayed = events.replay_db(s)[b3]
        assert events.verify(s) == []
    case = stored(db, b3)
    assert replayed == events.CaseState.of(case)
    assert replayed.claimed_at == T0 + TTL and replayed.assignee_id == REV2.id


def test_replay_refuses_a_takeover_before_the_ttl_or_of_the_wrong_claim():
    ttl_s = int(TTL.total_seconds())
    claim = (1, "claim", 7, 1, "{}", T0)
    early = (2, "claim", 7, 2, json.dumps({"takes_over": 1, "holder_id": 1, "ttl_seconds": ttl_s}), T0 + TTL / 2)
    with pytest.raises(InvalidTransition, match="event 2.*not stale until"):
        events.replay([claim, early])
    wrong = (2, "claim", 7, 2, json.dumps({"takes_over": 99, "holder_id": 1, "ttl_seconds": ttl_s}), T0 + TTL)
    with pytest.raises(InvalidTransition, match="event 2"):
        events.replay([claim, wrong])
    on_open = (3, "claim", 7, 2, json.dumps({"takes_over": 1, "holder_id": 1, "ttl_seconds": ttl_s}), T0 + TTL)
    with pytest.raises(InvalidTransition, match="no claim to take over"):
        events.replay([claim, (2, "release", 7, 1, "{}", T0), on_open])
    ok = (2, "claim", 7, 2, json.dumps({"takes_over": 1, "holder_id": 1, "ttl_seconds": ttl_s}), T0 + TTL)
    assert events.replay([claim, ok])[7].assignee_id == 2


def test_claim_next_offers_stale_claims_of_others_but_not_fresh_ones(db):
    mine = []
    while (c := queue.claim_next(db, REV, now=T0, ttl=TTL)) is not None:
        mine.append(c)
    assert mine and mine[0].account_id == "s2"  # every case a plain reviewer sees is now REV's
    assert queue.claim_next(db, REV2, now=T0 + TTL - timedelta(seconds=1), ttl=TTL) is None
    assert queue.claim_next(db, REV, now=T0 + 2 * TTL, ttl=TTL) is None  # not its own
    taken = queue.claim_next(db, REV2, now=T0 + TTL, ttl=TTL)
    assert taken.account_id == "s2" and taken.assignee_id == REV2.id  # best score first
    assert json.loads(claim_events(db, taken.id)[-1].payload)["holder_id"] == REV.id
    with db.reading() as s:
        assert events.verify(s) == []


def test_claim_next_prefers_a_better_open_case_to_a_stale_claim(db):
    s2 = ids(db)["s2"]
    queue.claim(db, REV, ids(db)["b3"], now=T0, ttl=TTL)  # stale later, but scores below s2
    got = queue.claim_next(db, REV2, now=T0 + TTL, ttl=TTL)
    assert got.id == s2 and claim_events(db, s2)[-1].payload == "{}"


def test_views_say_when_a_claim_is_stale(db):
    b3 = ids(db)["b3"]
    case = queue.claim(db, CS, b3, now=T0, ttl=TTL)
    fresh = views.case_dict(stored(db, b3), T0 + TTL - timedelta(seconds=1))
    stale = views.case_dict(stored(db, b3), T0 + TTL)
    assert fresh["claim_stale"] is False and stale["claim_stale"] is True
    assert stale["claimed_at"] == T0.isoformat() and stale["claim_stale_at"] == (T0 + TTL).isoformat()
    assert case.status == "claimed"
    assert views.case_dict(stored(db, ids(db)["s2"]), T0 + 10 * TTL)["claim_stale"] is False  # open: no claim


def test_the_ttl_is_configurable_within_limits(monkeypatch, db):
    monkeypatch.setenv(claims.CLAIM_TTL_ENV, "2")
    assert claims.claim_ttl() == timedelta(hours=2)
    b3 = ids(db)["b3"]
    queue.claim(db, REV, b3, now=T0)
    assert queue.claim(db, REV2, b3, now=T0 + timedelta(hours=2)).assignee_id == REV2.id
    monkeypatch.setenv(claims.CLAIM_TTL_ENV, "0.01")
    with pytest.raises(ValueError, match="minimum"):
        claims.claim_ttl()
    monkeypatch.setenv(claims.CLAIM_TTL_ENV, "soon")
    with pytest.raises(ValueError, match="hours"):
        claims.claim_ttl()
    monkeypatch.delenv(claims.CLAIM_TTL_ENV)
    assert claims.claim_ttl() == claims.DEFAULT_CLAIM_TTL == timedelta(hours=8)


def test_migration_gives_existing_claims_their_claim_time(db_url):
    """A database claimed under revision 0001 upgrades with claimed_at from the claim event."""
    db = open_db(db_url, migrate=False)
    dbmod.upgrade(db.engine, "0001")
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO users (id, username, password_hash, roles, active, created_at) "
                       "VALUES (1, 'rev', '-', 'reviewer', :t, :ts)"), {"t": True, "ts": T0})
        c.execute(text("INSERT INTO cases (id, platform, account_id, score, role, reasons, child_safety, loaded_at, "
                       "status, assignee_id, last_event_id) VALUES (5, 'photogram', 'zz', 0.9, 'seller', '', :f, :ts, "
                       "'claimed', 1, 1)"), {"f": False, "ts": T0})
        c.execute(text("INSERT INTO events (id, ts, actor_id, actor, kind, case_id, child_safety, payload) "
                       "VALUES (1, :ts, 1, 'rev', 'claim', 5, :f, '{}')"), {"f": False, "ts": T0})
    dbmod.upgrade(db.engine)
    assert events.CaseState.of(stored(db, 5)).claimed_at == T0
    with db.reading() as s:
        assert events.verify(s) == []
