"""Audit stage time on a 1M-account workspace, beside a plain DuckDB scan of the same tables.

Why a benchmark and not a test: speed depends on the machine, so the audit's time is printed next
to a baseline measured in the same process (one grouped scan of recommendations joined to posts);
the ratio is what carries between machines. Target: audit <= 30 s at 1M accounts.

    flock /tmp/vigil-heavy.lock .venv/bin/python bench/audit.py               # 1M accounts
    .venv/bin/python bench/audit.py --accounts 50000                           # a quick run

The workspace (accounts, edges, posts, recommendations, scores as Parquet, the layouts of
vigil/schemas.py) is generated once with DuckDB and cached under bench/_data/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "_data"

SELLER_EVERY = 500  # 0.2% sellers, as in the sample
FANS_PER_SELLER = 15
VIEWER_EVERY = 5  # 20% of accounts have logged recommendations
IMPRESSIONS_PER_VIEWER = 35
FOLLOWS_PER_ACCOUNT = 12
OTHER_EDGES_PER_ACCOUNT = 5
POSTS_PER_ACCOUNT = 5


def generate(root: Path, accounts: int, seed: int = 1) -> Path:
    """Write the workspace tables with DuckDB (all cores); reuse them when already there."""
    import duckdb

    from vigil import schemas

    ws = root / "workspace"
    done = root / "DONE"
    if done.exists():
        return ws
    ws.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SELECT setseed({1.0 / (seed + 1)})")
    acc = "(1000000000 + ({x}) * 7)::VARCHAR"
    rnd_acc = acc.format(x=f"floor(random() * {accounts})::BIGINT")
    pop_acc = acc.format(x=f"floor(pow(random(), 2) * {accounts})::BIGINT")
    ts = "TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(({x} * 7919) % 15000000)"
    n_posts = accounts * POSTS_PER_ACCOUNT

    def copy(name: str, sql: str) -> None:
        schema = {
            "accounts": schemas.ACCOUNTS, "edges": schemas.EDGES, "posts": schemas.POSTS,
            "recommendations": schemas.RECOMMENDATIONS, "scores": schemas.SCORES,
        }[name]
        con.execute(f"CREATE OR REPLACE TEMP TABLE t AS {sql}")
        cols = {r[0] for r in con.execute("DESCRIBE t").fetchall()}
        sel = ", ".join(
            f'"{f.name}"' if f.name in cols else f'NULL AS "{f.name}"' for f in schema
        )
        con.execute(f"COPY (SELECT {sel} FROM t) TO '{ws / (name + '.parquet')}' (FORMAT PARQUET, COMPRESSION ZSTD)")
        con.execute("DROP TABLE t")

    copy("accounts", f"""
        SELECT 'photogram' AS platform, {acc.format(x='i')} AS account_id, 'user_' || i AS handle,
               'bio ' || (i % 97) AS bio, {ts.format(x='i')} AS created_at, 'accounts.jsonl' AS _file, i + 1 AS _line
        FROM range({accounts}) t(i)""")
    copy("scores", f"""
        SELECT 'photogram' AS platform, {acc.format(x='i')} AS account_id,
               CASE WHEN i % {SELLER_EVERY} = 0 THEN 0.9 ELSE 0.01 END AS score,
               CASE WHEN i % {SELLER_EVERY} = 0 THEN 'seller' ELSE 'none' END AS role,
               CASE WHEN i % {SELLER_EVERY} = 0 THEN 'sale menu; contact handle' ELSE '' END AS reasons
        FROM range({accounts}) t(i)""")
    copy("edges", f"""
        SELECT 'photogram' AS platform, {rnd_acc} AS src, {pop_acc} AS dst,
               CASE WHEN j < {accounts * FOLLOWS_PER_ACCOUNT} THEN 'follow' ELSE 'like' END AS kind,
               {ts.format(x='j')} AS created_at, 'edges.jsonl' AS _file, j + 1 AS _line
        FROM range({accounts * (FOLLOWS_PER_ACCOUNT + OTHER_EDGES_PER_ACCOUNT)}) t(j)
        UNION ALL
        SELECT 'photogram', {acc.format(x=f'floor(random() * {accounts // VIEWER_EVERY})::BIGINT * {VIEWER_EVERY}')},
               {acc.format(x=f'(j % {max(1, accounts // SELLER_EVERY)}) * {SELLER_EVERY}')}, 'follow',
               {ts.format(x='j')}, 'edges.jsonl', 0
        FROM range({max(1, accounts // SELLER_EVERY) * FANS_PER_SELLER}) t(j)""")
    copy("posts", f"""
        SELECT 'photogram' AS platform, (3100000000000 + k)::VARCHAR AS post_id, {rnd_acc} AS account_id,
               {ts.format(x='k')} AS created_at, 'post ' || k AS text, 'post' AS kind,
               'posts.jsonl' AS _file, k + 1 AS _line
        FROM range({n_posts}) t(k)""")
    # Viewers see mostly random accounts and posts; one impression in 40 is a seller, so that
    # every query, join and walk in the audit has real work to do.
    copy("recommendations", f"""
        WITH r AS (
          SELECT m, (m // {IMPRESSIONS_PER_VIEWER}) * {VIEWER_EVERY} AS v, random() AS r1, random() AS r2
          FROM range({accounts // VIEWER_EVERY * IMPRESSIONS_PER_VIEWER}) t(m))
        SELECT 'photogram' AS platform, {acc.format(x='v')} AS viewer_id,
               ['suggested_accounts', 'explore', 'search', 'hashtag', 'feed'][1 + (m % 5)] AS surface,
               CASE WHEN r1 < 0.025 THEN {acc.format(x=f'floor(r2 * {max(1, accounts // SELLER_EVERY)})::BIGINT * {SELLER_EVERY}')}
                    WHEN r1 < 0.5 THEN {pop_acc}
                    ELSE (3100000000000 + floor(r2 * {n_posts})::BIGINT)::VARCHAR END AS item_id,
               CASE WHEN r1 < 0.5 THEN 'account' ELSE 'post' END AS item_kind,
               CASE WHEN m % 5 = 2 THEN 'q' || floor(pow(r2, 3) * 20000)::BIGINT
                    WHEN m % 5 = 3 THEN '#tag' || floor(pow(r2, 3) * 20000)::BIGINT END AS query,
               (m % {IMPRESSIONS_PER_VIEWER}) + 1 AS rank, {ts.format(x='m')} AS shown_at,
               'recommendations.csv' AS _file, m + 2 AS _line
        FROM r""")
    done.write_text(json.dumps({"accounts": accounts}))
    return ws


def baseline_scan(ws_root: Path) -> float:
    """One grouped pass over recommendations joined to posts: the floor any audit has to pay."""
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"""
        SELECT r.surface, count(*), count(p.account_id)
        FROM read_parquet('{ws_root / 'recommendations.parquet'}') r
        LEFT JOIN read_parquet('{ws_root / 'posts.parquet'}') p ON r.item_kind = 'post' AND p.post_id = r.item_id
        GROUP BY r.surface""").fetchall()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    args = ap.parse_args()
    root = DATA / f"audit_a{args.accounts}"
    t0 = time.perf_counter()
    ws_root = generate(root, args.accounts)
    gen_s = time.perf_counter() - t0

    from vigil.audit import run_audit
    from vigil.workspace import Workspace

    ws = Workspace(ws_root)
    rows = {n: ws.rows(n) for n in ("accounts", "edges", "posts", "recommendations", "scores")}
    base = baseline_scan(ws_root)
    t0 = time.perf_counter()
    result = run_audit(ws)
    audit_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"workspace {ws_root} (generated/reused in {gen_s:.1f} s)")
    for n, r in rows.items():
        print(f"  {n:<16} {r:>12,}")
    print(f"{'step':<28}{'seconds':>10}")
    for step, s in result.stats["timings_s"].items():
        print(f"  {step:<26}{s:>10.2f}")
    print(f"{'audit total':<28}{audit_s:>10.2f}   (target <= 30 s at 1M accounts)")
    print(f"{'baseline scan+join':<28}{base:>10.2f}")
    print(f"{'ratio audit/baseline':<28}{audit_s / base:>10.1f}")
    print(f"{'peak RSS (MB)':<28}{peak:>10.0f}")
    print(f"flagged impressions {result.stats['flagged_impressions']:,}, "
          f"queries with flagged results {result.stats['queries_with_flagged_results']:,}, "
          f"mitigations {result.stats['mitigations']}")


if __name__ == "__main__":
    main()
