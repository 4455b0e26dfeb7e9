"""Recorded Jetstream events import into the same records the watcher makes of them live."""

from __future__ import annotations

import json

from vigil.importers import run_import
from vigil.importers.jetstream import record_to_events
from tests.importers import jsonl_rows


def test_recorded_events_import_with_exact_rejects(tmp_path):
    records = [
        ("accounts", {"platform": "bsky", "account_id": "did:plc:a", "handle": "a.bsky.social", "bio": "hello"}),
        ("accounts", {"platform": "bsky", "account_id": "did:plc:b", "handle": "b.bsky.social"}),
        ("posts", {"platform": "bsky", "post_id": "p1", "account_id": "did:plc:a", "text": "menu in bio",
                   "created_at": "2024-01-02T03:04:05Z"}),
        ("edges", {"platform": "bsky", "src": "did:plc:b", "dst": "did:plc:a", "kind": "follow",
                   "created_at": "2024-01-02T03:04:06Z"}),
    ]
    lines = [json.dumps(e) for table, r in records for e in record_to_events(table, r)]
    lines.insert(1, "{not json")
    lines.append(json.dumps({"kind": "commit", "time_us": 5}))  # no did
    src = tmp_path / "events.jsonl"
    src.write_text("\n".join(lines) + "\n")
    summary = run_import("jetstream", src, tmp_path / "export", platform="bsky")
    rejects = jsonl_rows(summary.rejects_path)
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [(2, "not JSON"), (len(lines), "event has no did")]
    assert summary.counts["accounts"] == 2 and summary.counts["posts"] == 1 and summary.counts["edges"] == 1
    accounts = jsonl_rows(tmp_path / "export" / "accounts.jsonl")
    a = next(x for x in accounts if x["account_id"] == "did:plc:a")
    assert a["handle"] == "a.bsky.social" and a["bio"] == "hello", "identity and profile merge into one account"
    post = json.loads((tmp_path / "export" / "posts.jsonl").read_text())
    assert post["text"] == "menu in bio" and post["account_id"] == "did:plc:a"
