import shutil

import pytest
from sqlalchemy import func, select

from tests.cases.fixtures import ACCOUNTS, CHILD_SAFETY
from vigil.cases import load_results
from vigil.cases.db import open_db
from vigil.cases.load import MIN_CASE_SCORE, ResultsError
from vigil.cases.models import Case, Event, Hit, Link, MediaMatch, Neighbour
from vigil.cases import decisions, queue
from vigil.cases.transitions import Actor

CS = Actor(None, "cs", frozenset({"child_safety_reviewer"}))


def _cases(url):
    with open_db(url).reading() as s:
        return {c.account_id: c for c in s.scalars(select(Case))}


def test_load_makes_one_case_per_flagged_account(db_url, results):
    stats = load_results(db_url, results)
    cases = _cases(db_url)
    expected = {a for a, (score, role, *_rest) in ACCOUNTS.items() if role != "none" or score >= MIN_CASE_SCORE}
    assert set(cases) == expected and "n2" not in cases
    assert stats["cases_new"] == len(expected)
    assert {a for a, c in cases.items() if c.child_safety} == CHILD_SAFETY
    assert cases["s1"].community == "c1" and cases["s1"].role == "seller"
    assert all(c.status == "open" for c in cases.values())
    with open_db(db_url).reading() as s:
        hits = {(h.signal_id, h.source_text[h.start:h.end]) for h in s.scalars(select(Hit).where(Hit.case_id == cases["s1"].id))}
        assert ("sale-menu", "menu") in hits and ("age-young", "young") in hits
        post_hit = s.scalars(select(Hit).where(Hit.case_id == cases["s2"].id, Hit.field == "text")).one()
        assert post_hit.source_text[post_hit.start:post_hit.end] == "menu"  # posts.parquet joined in
        m = s.scalars(select(MediaMatch)).one()
        assert (m.case_id, m.bank, m.distance) == (cases["s3"].id, "synthbank-a", 4)
        assert s.scalars(select(Link)).one().other_account == "x1"
        nb = {(n.other_account, n.direction, n.kind) for n in s.scalars(select(Neighbour).where(Neighbour.case_id == cases["s1"].id))}
        assert ("b1", "in", "follow") in nb and ("b1", "out", "message") in nb and ("x9", "in", "like") in nb


def test_reload_refreshes_findings_and_keeps_decisions(db_url, results):
    load_results(db_url, results)
    db = open_db(db_url)
    s1 = _cases(db_url)["s1"]
    queue.claim(db, CS, s1.id)
    decisions.decide(db, CS, s1.id, "confirm_seller", "ring leader")
    stats = load_results(db_url, results)
    assert stats["cases_new"] == 0 and stats["cases_updated"] == len(_cases(db_url))
    again = _cases(db_url)["s1"]
    assert (again.id, again.status, again.decision) == (s1.id, "decided", "confirm_seller")
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Hit).where(Hit.case_id == s1.id)) == 2  # replaced, not doubled
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "load")) == 2


def test_load_from_accounts_csv_alone(tmp_path, results):
    shutil.rmtree(results / "workspace")
    url = f"sqlite:///{tmp_path / 'csv.db'}"
    stats = load_results(url, results)
    cases = _cases(url)
    assert stats["cases_new"] == len(cases) and cases["s2"].score == pytest.approx(0.93)
    assert not any(c.child_safety for c in cases.values())  # no evidence tables: nothing to flag on


def test_load_refuses_a_folder_without_results(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match="accounts.csv"):
        load_results(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "empty")


def test_child_safety_flag_sticks_to_a_case_across_reloads(db_url, results):
    load_results(db_url, results)
    (results / "workspace" / "signal_hits.parquet").unlink()  # a later run without the age evidence
    load_results(db_url, results)
    assert _cases(db_url)["s1"].child_safety  # permission follows the case; a re-run never relaxes it
