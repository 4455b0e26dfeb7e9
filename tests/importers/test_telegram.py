"""Telegram Desktop's result.json: a full export with a group and a personal chat."""

import json
from pathlib import Path

from vigil.importers import run_import
from vigil.importers.telegram import flatten
from vigil.ingest import ingest_export
from vigil.workspace import Workspace
from tests.importers import jsonl_rows

FIX = Path(__file__).parent / "fixtures" / "telegram"


def test_telegram_rejects_exact(tmp_path):
    s = run_import("telegram", FIX, tmp_path / "export")
    got = [(Path(r["file"]).name, r["line"], r["reason"]) for r in jsonl_rows(s.rejects_path)]
    assert got == [
        ("result.json", 3, "chat 5001 message 4: message lacks from_id"),
        ("result.json", 4, "chat 5001 message 5: bad date 'yesterday'"),
        ("result.json", 6, "chat 5001 message 7: service message (pin_message) without actor_id"),
        ("result.json", 2, "chat 222 message 12: unknown message type 'sticker_pack'"),
        ("result.json", 3, "chat 222 message 13: text is neither a string nor a list"),
    ]
    assert s.rejects == 5


def test_telegram_tables(tmp_path):
    s = run_import("telegram", FIX / "result.json", tmp_path / "export", platform="tg")
    accounts = {a["account_id"]: a for a in jsonl_rows(s.out_dir / "accounts.jsonl")}
    assert set(accounts) == {"user111", "user222", "user333", "channel444"}
    assert accounts["user111"]["handle"] == "alba_q", "the exporting user's own username"
    assert "handle" not in accounts["user222"] and accounts["user222"]["display_name"] == "Bren"
    posts = {p["post_id"]: p for p in jsonl_rows(s.out_dir / "posts.jsonl")}
    assert set(posts) == {"5001:2", "5001:3", "5001:6", "222:10", "222:11"}
    p = posts["5001:2"]
    assert p["text"] == "new #zorblat drop, see here (https://example.org/alba)" and p["hashtags"] == ["zorblat"]
    assert p["created_at"] == "2024-01-02T10:01:00Z" and p["links"] == ["https://example.org/alba"]
    assert p["media"] == [{"media_id": "5001:2:photo", "path": "photos/photo_2@02-01-2024_10-01-00.jpg"}]
    assert "media" not in posts["5001:6"], "a file not included in the export is no path"
    assert posts["222:11"]["reply_to"] == "222:10" and posts["222:11"]["kind"] == "comment"
    assert "media" not in posts["222:11"], "a PDF is no media the media stage hashes"
    edges = sorted((e["src"], e["dst"], e["kind"]) for e in jsonl_rows(s.out_dir / "edges.jsonl"))
    assert edges == [
        ("channel444", "user111", "repost"),
        ("user111", "user222", "comment"), ("user111", "user222", "message"),
        ("user222", "user111", "comment"), ("user222", "user111", "mention"), ("user222", "user111", "message"),
        ("user222", "user333", "mention"),
    ]
    report = ingest_export(s.out_dir, Workspace(tmp_path / "ws"), tmp_path / "rejects.jsonl")
    assert report.counts["posts"] == 5
    assert not (tmp_path / "rejects.jsonl").exists() or not (tmp_path / "rejects.jsonl").read_text().strip()


def test_single_chat_export_and_truncated_file(tmp_path):
    chat = {"name": "Bren", "type": "personal_chat", "id": 222, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-03T08:00:00", "from": "Bren", "from_id": "user222", "text": "hi"},
        {"id": 2, "type": "message", "date": "2024-01-03T08:01:00", "from": "Alba", "from_id": "user111", "text": "yo"},
    ]}
    src = tmp_path / "result.json"
    src.write_text(json.dumps(chat))
    s = run_import("telegram", src, tmp_path / "a")
    assert s.counts["posts"] == 2 and s.rejects == 0
    edges = sorted((e["src"], e["dst"], e["kind"]) for e in jsonl_rows(s.out_dir / "edges.jsonl"))
    assert edges == [("user111", "user222", "message"), ("user222", "user111", "message")], \
        "the peer spoke first: its message edge waits until the other side is known"
    src.write_text(json.dumps(chat)[:-40])
    s = run_import("telegram", src, tmp_path / "b")
    assert s.counts["posts"] == 1
    assert [r["reason"].split(",")[0] for r in jsonl_rows(s.rejects_path)] == ["not JSON"]


def test_flatten_keeps_hidden_urls():
    assert flatten(["a ", {"type": "text_link", "text": "b", "href": "https://e.org"}]) == ("a b (https://e.org)", ["https://e.org"])
    assert flatten("plain") == ("plain", [])
