"""Test helpers: a synthetic world's tables read directly, and scores taken from its truth.

The link stage is measured on its own here: with the true roles as `scores`, a miss or a false
link is the linker's, not the graph stage's. Reading the export is deliberately minimal (good
lines only); the real run uses the ingest stage.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from pathlib import Path

import pyarrow as pa

from vigil import schemas


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def _jsonl(folder: Path, name: str):
    for p in (folder / f"{name}.jsonl", folder / f"{name}.jsonl.gz"):
        if p.exists():
            with _open(p) as f:
                for k, line in enumerate(f, 1):
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(obj, dict):
                        yield p, k, obj
            return


def _ts(v):
    try:
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00")) if isinstance(v, str) else None
    except ValueError:
        return None


def read_accounts(folder: Path) -> pa.Table:
    cols = {f.name: [] for f in schemas.ACCOUNTS}
    seen = set()
    for path, line, o in _jsonl(folder, "accounts"):
        p, a = o.get("platform"), o.get("account_id")
        if not isinstance(p, str) or not isinstance(a, str) or (p, a) in seen:
            continue
        seen.add((p, a))
        links = o.get("links")
        row = {
            "platform": p, "account_id": a,
            "handle": o.get("handle") if isinstance(o.get("handle"), str) else None,
            "display_name": o.get("display_name") if isinstance(o.get("display_name"), str) else None,
            "bio": o.get("bio") if isinstance(o.get("bio"), str) else None,
            "created_at": _ts(o.get("created_at")),
            "links": [x for x in links if isinstance(x, str)] if isinstance(links, list) else None,
            "followers_count": None, "following_count": None,
            "profile_image": o.get("profile_image") if isinstance(o.get("profile_image"), str) else None,
            "profile_image_pdq": o.get("profile_image_pdq") if isinstance(o.get("profile_image_pdq"), str) else None,
            "extra": None, "_file": str(path), "_line": line,
        }
        for k in cols:
            cols[k].append(row[k])
    return pa.table(cols, schema=schemas.ACCOUNTS)


def read_edges(folder: Path) -> pa.Table:
    cols = {"platform": [], "src": [], "dst": [], "kind": []}
    for _, _, o in _jsonl(folder, "edges"):
        vals = [o.get(k) for k in cols]
        if all(isinstance(v, str) for v in vals) and vals[3] in schemas.EDGE_KINDS:
            for k, v in zip(cols, vals):
                cols[k].append(v)
    return pa.table(cols)


def truth_scores(truth_dir: Path) -> pa.Table:
    """The true roles as a `scores` table (backup_of left to the linker)."""
    cols = {f.name: [] for f in schemas.SCORES}
    with open(truth_dir / "truth_accounts.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cols["platform"].append(r["platform"])
            cols["account_id"].append(r["account_id"])
            cols["score"].append(1.0 if r["role"] != "none" else 0.0)
            cols["role"].append(r["role"])
            cols["community"].append(r.get("network") or None)
            cols["reasons"].append("truth")
            cols["backup_of"].append(None)
    return pa.table(cols, schema=schemas.SCORES)


def write_links_csv(links: pa.Table, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "links.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["platform_a", "account_a", "platform_b", "account_b", "score", "evidence"])
        for row in links.to_pylist():
            w.writerow([row["platform_a"], row["account_a"], row["platform_b"], row["account_b"], row["score"], row["evidence"]])
    return path


def media_profile_hashes(folder: Path, accounts: pa.Table) -> pa.Table:
    """`profile_hashes` as the media stage computes it (its own functions), for when a test runs
    the linker without the whole pipeline."""
    from vigil.media.hashing import hash_file
    from vigil.media.profiles import profile_hashes

    cols = accounts.select(["platform", "account_id", "profile_image", "profile_image_pdq"]).to_pydict()
    hashed = {}
    for rel in set(r for r in cols["profile_image"] if r):
        path = folder / rel
        try:
            hashed[rel] = (hash_file(path, dihedral=True), "") if path.is_file() else (None, "missing")
        except Exception as e:  # a broken image is the export's problem, not the test's
            hashed[rel] = (None, str(e))
    return profile_hashes(cols, hashed)
