from pathlib import Path

from vigil.importers import run_import
from tests.importers import jsonl_rows

FIX = Path(__file__).parent / "fixtures" / "x"


def test_x_rejects_exact(tmp_path):
    s = run_import("x", FIX, tmp_path / "export")
    got = [(Path(r["file"]).relative_to(FIX).as_posix(), r["line"], r["reason"]) for r in jsonl_rows(s.rejects_path)]
    assert got == [
        ("tweets/page1.json", 2, "includes.users: missing or invalid id"),
        ("tweets/page1.json", 3, "data: missing or invalid author_id"),
        ("tweets/page1.json", 4, "data: retweet of a tweet missing from includes.tweets"),
        ("following/12.json", 1, "data: record is not a JSON object"),
    ]


def test_x_tables(tmp_path):
    s = run_import("x", FIX, tmp_path / "export")
    accounts = {a["account_id"]: a for a in jsonl_rows(s.out_dir / "accounts.jsonl")}
    assert set(accounts) == {"11", "12"} and accounts["11"]["links"] == ["https://example.org/al"]
    posts = {p["post_id"]: p for p in jsonl_rows(s.out_dir / "posts.jsonl")}
    assert set(posts) == {"1001", "1002"}
    assert posts["1001"]["hashtags"] == ["zorblat"] and posts["1001"]["media"] == [{"media_id": "3_1"}]
    assert posts["1002"]["reply_to"] == "1001" and posts["1002"]["kind"] == "comment"
    edges = sorted((e["src"], e["dst"], e["kind"]) for e in jsonl_rows(s.out_dir / "edges.jsonl"))
    assert edges == [("11", "12", "mention"), ("12", "11", "comment"), ("12", "11", "follow"), ("12", "11", "repost")]
