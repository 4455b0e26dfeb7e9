"""Communities of the flagged network (Leiden), with a summary a reviewer can scan.

Communities are found on the subgraph of flagged accounts only (sellers, buyers, facilitators
and the edges among them): the question is which rings exist, not how the whole platform
clusters. Leiden (igraph, modularity, fixed seed) guarantees connected communities, and the same
input gives the same ids.
"""

from __future__ import annotations

import random
from collections import Counter

import igraph as ig
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from vigil import schemas

COMMUNITIES = schemas.COMMUNITIES
LEIDEN_SEED = 7
LEIDEN_ITERATIONS = 10


def leiden(adj: sp.csr_matrix) -> np.ndarray:
    """Community label per node of a symmetric weighted adjacency (isolated nodes: singletons)."""
    m = adj.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    up = sp.triu(adj, k=1).tocoo()
    graph = ig.Graph(n=m, edges=np.column_stack([up.row, up.col]).tolist(), directed=False)
    rng = random.Random(LEIDEN_SEED)
    ig.set_random_number_generator(rng)
    try:
        part = graph.community_leiden(objective_function="modularity", weights=up.data.astype(float).tolist(),
                                      n_iterations=LEIDEN_ITERATIONS)
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(part.membership, dtype=np.int64)


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}" + ("" if k == 1 else "s")


def find_communities(adj_local: sp.csr_matrix, platform: np.ndarray, role: np.ndarray,
                     signals: list[set[str]]):
    """Community id per crawled account ('' for none) and the `communities` table."""
    m = len(role)
    flagged = np.flatnonzero(role != "none")
    comm = np.full(m, "", dtype=object)
    if not len(flagged):
        return comm, COMMUNITIES.empty_table()
    sub = adj_local[flagged][:, flagged]
    labels = leiden(sub)
    rows = []
    groups: dict[tuple[str, int], list[int]] = {}
    for i, lab in zip(flagged.tolist(), labels.tolist()):
        groups.setdefault((platform[i], lab), []).append(i)
    # Largest first, ids stable for the same input.
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]), min(kv[1])))
    per_platform: Counter = Counter()
    for (plat, _), members in ordered:
        per_platform[plat] += 1
        cid = f"{plat}:c{per_platform[plat]}"
        comm[members] = cid
        roles = Counter(role[members].tolist())
        sig = Counter()
        for i in members:
            sig.update(signals[i])  # members using each signal, not hits: one loud account is not a trend
        top = ", ".join(t for t, _ in sorted(sig.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
        rows.append({
            "community": cid, "platform": plat, "size": len(members),
            "sellers": roles.get("seller", 0), "buyers": roles.get("buyer", 0),
            "facilitators": roles.get("facilitator", 0), "top_signals": top,
            "summary": (f"{_n(len(members), 'account')}: {_n(roles.get('seller', 0), 'seller')}, "
                        f"{_n(roles.get('buyer', 0), 'buyer')}, {_n(roles.get('facilitator', 0), 'facilitator')}"
                        + (f"; top signals {top}" if top else "")),
        })
    return comm, pa.Table.from_pylist(rows, schema=COMMUNITIES)
