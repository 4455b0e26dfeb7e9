from __future__ import annotations

import pytest

from vigil.ingest import read_seeds
from vigil.ingest.seeds import SeedsError


def test_seeds_with_and_without_header(tmp_path):
    p = tmp_path / "seeds.csv"
    p.write_text("platform,account_id\nphotogram,1\n\nchirp, 2\nphotogram,1\n")
    assert read_seeds(p).to_pylist() == [{"platform": "photogram", "account_id": "1"},
                                         {"platform": "chirp", "account_id": "2"}]
    p.write_text("photogram,1594154491")
    assert read_seeds(p).num_rows == 1


@pytest.mark.parametrize("bad", ["photogram", "photogram,1,extra", ",5"])
def test_a_bad_seed_line_names_its_line(tmp_path, bad):
    p = tmp_path / "seeds.csv"
    p.write_text(f"photogram,1\n{bad}\n")
    with pytest.raises(SeedsError, match=r"seeds.csv:2:"):
        read_seeds(p)


def test_ingest_command_prints_counts(tmp_path):
    import json

    import typer
    from typer.testing import CliRunner

    from tests.ingest.conftest import ACCOUNT, write_jsonl
    from vigil.ingest.commands import register

    app = typer.Typer()  # only this command: the test does not depend on the other stages' commands
    app.callback()(lambda: None)
    register(app)

    write_jsonl(tmp_path / "e" / "accounts.jsonl", [ACCOUNT, "{bad"])
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "e"), "--out", str(tmp_path / "o"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "rejected records" in res.output
    assert [json.loads(x)["line"] for x in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()] == [2]
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "o"), "--out", str(tmp_path / "o2"), "--no-progress"])
    assert res.exit_code == 2 and "accounts" in res.output
