"""The Spark crawl and scope cut equal the embedded ones on a small hand-built edge table: a chain
several hops long, a cycle, a hub that many accounts touch, an account the accounts table lacks.
The `spark` fixture is the engine tests' one session (conftest.py)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vigil.graph.engine import EmbeddedGraph
from vigil.graph.expand import expand
from vigil.workspace import Workspace


def _world(root) -> Workspace:
    ws = Workspace(root)
    ids = [f"a{i}" for i in range(12)]
    pq.write_table(pa.table({"platform": ["p"] * len(ids), "account_id": ids}), ws.path("accounts"))
    pairs = [("a0", "a1", "follow"), ("a1", "a2", "like"), ("a2", "a3", "comment"), ("a3", "a4", "message"),  # chain
             ("a4", "a2", "follow"), ("a3", "a2", "follow"),  # cycle back into the chain
             ("a0", "a1", "follow"), ("a1", "a0", "repost"),  # repeated edge, reciprocal tie
             ("a5", "hub", "follow"), ("a6", "hub", "follow"), ("a7", "hub", "follow"), ("a0", "hub", "mention"),
             ("hub", "a8", "follow"), ("a9", "a8", "like"), ("a10", "a11", "follow"), ("a2", "a2", "like")]
    pq.write_table(pa.table({"platform": ["p"] * len(pairs), "src": [s for s, _, _ in pairs],
                             "dst": [d for _, d, _ in pairs], "kind": [k for _, _, k in pairs],
                             "count": pa.array([2, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], pa.int64())}),
                   ws.path("edges"))
    return ws


@pytest.mark.parametrize("max_nodes", [100, 6])
def test_spark_expansion_equals_embedded(spark, tmp_path, max_nodes):
    from vigil.engines.spark.graph import SparkGraph

    ws = _world(tmp_path)
    runs = []
    for engine in (EmbeddedGraph(), SparkGraph(spark)):
        g = engine.load(ws, duckdb.connect())
        prior = np.zeros(g.n)
        prior[[0, 1, 2, 12]] = [2.0, 0.5, 0.5, 0.25]  # own evidence keeps the crawl going (12: the hub)
        start = np.zeros(g.n, dtype=bool)
        start[0] = True
        cr = expand(engine.hops(prior), prior, start, max_nodes=max_nodes, max_hops=4)
        sub, deg = engine.neighbourhood(cr.codes)
        runs.append((g, cr, sub, deg, engine.n_edges))
    (ge, ce, se, de, ne), (gs, cs, ss, ds, ns) = runs
    assert list(ge.account_id) == list(gs.account_id) and "hub" in list(ge.account_id)
    assert len(ce.codes) > 4 and (ce.truncated or ce.hop.max() >= 3), "the crawl did not go several hops"
    assert ce.codes.tolist() == cs.codes.tolist() and ce.hop.tolist() == cs.hop.tolist()
    assert ce.priority.tolist() == cs.priority.tolist() and ce.truncated == cs.truncated
    assert ne == ns
    for k in ge.mats:  # every edge touching the scope, as the embedded matrices hold it
        a, b = ge.out(k)[ce.codes], ss.out(k)[ce.codes]
        assert (a != b).nnz == 0, k
        a, b = ge.inc(k)[ce.codes], ss.inc(k)[ce.codes]
        assert (a != b).nnz == 0, k
    for f in ("follows", "dealings", "reposts"):
        assert getattr(de, f).dtype == getattr(ds, f).dtype and getattr(de, f).tolist() == getattr(ds, f).tolist(), f
