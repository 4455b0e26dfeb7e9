import threading

import pytest
from sqlalchemy import select, text, update

from vigil.cases import decisions, events, exports, load_results, queue, views
from vigil.cases.db import open_db
from vigil.cases.events import InvalidTransition
from vigil.cases.models import Case, User
from vigil.cases.transitions import Actor, NotFound

PEOPLE = {"rev": "reviewer", "rev2": "reviewer", "cs": "child_safety_reviewer", "inv": "investigator", "aud": "auditor"}
PEOPLE.update({f"r{i}": "child_safety_reviewer" for i in range(8)})


def actor(name: str) -> Actor:
    return Actor(list(PEOPLE).index(name) + 1, name, frozenset({PEOPLE[name]}))


REV, REV2, CS, INV, AUD = (actor(n) for n in ("rev", "rev2", "cs", "inv", "aud"))


@pytest.fixture
def db(db_url, results):
    load_results(db_url, results)
    db = open_db(db_url)
    with db.writing() as s:  # real users (claims refer to them); ids match actor() above
        for i, (name, role) in enumerate(PEOPLE.items(), start=1):
            s.add(User(id=i, username=name, password_hash="-", roles=role, active=True))
    return db


def ids(db):
    with db.reading() as s:
        return {c.account_id: c.id for c in s.scalars(select(Case))}


def test_queue_is_ordered_by_score_and_hides_child_safety(db):
    with db.reading() as s:
        rev = queue.search(s, REV)
        cs = queue.search(s, CS)
        assert [c.score for c in rev.cases] == sorted((c.score for c in rev.cases), reverse=True)
        assert not any(c.child_safety for c in rev.cases) and rev.total == len(rev.cases)
        assert {c.account_id for c in cs.cases} >= {"s1", "s3"} and cs.total == rev.total + 2
        assert queue.search(s, REV, q="vexkin").cases == []  # search obeys visibility too
        assert [c.account_id for c in queue.search(s, CS, q="VEXKIN").cases] == ["s1"]
        assert queue.search(s, AUD).total == 0


def test_claim_decide_undo_cycle(db):
    first = queue.claim_next(db, REV)
    assert first.account_id == "s2" and first.status == "claimed"  # best visible score
    second = queue.claim_next(db, REV2)
    assert second.id != first.id
    with pytest.raises(InvalidTransition, match="claimed by another"):
        decisions.decide(db, REV2, first.id, "clear")
    with pytest.raises(InvalidTransition):
        queue.claim(db, REV2, first.id)
    ev_id = decisions.decide(db, REV, first.id, "confirm_seller", "menu with prices")
    with pytest.raises(InvalidTransition, match="undo"):
        decisions.decide(db, REV, first.id, "clear")
    with pytest.raises(InvalidTransition):
        decisions.undo(db, REV, first.id, ev_id - 1)  # a stale undo names the wrong decision
    decisions.undo(db, REV2, first.id, ev_id)
    with db.reading() as s:
        c = s.get(Case, first.id)
        assert (c.status, c.decision, c.assignee_id) == ("open", None, None)
        assert events.verify(s) == []


def test_child_safety_case_is_invisible_to_a_plain_reviewer_everywhere(db):
    s1 = ids(db)["s1"]
    for attempt in (lambda: views.get_case(db, REV, s1), lambda: queue.claim(db, REV, s1),
                    lambda: decisions.decide(db, REV, s1, "clear"), lambda: decisions.undo(db, REV, s1)):
        with pytest.raises(NotFound):
            attempt()
    result = decisions.bulk_decide(db, REV, "clear", case_ids=[s1, ids(db)["b1"]])
    assert result["decided"] == [ids(db)["b1"]] and result["skipped"] == []  # s1 not even mentioned
    result = decisions.bulk_decide(db, REV, "clear", community=("photogram", "c1"))
    assert ids(db)["s1"] not in result["decided"]
    # The graph of a visible neighbour shows s1 as a bare account, not as a case.
    b2 = views.get_case(db, REV, ids(db)["b2"])
    assert all(n["case"] is None for n in b2.neighbours if n["account_id"] == "s1")
    queue.claim(db, CS, s1)
    decisions.decide(db, CS, s1, "confirm_seller")
    assert ("photogram", "s1", "seller") in exports.label_rows(db, INV)
    with pytest.raises(PermissionError):
        exports.label_rows(db, REV)


def test_views_and_reveals_of_child_safety_cases_are_logged(db):
    s3 = ids(db)["s3"]
    d = views.get_case(db, CS, s3)
    info = views.reveal_media(db, CS, s3, d.media[0].id)
    assert info["bank"] == "synthbank-a" and info["bytes_stored"] is False
    with pytest.raises(PermissionError):
        views.reveal_media(db, REV, s3, d.media[0].id)
    views.get_case(db, REV, ids(db)["b1"])  # not child safety: not logged as a view
    kinds = [(e.kind, e.case_id, e.actor) for e in exports.browse_events(db, AUD)]
    assert ("view", s3, "cs") in kinds and ("reveal", s3, "cs") in kinds
    assert not any(k == "view" and c == ids(db)["b1"] for k, c, _a in kinds)


def test_bulk_over_a_community_skips_other_reviewers_claims_and_undoes(db):
    b1 = ids(db)["b1"]
    queue.claim(db, REV2, b1)
    result = decisions.bulk_decide(db, CS, "confirm_buyer", "ring c1", community=("photogram", "c1"))
    assert set(result["decided"]) == {ids(db)[a] for a in ("s1", "b2", "f1")}
    assert [s["case_id"] for s in result["skipped"]] == [b1]
    undone = decisions.bulk_undo(db, CS, result["bulk_id"])
    assert set(undone["undone"]) == set(result["decided"])
    with db.reading() as s:
        assert {c.status for c in s.scalars(select(Case).where(Case.id.in_(result["decided"])))} == {"open"}
        assert events.verify(s) == []


def test_event_log_is_append_only_and_replay_catches_tampering(db):
    c = queue.claim_next(db, CS)
    decisions.decide(db, CS, c.id, "escalate", "needs a report")
    with pytest.raises(Exception, match="append-only"):
        with db.writing() as s:
            s.execute(text("UPDATE events SET kind = 'view'"))
    with pytest.raises(Exception, match="append-only"):
        with db.writing() as s:
            s.execute(text("DELETE FROM events"))
    with db.writing() as s:  # someone edits the projection behind the app's back
        s.execute(update(Case).where(Case.id == c.id).values(decision="clear"))
    with db.reading() as s:
        problems = events.verify(s)
    assert len(problems) == 1 and f"case {c.id}" in problems[0]


def test_replay_refuses_an_impossible_log():
    log = [(1, "claim", 7, 1, "{}"), (2, "claim", 7, 2, "{}")]
    with pytest.raises(InvalidTransition, match="event 2"):
        events.replay(log)


def test_concurrent_claims_never_share_a_case(db):
    reviewers = [actor(f"r{i}") for i in range(8)]
    got: dict[str, list[int]] = {r.name: [] for r in reviewers}

    def work(r):
        while (c := queue.claim_next(db, r)) is not None:
            got[r.name].append(c.id)
            decisions.decide(db, r, c.id, "clear")

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    claimed = [i for v in got.values() for i in v]
    assert len(claimed) == len(set(claimed)) == len(ids(db))
    with db.reading() as s:
        assert {c.status for c in s.scalars(select(Case))} == {"decided"}
        assert events.verify(s) == []
