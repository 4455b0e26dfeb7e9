"""The focused crawl: bounded by budget and hops, best evidence first."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from vigil.graph.expand import crawl


def sym(n, pairs):
    r = [a for a, b in pairs] + [b for a, b in pairs]
    c = [b for a, b in pairs] + [a for a, b in pairs]
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))


def test_hops_limit_the_reach_of_a_chain():
    n = 10
    adj = sym(n, [(i, i + 1) for i in range(n - 1)])
    start = np.zeros(n, dtype=bool)
    start[0] = True
    prior = np.ones(n)  # every account relevant: only the hop limit stops the crawl
    c = crawl(adj, prior, start, max_nodes=100, max_hops=2)
    assert sorted(c.codes.tolist()) == [0, 1, 2]
    assert c.hop.tolist() == [0, 1, 2]
    assert c.n_start == 1 and not c.truncated


def test_crawl_goes_on_only_through_relevant_accounts():
    # 0 is a suspect; 1 is an ordinary account it follows (one suspect tie, no evidence of its
    # own): the crawl reaches 1 but does not continue through it to 2.
    n = 4
    adj = sym(n, [(0, 1), (1, 2), (2, 3)])
    start = np.array([True, False, False, False])
    c = crawl(adj, np.zeros(n), start, max_nodes=100, max_hops=3)
    assert sorted(c.codes.tolist()) == [0, 1]
    prior = np.array([0.0, 1.0, 0.0, 0.0])  # 1 has evidence of its own: go on through it
    c = crawl(adj, prior, start, max_nodes=100, max_hops=2)
    assert sorted(c.codes.tolist()) == [0, 1, 2]


def test_budget_keeps_the_best_supported_neighbours():
    # 0 and 1 are suspects; 2 touches both, 3..9 touch only 0; 10 is unreachable.
    n = 11
    adj = sym(n, [(0, 2), (1, 2)] + [(0, k) for k in range(3, 10)])
    start = np.zeros(n, dtype=bool)
    start[[0, 1]] = True
    prior = np.zeros(n)
    prior[5] = 3.0  # own evidence lifts 5 above its peers
    c = crawl(adj, prior, start, max_nodes=4, max_hops=2)
    assert len(c.codes) == 4 and c.truncated
    assert set(c.codes[:2].tolist()) == {0, 1}
    assert c.codes[2:].tolist() == [5, 2]
    assert 10 not in c.codes


def test_start_set_larger_than_budget_is_ranked_by_evidence():
    n = 6
    adj = sym(n, [(0, 1)])
    start = np.ones(n, dtype=bool)
    prior = np.arange(n, dtype=float)
    c = crawl(adj, prior, start, max_nodes=3)
    assert c.codes.tolist() == [5, 4, 3] and c.truncated


def test_score_all_and_budget_in_run_graph(tmp_path):
    from tests.graph import world
    from vigil.graph import run_graph
    from vigil.workspace import Workspace

    ws = world.build(Workspace(tmp_path))
    small = run_graph(ws, max_nodes=5)
    assert small["scored"] == 5 and small["expansion_truncated"]
    everything = run_graph(ws, score_all=True)
    assert everything["scored"] == everything["accounts_in_graph"] == ws.rows("accounts")
