"""The graph stage on a 1M-account, ~15M-edge workspace, beside the same steps in networkx.

Why a benchmark and not a test: speed and memory depend on the machine, so vigil's numbers are
printed next to a networkx baseline measured in the same run; the ratio is what carries.

    flock /tmp/vigil-heavy.lock .venv/bin/python bench/graph.py          # 1M accounts, 15M edges
    .venv/bin/python bench/graph.py --accounts 100000 --edges 1500000    # a quick run

The workspace (the graph stage's inputs: accounts, edges, posts, signal_hits, account_signals,
seeds) is generated once with numpy and cached under bench/_data/ (gitignored): a heavy-tailed
background graph plus planted seller rings, buyers, facilitators and look-alike decoys, so the
crawl and the role rules have real work to do. Each measurement runs in its own subprocess, so
its peak RSS is its own. networkx runs the same steps (build, 2-hop expansion from the same start
set, follows-of-sellers counts, Louvain on the flagged subgraph) on a 100k-account cut, since
on the full graph it would not fit the time or memory bar at all.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "_data"

KIND_SHARE = {"follow": 0.70, "like": 0.20, "comment": 0.06, "mention": 0.03, "repost": 0.005, "message": 0.005}
SELLER_RATE, BUYER_RATE, FACILITATOR_RATE, TEEN_RATE, ADULT_RATE = 0.002, 0.0012, 0.0004, 0.04, 0.003
RING = 15


def generate(out: Path, accounts: int, edges: int, seed: int = 1) -> Path:
    """Write the workspace tables once; reuse them when already there."""
    import numpy as np
    import pyarrow as pa

    from vigil import schemas
    from vigil.workspace import Workspace

    ws_dir = out / "workspace"
    if (out / "DONE").exists():
        return ws_dir
    rng = np.random.default_rng(seed)
    ws = Workspace(ws_dir)
    n = accounts
    ids = pa.array((np.arange(n, dtype=np.int64) * 7 + 1_000_000_000).astype(str))
    t_end = np.datetime64("2025-06-30T00:00:00", "s")
    created = t_end - rng.integers(1, 3650, n).astype("timedelta64[D]")
    perm = rng.permutation(n)
    k_s, k_b, k_f = int(n * SELLER_RATE), int(n * BUYER_RATE), int(n * FACILITATOR_RATE)
    k_t, k_a = int(n * TEEN_RATE), int(n * ADULT_RATE)
    sellers, buyers = perm[:k_s], perm[k_s:k_s + k_b]
    facil = perm[k_s + k_b:k_s + k_b + k_f]
    teens = perm[k_s + k_b + k_f:k_s + k_b + k_f + k_t]
    adults = perm[k_s + k_b + k_f + k_t:k_s + k_b + k_f + k_t + k_a]
    handles = np.char.add("user_", np.arange(n).astype(str))
    ws.write("accounts", pa.table({
        "platform": pa.array(["photogram"] * n), "account_id": ids, "handle": pa.array(handles),
        "created_at": pa.array(created.astype("datetime64[us]"), schemas.TS),
    }))

    # Background: heavy-tailed in-degree (popular accounts), uniform out-activity.
    m = edges
    src = rng.integers(0, n, m)
    dst = np.minimum((rng.pareto(1.2, m) * n / 50).astype(np.int64), n - 1)
    dst = rng.permutation(n)[dst]  # popularity independent of the planted roles
    kinds = rng.choice(list(KIND_SHARE), size=m, p=list(KIND_SHARE.values()))
    # Planted network: rings follow each other; buyers follow and ask; facilitators promote.
    extra_s, extra_d, extra_k = [], [], []
    rings = sellers[: len(sellers) // RING * RING].reshape(-1, RING)
    for r in rings:
        a, b = np.meshgrid(r, r)
        keep = (a != b) & (rng.random(a.shape) < 0.3)
        extra_s.append(a[keep]), extra_d.append(b[keep]), extra_k.append(np.full(keep.sum(), "follow"))
    ring_of_buyer = rng.integers(0, len(rings), len(buyers))
    comments = []
    for b, ri in zip(buyers, ring_of_buyer):
        t = rng.choice(rings[ri], 5, replace=False)
        extra_s.append(np.full(5, b)), extra_d.append(t), extra_k.append(np.full(5, "follow"))
        extra_s.append(np.full(2, b)), extra_d.append(t[:2]), extra_k.append(np.full(2, "comment"))
        comments += [(b, s) for s in t[:2]]
    promo_targets = []
    for f in facil:
        t = rng.choice(sellers, 8, replace=False)
        promo_targets.append(t)
        extra_s.append(np.full(8, f)), extra_d.append(t), extra_k.append(np.full(8, "mention"))
    # Sellers also follow teens; teens and adults follow a seller now and then.
    extra_s.append(rng.choice(sellers, k_t // 20)), extra_d.append(rng.choice(teens, k_t // 20))
    extra_k.append(np.full(k_t // 20, "follow"))
    src = np.concatenate([src] + extra_s)
    dst = np.concatenate([dst] + extra_d)
    kinds = np.concatenate([kinds] + extra_k)
    keep = src != dst
    src, dst, kinds = src[keep], dst[keep], kinds[keep]
    ts = t_end - rng.integers(1, 400, len(src)).astype("timedelta64[D]")
    with ws.writer("edges", schemas.EDGES) as w:
        step = 2_000_000
        for i in range(0, len(src), step):
            sl = slice(i, i + step)
            k = len(src[sl])
            w.write(pa.table({
                "platform": pa.array(["photogram"] * k), "src": ids.take(pa.array(src[sl])),
                "dst": ids.take(pa.array(dst[sl])), "kind": pa.array(kinds[sl]),
                "created_at": pa.array(ts[sl].astype("datetime64[us]"), schemas.TS),
                "count": pa.array(np.ones(k, dtype=np.int64)), "extra": pa.nulls(k, pa.string()),
                "_file": pa.array(["edges.jsonl"] * k), "_line": pa.array(np.arange(i, i + k)),
            }, schema=schemas.EDGES))

    # Posts: one ad per seller, request comments from buyers under them.
    post_rows = {"platform": [], "post_id": [], "account_id": [], "text": [], "reply_to": [], "kind": []}

    def post(pid, a, text, reply=None, kind="post"):
        for k, v in zip(post_rows, ("photogram", pid, ids[int(a)].as_py(), text, reply, kind)):
            post_rows[k].append(v)
    for s in sellers:
        post(f"p{s}", s, "vexkin menu in bio")
    for f, targets in zip(facil, promo_targets):
        for j, t in enumerate(targets):
            post(f"f{f}_{j}", f, f"🔁 @{handles[int(t)]} vexkin menu in bio")
    hit_rows = []
    for j, (b, s) in enumerate(comments):
        post(f"c{j}", b, "how much", reply=f"p{s}", kind="comment")
        hit_rows.append({"platform": "photogram", "account_id": ids[int(b)].as_py(), "post_id": f"c{j}",
                         "field": "text", "signal_id": "builtin:request", "category": "request", "weight": 0.5,
                         "context": "use", "start": 0, "end": 8, "matched": "how much", "obfuscated": False})
    posts = pa.table({k: pa.array(v, pa.string()) for k, v in post_rows.items()})
    posts = posts.append_column("created_at", pa.array(np.full(posts.num_rows, t_end - np.timedelta64(3, "D"))
                                                        .astype("datetime64[us]"), schemas.TS))
    ws.write("posts", posts)
    hits = [pa.Table.from_pylist(hit_rows, schema=schemas.SIGNAL_HITS)]

    def sig(codes, **kw):
        """account_signals rows, and the profile hits behind them (signals writes both)."""
        for cat in ("explicit", "age_minor", "age_adult", "sale", "contact", "payment"):
            if kw.get(cat):
                k = len(codes)
                hits.append(pa.table({
                    "platform": pa.array(["photogram"] * k), "account_id": ids.take(pa.array(codes)),
                    "post_id": pa.nulls(k, pa.string()), "field": pa.array(["bio"] * k),
                    "signal_id": pa.array([f"builtin:{cat}"] * k),
                    "category": pa.array(["age" if cat.startswith("age") else cat] * k),
                    "weight": pa.array(np.ones(k)), "context": pa.array(["adult" if cat == "age_adult" else "use"] * k),
                    "start": pa.array(np.zeros(k, np.int32)), "end": pa.array(np.ones(k, np.int32)),
                    "matched": pa.array([cat] * k), "obfuscated": pa.array(np.zeros(k, bool)),
                }, schema=schemas.SIGNAL_HITS))
        k = len(codes)
        cols = {"platform": pa.array(["photogram"] * k), "account_id": ids.take(pa.array(codes))}
        for c in ("explicit", "age_minor", "age_adult", "sale", "contact", "payment", "trade", "request",
                  "other", "warn", "n_hit_posts", "n_posts"):
            cols[c] = pa.array(np.full(k, float(kw.get(c, 0.0))))
        cols["evidence"] = pa.array([kw.get("evidence", "")] * k)
        return pa.table(cols)
    ws.write("account_signals", pa.concat_tables([
        sig(sellers, explicit=2, sale=1, contact=1, n_hit_posts=1, n_posts=1, evidence="vexkin, menu in bio"),
        sig(buyers, request=1, n_hit_posts=2, n_posts=2, evidence="how much"),
        sig(facil, explicit=1, sale=1, n_hit_posts=8, n_posts=8, evidence="vexkin"),
        sig(teens, age_minor=1, n_hit_posts=0, n_posts=1, evidence="14yo"),
        sig(adults, age_adult=1, sale=1, payment=1, n_hit_posts=1, n_posts=1, evidence="18+, menu"),
    ]))
    ws.write("signal_hits", pa.concat_tables(hits))
    ws.write("seeds", pa.table({"platform": ["photogram"], "account_id": [ids[int(sellers[0])].as_py()]}))
    (out / "DONE").write_text(json.dumps({"accounts": n, "edges": int(len(src))}))
    return ws_dir


def cut(ws_dir: Path, out: Path, accounts: int) -> Path:
    """The first `accounts` accounts and the edges among them (for networkx)."""
    import duckdb

    from vigil.workspace import Workspace

    if (out / "DONE").exists():
        return out / "workspace"
    src = Workspace(ws_dir)
    ws = Workspace(out / "workspace")
    con = src.connect()
    con.execute(f"CREATE TEMP TABLE keep AS SELECT platform, account_id FROM accounts ORDER BY account_id LIMIT {accounts}")
    for name, q in {
        "accounts": "SELECT a.* FROM accounts a SEMI JOIN keep USING (platform, account_id)",
        "edges": "SELECT e.* FROM edges e WHERE e.src IN (SELECT account_id FROM keep) AND e.dst IN (SELECT account_id FROM keep)",
        "posts": "SELECT p.* FROM posts p SEMI JOIN keep USING (platform, account_id)",
        "signal_hits": "SELECT h.* FROM signal_hits h SEMI JOIN keep USING (platform, account_id)",
        "account_signals": "SELECT s.* FROM account_signals s SEMI JOIN keep USING (platform, account_id)",
        "seeds": "SELECT s.* FROM seeds s SEMI JOIN keep USING (platform, account_id)",
    }.items():
        ws.write(name, con.sql(q).to_arrow_table())
    (out / "DONE").write_text("ok")
    del duckdb
    return out / "workspace"


# --- the measured steps (each run in a child process) -------------------------------------------


def run_vigil(ws_dir: str) -> dict:
    from vigil.graph import run_graph
    from vigil.workspace import Workspace

    t = time.perf_counter()
    stats = run_graph(Workspace(Path(ws_dir)))
    return {"seconds": time.perf_counter() - t, "scored": stats["scored"], "roles": stats["roles"],
            "edges": stats["edges"], "steps": stats["timings_s"]}


def run_networkx(ws_dir: str) -> dict:
    """Build, 2-hop expansion, per-account counts of followed sellers, Louvain: in networkx."""
    import networkx as nx
    import pyarrow.parquet as pq

    t = time.perf_counter()
    ws = Path(ws_dir)
    e = pq.read_table(ws / "edges.parquet", columns=["src", "dst", "kind"])
    g = nx.MultiDiGraph()
    g.add_edges_from(zip(e["src"].to_pylist(), e["dst"].to_pylist(), e["kind"].to_pylist()))
    t_build = time.perf_counter() - t
    sig = pq.read_table(ws / "account_signals.parquet").to_pylist()
    evidence = {r["account_id"] for r in sig} & set(g.nodes)
    start = {r["account_id"] for r in sig if r["explicit"] > 0 or (r["age_minor"] > 0 and r["sale"] > 0)} & set(g.nodes)
    sellers = {r["account_id"] for r in sig if r["explicit"] > 0 and r["sale"] > 0} & set(g.nodes)
    und = g.to_undirected(as_view=True)
    # The same focused crawl: two hops, going on only through relevant accounts.
    seen, frontier = set(start), set(start)
    for _ in range(2):
        nxt = set()
        for u in frontier:
            nxt.update(und.neighbors(u))
        reached = nxt - seen
        seen |= reached
        suspects, frontier = frontier, set()
        for u in reached:
            nbrs = set(und.neighbors(u))
            k = len(nbrs & suspects)
            if u in evidence or (k >= 2 and k >= 0.1 * len(nbrs)):
                frontier.add(u)
    follows = {u: sum(1 for _, v, k in g.out_edges(u, keys=True) if k == "follow" and v in sellers) for u in seen}
    flagged = sellers | {u for u, k in follows.items() if k >= 2}
    sub = nx.Graph(und.subgraph(flagged))
    comms = nx.community.louvain_communities(sub, seed=7) if sub.number_of_nodes() else []
    return {"seconds": time.perf_counter() - t, "build_s": t_build, "scored": len(seen),
            "edges": e.num_rows, "communities": len(comms)}


def _peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM: unlike ru_maxrss it does not carry the parent's
    peak over fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(kind: str, ws_dir: str) -> None:
    out = (run_vigil if kind == "vigil" else run_networkx)(ws_dir)
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def measure(kind: str, ws_dir: Path) -> dict:
    p = subprocess.run([sys.executable, __file__, "--child", kind, str(ws_dir)], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{kind} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=15_000_000)
    ap.add_argument("--cut", type=int, default=100_000, help="accounts in the networkx comparison")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(*a.child)
        return
    t = time.perf_counter()
    full = generate(DATA / f"graph_a{a.accounts}_e{a.edges}", a.accounts, a.edges)
    small = cut(full, DATA / f"graph_a{a.accounts}_e{a.edges}_cut{a.cut}", a.cut)
    print(f"data ready in {time.perf_counter() - t:.1f}s ({full})")
    rows = [("vigil", f"{a.accounts:,}", measure("vigil", full)),
            ("vigil", f"{a.cut:,}", measure("vigil", small)),
            ("networkx", f"{a.cut:,}", measure("networkx", small))]
    print(f"\n{'engine':<10}{'accounts':>11}{'edges':>12}{'scored':>9}{'seconds':>9}{'peak MiB':>10}")
    for name, acc, r in rows:
        print(f"{name:<10}{acc:>11}{r['edges']:>12,}{r['scored']:>9,}{r['seconds']:>9.1f}{r['peak_rss_mb']:>10.0f}")
    v_full, v_cut, nx_cut = (r for _, _, r in rows)
    print(f"\nnetworkx / vigil on the same {a.cut:,}-account cut: "
          f"{nx_cut['seconds'] / v_cut['seconds']:.1f}x time, {nx_cut['peak_rss_mb'] / v_cut['peak_rss_mb']:.1f}x memory")
    per_edge_v = v_full["seconds"] / v_full["edges"]
    per_edge_nx = nx_cut["seconds"] / max(nx_cut["edges"], 1)
    print(f"seconds per million edges: vigil {1e6 * per_edge_v:.2f} (full), networkx {1e6 * per_edge_nx:.2f} (cut)")
    print(f"vigil steps on the full graph: {v_full['steps']}; roles {v_full['roles']}")
    bar = v_full["seconds"] <= 60 and v_full["peak_rss_mb"] <= 6 * 1024
    print(f"bar (<= 60 s, <= 6 GiB on the full graph): {'met' if bar else 'NOT met'}")


if __name__ == "__main__":
    main()
