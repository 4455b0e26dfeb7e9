from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.ingest import ingest_export
from vigil.workspace import Workspace

ACCOUNT = {"platform": "photogram", "account_id": "100", "handle": "ana", "display_name": "Ana", "bio": "hi #art",
           "created_at": "2025-01-02T03:04:05Z", "links": ["https://example.org/a"], "followers_count": 3,
           "following_count": 4, "profile_image_pdq": "ab" * 32}
POST = {"platform": "photogram", "post_id": "p1", "account_id": "100", "created_at": "2025-01-02T03:04:05+02:00",
        "text": "new #sketch and #Art", "hashtags": ["sketch"], "kind": "post",
        "media": [{"media_id": "m1", "pdq": "CD" * 32, "md5": "0" * 32}]}
EDGE = {"platform": "photogram", "src": "100", "dst": "200", "kind": "follow", "created_at": "2025-01-02T03:04:05Z",
        "count": 2}
REC = {"platform": "photogram", "viewer_id": "100", "surface": "search", "item_id": "200", "item_kind": "account",
       "query": "art", "rank": 1, "shown_at": "2025-01-02T03:04:05Z"}
GOOD = {"accounts": ACCOUNT, "posts": POST, "edges": EDGE, "recommendations": REC}


def write_jsonl(path: Path, records) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def run_ingest(export: Path, out: Path):
    ws = Workspace(out / "workspace")
    report = ingest_export(export, ws, out / "rejects.jsonl")
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    return report, ws, rejects


@pytest.fixture
def ingest(tmp_path):
    """ingest(tables: {name: [records or raw lines]}) -> (report, ws, rejects), JSON Lines files."""
    counter = iter(range(1000))

    def _run(tables: dict, accounts_default: bool = True):
        n = next(counter)
        export = tmp_path / f"export{n}"
        export.mkdir()
        if accounts_default and "accounts" not in tables:
            tables = {"accounts": [ACCOUNT], **tables}
        for name, recs in tables.items():
            write_jsonl(export / f"{name}.jsonl", recs)
        return run_ingest(export, tmp_path / f"out{n}")

    return _run
