"""A small results folder built by hand, shaped like the pipeline's (schemas.py), for cases/web tests.

Invented words only ("vexkin", "torlap"); the hostile bio is markup, to prove it renders as text.
"""

from __future__ import annotations

import csv
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from vigil import schemas
from vigil.workspace import Workspace

PG_URL = os.environ.get("VIGIL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
HOSTILE_BIO = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"> vexkin menu'

# account_id: (score, role, community, handle, bio)
ACCOUNTS = {
    "s1": (0.97, "seller", "c1", "vexkin_shop", "young vexkin menu, prices in dm"),
    "b1": (0.81, "buyer", "c1", "buyer_one", "just here"),
    "b2": (0.78, "buyer", "c1", "buyer_two", "collector"),
    "f1": (0.74, "facilitator", "c1", "helper_f", "promo for friends"),
    "s2": (0.93, "seller", "c2", "torlap_store", "torlap menu 18+ only, cashapp"),
    "b3": (0.66, "buyer", "c2", "b_three", "hi"),
    "s3": (0.88, "seller", None, "media_guy", "new set daily"),
    "h1": (0.71, "seller", "c2", "hostile", HOSTILE_BIO),
    "n1": (0.55, "none", None, "borderline", "painter"),
    "n2": (0.10, "none", None, "gardener", "flowers"),  # below the case threshold: not loaded
}
CHILD_SAFETY = {"s1", "s3"}  # s1: an age claim used; s3: a hash-bank match


def _t(schema: pa.Schema, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def build_results(out: Path, platform: str = "photogram") -> Path:
    """Write accounts.csv, links.csv and the workspace tables the cases stage reads."""
    out.mkdir(parents=True, exist_ok=True)
    ws = Workspace(out / "workspace")
    scores = [
        {"platform": platform, "account_id": a, "score": sc, "role": role, "community": com,
         "reasons": f"score {sc:.2f} from model;role {role}", "backup_of": None}
        for a, (sc, role, com, _h, _b) in ACCOUNTS.items()
    ]
    ws.write("scores", _t(schemas.SCORES, scores))
    ws.write("accounts", _t(schemas.ACCOUNTS, [
        {"platform": platform, "account_id": a, "handle": h, "display_name": h.title(), "bio": b,
         "_file": "accounts.jsonl", "_line": i + 1}
        for i, (a, (_s, _r, _c, h, b)) in enumerate(ACCOUNTS.items())
    ]))
    s1_bio = ACCOUNTS["s1"][4]
    hits = [
        {"platform": platform, "account_id": "s1", "post_id": None, "field": "bio", "signal_id": "age-young",
         "category": "age", "weight": 1.0, "context": "use", "start": 0, "end": 5, "matched": "young", "obfuscated": False},
        {"platform": platform, "account_id": "s1", "post_id": None, "field": "bio", "signal_id": "sale-menu",
         "category": "sale", "weight": 1.0, "context": "use", "start": s1_bio.index("menu"),
         "end": s1_bio.index("menu") + 4, "matched": "menu", "obfuscated": False},
        {"platform": platform, "account_id": "s2", "post_id": "p9", "field": "text", "signal_id": "sale-menu",
         "category": "sale", "weight": 1.0, "context": "use", "start": 7, "end": 11, "matched": "menu", "obfuscated": False},
        {"platform": platform, "account_id": "s2", "post_id": None, "field": "bio", "signal_id": "age-adult",
         "category": "age", "weight": 0.5, "context": "adult", "start": 12, "end": 15, "matched": "18+", "obfuscated": False},
        {"platform": platform, "account_id": "h1", "post_id": None, "field": "bio", "signal_id": "sale-menu",
         "category": "sale", "weight": 1.0, "context": "use", "start": HOSTILE_BIO.index("menu"),
         "end": HOSTILE_BIO.index("menu") + 4, "matched": "menu", "obfuscated": False},
    ]
    ws.write("signal_hits", _t(schemas.SIGNAL_HITS, hits))
    ws.write("posts", _t(schemas.POSTS, [
        {"platform": platform, "post_id": "p9", "account_id": "s2", "text": "torlap menu <b>now</b>", "kind": "post"},
    ]))
    ws.write("media_matches", _t(schemas.MEDIA_MATCHES, [
        {"platform": platform, "account_id": "s3", "post_id": "p1", "media_id": "m1", "signal_type": "pdq",
         "signal": "ab" * 32, "bank": "synthbank-a", "category": "cat-b", "bank_signal": "ab" * 31 + "aa", "distance": 4},
    ]))
    links = [{"platform_a": platform, "account_a": "s1", "platform_b": "chirp", "account_b": "x1", "score": 0.9,
              "evidence": "same handle stem; shared avatar hash"}]
    ws.write("links", _t(schemas.LINKS, links))
    edges = [("b1", "s1", "follow", 1), ("b2", "s1", "comment", 3), ("f1", "s1", "mention", 2), ("s1", "b1", "message", 5),
             ("b3", "s2", "follow", 1), ("h1", "s2", "follow", 1), ("x9", "s1", "like", 7)]
    ws.write("edges", _t(schemas.EDGES, [
        {"platform": platform, "src": s, "dst": d, "kind": k, "count": n} for s, d, k, n in edges
    ]))
    ws.write("communities", pa.table({
        "platform": [platform, platform], "community": ["c1", "c2"], "size": [4, 3],
        "sellers": [1, 2], "buyers": [2, 1], "facilitators": [1, 0], "top_signals": ["menu", "menu"],
        "summary": ["1 seller, 2 buyers, 1 facilitator", "2 sellers, 1 buyer"],
    }))
    with open(out / "accounts.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform", "account_id", "score", "role", "community", "reasons"])
        for r in scores:
            w.writerow([r["platform"], r["account_id"], r["score"], r["role"], r["community"] or "", r["reasons"]])
    with open(out / "links.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform_a", "account_a", "platform_b", "account_b", "score", "evidence"])
        for r in links:
            w.writerow(list(r.values()))
    return out


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=2):
            return True
    except Exception:
        return False


@contextmanager
def postgres_schema():
    """A fresh schema for one test run; dropped afterwards. Yields a SQLAlchemy URL using it."""
    import psycopg

    from vigil.cases import db as dbmod

    name = f"vigil_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    plain = PG_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{name}"')
    url = f"{PG_URL}?options=-csearch_path%3D{name}"
    try:
        yield url
    finally:
        db = dbmod._open.pop(url, None)
        if db is not None:
            db.engine.dispose()
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{name}" CASCADE')
