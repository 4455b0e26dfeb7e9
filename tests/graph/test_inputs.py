"""The graph stage on thin exports: only `accounts` is mandatory in the contract."""

from __future__ import annotations

import pyarrow as pa

from tests.graph import world
from vigil import schemas
from vigil.graph import run_graph
from vigil.workspace import Workspace


def test_accounts_and_signals_only(tmp_path):
    full = world.build(Workspace(tmp_path / "full"))
    ws = Workspace(tmp_path / "thin")
    for name in ("accounts", "account_signals", "seeds"):
        ws.write(name, full.read(name))
    stats = run_graph(ws)
    rows = {r["account_id"]: r for r in ws.read("scores").to_pylist()}
    assert stats["edges"] == 0
    # Without hits placed on posts the per-account sums stand; content sellers are still found.
    assert {a for a, r in rows.items() if r["role"] == "seller"} >= {"s1", "s2", "s3", "seed1"}
    assert all(r["role"] in ("seller", "none") for r in rows.values())
    assert all(rows.get(a, {"role": "none"})["role"] == "none" for a in ("ac", "adv", "t1", "t2", "d1"))


def test_empty_export(tmp_path):
    ws = Workspace(tmp_path)
    ws.write("accounts", schemas.ACCOUNTS.empty_table())
    ws.write("seeds", schemas.SEEDS.empty_table())
    stats = run_graph(ws)
    assert stats["scored"] == 0 and ws.read("scores").num_rows == 0
    assert ws.read("communities").num_rows == 0


def test_edges_to_accounts_missing_from_accounts_table_and_several_platforms(tmp_path):
    ws = world.build(Workspace(tmp_path))
    edges = ws.read("edges")
    extra = pa.table({
        "platform": ["other", "other", "pg"], "src": ["x1", "x2", "ghost"], "dst": ["x2", "x1", "s1"],
        "kind": ["follow", "follow", "follow"],
    })
    extra = pa.table({f.name: (extra[f.name] if f.name in extra.column_names else pa.nulls(3, f.type))
                      for f in schemas.EDGES}, schema=schemas.EDGES)
    ws.write("edges", pa.concat_tables([edges, extra]))
    stats = run_graph(ws, score_all=True)
    rows = {(r["platform"], r["account_id"]): r for r in ws.read("scores").to_pylist()}
    assert stats["accounts_in_graph"] == ws.rows("accounts") + 3
    assert ("other", "x1") in rows and ("pg", "ghost") in rows
    assert rows[("pg", "s1")]["role"] == "seller" and rows[("pg", "b1")]["role"] == "buyer"


def _reference_codes(acc_rows, edge_rows, single):
    """Node keys the plain way: a key per account (first row wins), then unknown endpoints as the
    edge table first names them (as a source in row order, then as a destination)."""
    key = (lambda p, i: i) if single else (lambda p, i: (p, i))
    codes: dict = {}
    for p, i in acc_rows:
        codes.setdefault(key(p, i), len(codes))
    for end in (1, 2):
        for row in edge_rows:
            codes.setdefault(key(row[0], row[end]), len(codes))
    return codes, [(codes[key(r[0], r[1])], codes[key(r[0], r[2])]) for r in edge_rows]


def test_node_codes_equal_a_key_lookup_with_ids_shared_across_platforms(tmp_path):
    """Ids that several platforms use, repeated account rows, endpoints the accounts table lacks,
    and one-platform exports: every edge lands on the account its (platform, id) names."""
    import duckdb
    import numpy as np

    from vigil.graph.build import EDGE_KINDS, load_graph

    rng = np.random.default_rng(4)
    for single in (False, True):
        plats = ["pg"] if single else ["pg", "other", "third"]
        acc_rows = [(str(rng.choice(plats)), f"u{rng.integers(0, 40)}") for _ in range(60)]
        edge_rows = [(str(rng.choice(plats)), f"u{rng.integers(0, 50)}", f"u{rng.integers(0, 50)}") for _ in range(400)]
        ws = Workspace(tmp_path / str(single))
        ws.write("accounts", pa.table({f.name: (pa.array([r[0] for r in acc_rows]) if f.name == "platform" else
                                                pa.array([r[1] for r in acc_rows]) if f.name == "account_id" else
                                                pa.nulls(len(acc_rows), f.type)) for f in schemas.ACCOUNTS},
                                      schema=schemas.ACCOUNTS))
        cols = {"platform": [r[0] for r in edge_rows], "src": [r[1] for r in edge_rows], "dst": [r[2] for r in edge_rows],
                "kind": [EDGE_KINDS[k % len(EDGE_KINDS)] for k in range(len(edge_rows))]}
        ws.write("edges", pa.table({f.name: (pa.array(cols[f.name]) if f.name in cols else pa.nulls(len(edge_rows), f.type))
                                    for f in schemas.EDGES}, schema=schemas.EDGES))
        g = load_graph(ws, duckdb.connect())
        want, ends = _reference_codes(acc_rows, edge_rows, single)
        got = {(i if single else (p, i)): c for c, (p, i) in enumerate(zip(g.platform.tolist(), g.account_id.tolist()))}
        assert got == want
        for k, kind in enumerate(EDGE_KINDS):
            pairs = {ends[j] for j in range(k, len(edge_rows), len(EDGE_KINDS)) if ends[j][0] != ends[j][1]}
            coo = g.mats[kind].tocoo()
            assert set(zip(coo.row.tolist(), coo.col.tolist())) == pairs
