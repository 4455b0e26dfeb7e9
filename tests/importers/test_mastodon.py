from pathlib import Path

from vigil.importers import run_import
from vigil.ingest import ingest_export
from vigil.workspace import Workspace
from tests.importers import jsonl_rows

FIX = Path(__file__).parent / "fixtures" / "mastodon"


def test_mastodon_rejects_exact(tmp_path):
    s = run_import("mastodon", FIX, tmp_path / "export")
    got = [(Path(r["file"]).relative_to(FIX).as_posix(), r["line"], r["reason"].split(":")[0])
           for r in jsonl_rows(s.rejects_path)]
    assert got == [
        ("accounts/page1.json", 1, "missing or invalid id"),
        ("accounts/page1.json", 2, "record is not a JSON object"),
        ("statuses/alba.json", 2, "missing account"),
        ("following/2.json", 1, "missing or invalid id"),
        ("following/3.json", 0, "unreadable JSON"),
    ]
    assert s.rejects == 5


def test_mastodon_tables(tmp_path):
    s = run_import("mastodon", FIX, tmp_path / "export")
    accounts = {a["account_id"]: a for a in jsonl_rows(s.out_dir / "accounts.jsonl")}
    assert set(accounts) == {"1", "2"}
    assert accounts["1"]["bio"] == "menu in bio & more"
    assert accounts["1"]["links"] == ["https://example.org/alba"]
    posts = {p["post_id"]: p for p in jsonl_rows(s.out_dir / "posts.jsonl")}
    assert set(posts) == {"100", "101"}
    assert posts["100"]["hashtags"] == ["zorblat"] and posts["100"]["media"] == [{"media_id": "m1"}]
    assert posts["101"]["kind"] == "comment" and posts["101"]["reply_to"] == "100"
    edges = sorted((e["src"], e["dst"], e["kind"]) for e in jsonl_rows(s.out_dir / "edges.jsonl"))
    assert edges == [("1", "2", "mention"), ("2", "1", "comment"), ("2", "1", "follow"), ("2", "1", "repost")]
    # the written export is a valid contract export: ingest rejects nothing
    report = ingest_export(s.out_dir, Workspace(tmp_path / "ws"), tmp_path / "rejects.jsonl")
    assert report.counts["accounts"] == 2
    assert not (tmp_path / "rejects.jsonl").exists() or (tmp_path / "rejects.jsonl").read_text().strip() == ""


def test_import_command_summary_and_unknown_format(tmp_path):
    from typer.testing import CliRunner

    from vigil.cli import app

    r = CliRunner().invoke(app, ["import", "mastodon", str(FIX), "--out", str(tmp_path / "e")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "e.rejects.jsonl").read_text().count("\n") == 5
    r = CliRunner().invoke(app, ["import", "nosuch", str(FIX), "--out", str(tmp_path / "f")])
    assert r.exit_code == 2 and "unknown format" in r.output
