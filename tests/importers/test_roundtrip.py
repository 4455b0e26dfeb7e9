"""A generated world written in each import format, imported back, investigated.

Each format carries part of a contract export. `carried(FORMAT, world)` states that part here,
from the format's documentation (the same list as vigil/importers/writers.py), independently of
the importer: the world's main platform with what the format cannot say left out. The
investigation of that carried view and of the re-imported export must agree on every account's
role, community and score, and on the signal counts and graph features behind them: an importer that dropped, invented or misread anything the format does say
would change them.

What each format cannot carry:
- all: recommendations (no format here has them), `profile_image` files.
- x, mastodon: media hashes (ids only); `like` and `message` edges; `comment`, `mention` and
  `repost` edges except a reply's `comment` to its parent's author; follow times and counts;
  post kinds beyond post/comment (a story is a post).
- telegram: everything of an account but its id and display name; accounts that never post;
  hashtags as a field (they stay in the text); media without a file (no hashes); every edge but a
  reply's `comment`; seconds' fractions.
- jetstream: edge counts (n records of one); bluesky-car: that, and handles.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from vigil.importers import run_import, writers
from vigil.ingest import ingest_export
from vigil.pipeline import RunOptions, investigate
from vigil.workspace import Workspace

ACCOUNTS = 200  # vigil generate's smallest world: a few seconds per investigation
ACCOUNT_FIELDS = ("account_id", "handle", "display_name", "bio", "created_at", "links", "followers_count", "following_count")
URL = re.compile(r"https?://[^\s<>\"]+")
# A reason's quoted examples vary from one run to the next on the same input ("in bio" in one run,
# "in post 5943..." in the next), so the reasons are compared through the numbers behind them:
# each account's signal counts and graph features, as the stages wrote them.
EVIDENCE_TABLES = ("account_signals", "graph_features")


def _evidence(ws: Path, table: str, strip_prefix: str) -> dict[str, tuple]:
    import pyarrow.parquet as pq

    rows = pq.read_table(ws / f"{table}.parquet").to_pylist()
    return {r["account_id"].removeprefix(strip_prefix): tuple(
        round(v, 6) if isinstance(v, float) else v for k, v in sorted(r.items()) if k not in ("platform", "account_id", "evidence"))
        for r in rows}


def _iso(v):
    return v.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(v, dt.datetime) else v


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from typer.testing import CliRunner

    from vigil.cli import app

    root = tmp_path_factory.mktemp("world")
    r = CliRunner().invoke(app, ["generate", str(root), "--accounts", str(ACCOUNTS), "--no-images", "--no-progress"])
    assert r.exit_code == 0, r.output
    ws = Workspace(root / "ws")
    ingest_export(root / "export", ws, root / "ingest_rejects.jsonl")
    tables = {t: ws.read(t).to_pylist() for t in ("accounts", "posts", "edges")}
    main = Counter(a["platform"] for a in tables["accounts"]).most_common(1)[0][0]
    records = {t: [{k: _iso(v) for k, v in row.items() if not k.startswith("_") and k != "extra" and v not in (None, [])}
                   for row in rows if row["platform"] == main] for t, rows in tables.items()}
    return {"root": root, "platform": main, "records": records}


def _reply_edges(posts: list[dict]) -> list[dict]:
    author = {p["post_id"]: p["account_id"] for p in posts}
    return [{"src": p["account_id"], "dst": author[p["reply_to"]], "kind": "comment", "created_at": p.get("created_at")}
            for p in posts if p.get("reply_to") in author and author[p["reply_to"]] != p["account_id"]]


def carried(fmt: str, w: dict) -> dict[str, list[dict]]:
    acc, posts, edges = w["records"]["accounts"], w["records"]["posts"], w["records"]["edges"]
    if fmt in ("x", "mastodon"):
        accounts = [{k: a[k] for k in ACCOUNT_FIELDS if k in a} for a in acc]
        for a in accounts:
            if fmt == "mastodon":
                if "bio" in a:
                    a["bio"] = a["bio"].strip()
                a["links"] = [x for x in a.get("links") or [] if URL.fullmatch(x)] or None
        out_posts = [{"post_id": p["post_id"], "account_id": p["account_id"], "created_at": p.get("created_at"),
                      "text": (p.get("text") or "").strip() if fmt == "mastodon" else p.get("text") or "",
                      "hashtags": p.get("hashtags"), "kind": "comment" if p.get("reply_to") else "post",
                      "reply_to": p.get("reply_to"), "media": [{"media_id": m["media_id"]} for m in p.get("media") or []] or None}
                     for p in posts]
        follows = dict.fromkeys((e["src"], e["dst"]) for e in edges if e["kind"] == "follow")
        known = {a["account_id"] for a in accounts}
        accounts += [{"account_id": d} for d in dict.fromkeys(d for _, d in follows) if d not in known]
        return {"accounts": accounts, "posts": out_posts,
                "edges": [{"src": s, "dst": d, "kind": "follow"} for s, d in follows] + _reply_edges(out_posts)}
    if fmt == "telegram":
        ordered = sorted(posts, key=lambda p: (p.get("created_at") or "", p["post_id"]))
        number = {p["post_id"]: f"1:{i + 1}" for i, p in enumerate(ordered)}
        names = {a["account_id"]: a.get("display_name") for a in acc}
        out_posts = [{"post_id": number[p["post_id"]], "account_id": p["account_id"], "created_at": p.get("created_at"),
                      "text": p.get("text") or "", "kind": "comment" if p.get("reply_to") in number else "post",
                      "reply_to": number.get(p.get("reply_to"))} for p in ordered]
        writers_ = dict.fromkeys(p["account_id"] for p in ordered)
        return {"accounts": [{"account_id": a, "display_name": names.get(a)} for a in writers_],
                "posts": out_posts, "edges": _reply_edges(out_posts)}
    # jetstream, bluesky-car
    drop = ("profile_image",) + (("handle",) if fmt == "bluesky-car" else ())
    accounts = [{k: v for k, v in a.items() if k not in drop} for a in acc]
    out_edges = [{**{k: v for k, v in e.items() if k != "count"}} for e in edges for _ in range(max(int(e.get("count") or 1), 1))]
    out_posts = [{**p, "media": [{k: m[k] for k in ("media_id", "pdq", "md5") if m.get(k)} for m in p["media"]]}
                 if p.get("media") else p for p in posts]
    return {"accounts": accounts, "posts": out_posts, "edges": out_edges}


def _write_export(folder: Path, platform: str, records: dict) -> Path:
    folder.mkdir(parents=True)
    for table, rows in records.items():
        with open(folder / f"{table}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({"platform": platform, **{k: v for k, v in r.items() if v is not None}}) + "\n")
    return folder


def _sorted_rows(export: Path) -> Path:
    """The same rows in one canonical order: which example a reason quotes among equals follows
    row order, and a format fixes its own order (a CAR is one repo after another)."""
    for path in export.glob("*.jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("".join(x + "\n" for x in sorted(lines)), encoding="utf-8")
    return export


def _findings(w: dict, export: Path, out: Path, strip_prefix: str = "") -> dict[str, tuple]:
    root = w["root"]
    _sorted_rows(export)
    investigate(RunOptions(export_dir=export, lexicon=root / "lexicon.yaml", hashes=[root / "hashbank.csv"], out_dir=out))
    evidence = [_evidence(out / "workspace", t, strip_prefix) for t in EVIDENCE_TABLES]
    with open(out / "accounts.csv", newline="") as f:
        return {a: (r["role"], r["community"], round(float(r["score"]), 6), *(e.get(a) for e in evidence))
                for r in csv.DictReader(f) for a in [r["account_id"].removeprefix(strip_prefix)]}


WRITE = {
    "x": lambda rec, d: writers.write_x(rec, d / "src"),
    "mastodon": lambda rec, d: writers.write_mastodon(rec, d / "src"),
    "telegram": lambda rec, d: writers.write_telegram(rec, d / "src"),
    "jetstream": lambda rec, d: writers.write_jetstream(rec, d / "events.jsonl"),
    "bluesky-car": lambda rec, d: writers.write_bluesky_cars(rec, d / "repos"),
}


@pytest.mark.parametrize("fmt", list(WRITE))
def test_round_trip_keeps_findings(fmt, world, tmp_path):
    view = carried(fmt, world)
    src = WRITE[fmt](world["records"], tmp_path)
    summary = run_import(fmt, src, tmp_path / "reimported", platform=world["platform"])
    assert summary.rejects == 0, summary.rejects_path.read_text()[:2000]
    expected = _findings(world, _write_export(tmp_path / "carried", world["platform"], view), tmp_path / "run_carried")
    got = _findings(world, tmp_path / "reimported", tmp_path / "run_reimported", "user" if fmt == "telegram" else "")
    assert got == expected
    found = Counter(role for role, *_ in expected.values())
    assert found["seller"] + found["buyer"] + found["facilitator"] > 0, f"nothing to compare in {fmt}: {found}"
