"""`vigil serve --db` with a path that does not exist refuses instead of creating an empty database."""

from typer.testing import CliRunner

from vigil.cli import app


def test_serve_refuses_a_database_that_does_not_exist(tmp_path, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("server started")))
    missing = tmp_path / "typo.db"
    r = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{missing}"])
    assert r.exit_code != 0
    assert "typo.db" in r.output and "--create" in r.output
    assert not missing.exists()


def test_serve_create_makes_the_database(tmp_path, monkeypatch):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(1))
    new = tmp_path / "new.db"
    r = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{new}", "--create"])
    assert r.exit_code == 0, r.output
    assert started and new.exists()
