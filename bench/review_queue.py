"""Queue page latency with 100,000 cases (SQLite, and PostgreSQL when reachable).

    .venv/bin/python bench/review_queue.py [--cases 100000] [--requests 60]

Prints the median and 95th percentile of each page, and its ratio to /api/health measured in
the same process (the framework's own floor). The issue's bar: queue page median <= 200 ms.
"""

from __future__ import annotations


import argparse
import sys
import statistics
import tempfile
import time

from fastapi.testclient import TestClient
from sqlalchemy import insert

from vigil.cases import users
from vigil.cases.db import open_db
from vigil.cases.models import Case
from vigil.web.app import create_app

PASSWORD = "benchmark password"
BATCH = 10_000


def seed(url: str, n: int) -> None:
    db = open_db(url)
    t0 = time.perf_counter()
    for lo in range(0, n, BATCH):
        rows = [{"platform": "photogram", "account_id": f"a{i:07d}", "handle": f"user_{i}", "display_name": f"User {i}",
                 "bio": "synthetic", "score": ((i * 2654435761) % 1_000_003) / 1_000_003, "role": ("seller", "buyer", "facilitator")[i % 3],
                 "community": f"c{i % 5000}", "reasons": "graph score;lexicon hits", "child_safety": i % 4 == 0,
                 "status": ("open", "open", "open", "decided")[i % 4]} for i in range(lo, min(n, lo + BATCH))]
        with db.writing() as s:
            s.execute(insert(Case), rows)
    for name, role in (("rev", "reviewer"), ("csr", "child_safety_reviewer")):
        users.create_user(db, users.CLI, name, PASSWORD, [role])
    print(f"  seeded {n:,} cases in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def login(c: TestClient, name: str) -> None:
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text


def timed(c: TestClient, path: str, n: int) -> list[float]:
    c.get(path)  # warm
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = c.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return out


def run(label: str, url: str, cases: int, requests: int) -> list[tuple]:
    seed(url, cases)
    app = create_app(url)
    rows = []
    for who in ("rev", "csr"):
        with TestClient(app) as c:
            login(c, who)
            base = statistics.median(timed(c, "/api/health", requests))
            for path in ("/queue", "/queue?page=200", "/queue?q=user_4242", "/api/cases?limit=50"):
                ms = timed(c, path, requests)
                med = statistics.median(ms)
                p95 = sorted(ms)[int(0.95 * (len(ms) - 1))]
                rows.append((label, who, path, med, p95, med / base))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=60)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run("sqlite", f"sqlite:///{tmp}/bench.db", args.cases, args.requests)
    try:
        from tests.cases.fixtures import postgres_reachable, postgres_schema

        if postgres_reachable():
            with postgres_schema() as url:
                rows += run("postgresql", url, args.cases, args.requests)
        else:
            print("PostgreSQL not reachable: skipped", file=sys.stderr)
    except ImportError:
        pass
    print(f"\nqueue page latency, {args.cases:,} cases, {args.requests} requests each (in-process client)")
    print(f"{'backend':<11} {'viewer':<6} {'page':<22} {'median ms':>10} {'p95 ms':>8} {'x health':>9}")
    for label, who, path, med, p95, ratio in rows:
        print(f"{label:<11} {who:<6} {path:<22} {med:>10.1f} {p95:>8.1f} {ratio:>9.1f}")
    worst = max(r[3] for r in rows if r[2] == "/queue")
    print(f"\nworst /queue median: {worst:.1f} ms (bar: <= 200 ms)")


if __name__ == "__main__":
    main()
