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
