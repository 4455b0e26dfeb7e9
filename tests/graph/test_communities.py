"""Leiden on the flagged subgraph: separate rings stay separate, ids are stable."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from vigil.graph.communities import find_communities, leiden


def two_rings(k: int = 6) -> sp.csr_matrix:
    rows, cols = [], []
    for base in (0, k):
        for i in range(k):
            for j in range(k):
                if i != j:
                    rows.append(base + i)
                    cols.append(base + j)
    rows += [0, k]
    cols += [k, 0]  # one bridge
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(2 * k, 2 * k))


def test_two_rings_two_communities():
    labels = leiden(two_rings())
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1
    assert labels[0] != labels[6]


def test_table_counts_roles_per_community_and_skips_unflagged():
    adj = two_rings()
    role = np.array(["seller"] * 4 + ["buyer", "facilitator"] + ["seller"] * 5 + ["none"], dtype=object)
    platform = np.array(["pg"] * 12, dtype=object)
    ev = [{"explicit-vexkin", "builtin:menu"}] * 11 + [{"builtin:menu"}]
    comm, table = find_communities(adj, platform, role, ev)
    assert comm[11] == ""
    rows = {r["community"]: r for r in table.to_pylist()}
    assert len(rows) == 2
    assert sorted((r["sellers"], r["buyers"], r["facilitators"]) for r in rows.values()) == [(4, 1, 1), (5, 0, 0)]
    assert all(r["top_signals"] == "builtin:menu, explicit-vexkin" for r in rows.values())
    # Same input, same ids.
    comm2, _ = find_communities(adj, platform, role, ev)
    assert list(comm) == list(comm2)
