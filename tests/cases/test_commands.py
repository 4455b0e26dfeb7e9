from typer.testing import CliRunner

from vigil.cli import app
from vigil.cases.db import open_db
from vigil.cases import decisions, queue, users
from vigil.cases.transitions import Actor


def test_load_results_and_user_commands(tmp_path, results):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    run = CliRunner()
    r = run.invoke(app, ["load-results", str(results), "--db", url, "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "cases_new" in r.output
    r = run.invoke(app, ["user", "add", "ana", "--role", "reviewer", "--role", "auditor", "--password-stdin", "--db", url],
                   input="a long enough password\n")
    assert r.exit_code == 0, r.output
    assert users.authenticate(open_db(url), "ana", "a long enough password").role_set == {"reviewer", "auditor"}
    r = run.invoke(app, ["user", "add", "bob", "--role", "superuser", "--password-stdin", "--db", url],
                   input="a long enough password\n")
    assert r.exit_code != 0 and "unknown role" in r.output
    r = run.invoke(app, ["user", "disable", "ana", "--db", url])
    assert r.exit_code == 0 and users.authenticate(open_db(url), "ana", "a long enough password") is None
    r = run.invoke(app, ["cases-verify", "--db", url])
    assert r.exit_code == 0 and "0 case(s) disagree" in r.output
    db = open_db(url)
    cs = Actor(None, "cs", frozenset({"child_safety_reviewer"}))
    case = queue.claim_next(db, cs)
    decisions.decide(db, cs, case.id, "confirm_seller")
    r = run.invoke(app, ["export-labels", "--db", url, "--out", str(tmp_path / "labels.csv")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "labels.csv").read_text().splitlines() == ["platform,account_id,role", f"photogram,{case.account_id},seller"]
