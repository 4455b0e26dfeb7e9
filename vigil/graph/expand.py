"""Bounded, prioritised expansion from what is already suspected: a focused crawl.

A platform export can hold millions of accounts; reviewers need the few thousand around the
evidence. The crawl starts at seeds, hash matches and accounts whose own text advertises, then
takes neighbours hop by hop in order of the evidence that reaches them (the sum over their
suspected neighbours, plus their own), until a node budget or the hop limit is met; like a
focused web crawler it only follows links out of pages that proved relevant. It is level-
synchronous (one sparse product per hop, or one join and group-by on Spark) rather than a Python
priority queue, so its cost is a few passes over the edges whatever the budget.

The hop itself is an engine's (`Hops.step`: a sparse product here, joins in
vigil.engines.spark.graph); the loop around it, which decides who is crawled further, is one code.
Evidence passed on is summed as integers (fixed point, EVIDENCE_SCALE), so a sum is the same in
any order and both engines rank the same accounts the same way; ties go to the lower code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

# Buyers, facilitators and backup accounts sit one hop from a seller; a second hop reaches the
# sellers whose own text the lexicon missed, through the buyers and promoters they share.
DEFAULT_MAX_HOPS = 2
# Enough for every account around a few thousand sellers (their fans, buyers, promoters) while a
# 1M-account export is never scored whole by accident.
DEFAULT_MAX_NODES = 250_000
# Evidence passed on per hop: a neighbour of a neighbour counts for a quarter.
HOP_DECAY = 0.5
# A reached account is crawled further only when it is itself relevant: its own evidence, or at
# least two suspect neighbours making up a real share of its ties. A popular account that three
# sellers happen to follow is not (its ten thousand other followers would flood the crawl).
RELEVANT_MIN_SUSPECTS = 2
RELEVANT_MIN_SHARE = 0.1
# Fixed point for the evidence passed on: 2^30 steps per unit (a billionth), while a hub's sum over
# a million neighbours of weight ~50 stays far inside int64.
EVIDENCE_SCALE = float(2 ** 30)


@dataclass
class Crawl:
    codes: np.ndarray  # node codes in crawl order (highest priority first)
    hop: np.ndarray  # hop at which each was reached (0 = start set)
    priority: np.ndarray
    n_start: int
    truncated: bool


@dataclass
class Reached:
    """One hop's unvisited accounts, best first (priority descending, then code), at most the budget."""

    codes: np.ndarray
    reach: np.ndarray  # int64: the evidence reaching each (EVIDENCE_SCALE fixed point)
    suspects: np.ndarray  # frontier accounts among its neighbours
    degree: np.ndarray  # all its neighbours
    priority: np.ndarray  # reach / EVIDENCE_SCALE + its own prior
    more: bool  # more accounts were reached than the budget kept


class Hops(Protocol):
    def step(self, frontier: np.ndarray, weight: np.ndarray, visited: np.ndarray, budget: int) -> Reached:
        """Accounts next to the `frontier` codes (passing on `weight`, int64 each), `visited` left out."""


def quantise(x: np.ndarray) -> np.ndarray:
    """Evidence as EVIDENCE_SCALE fixed point: integer sums are exact in any order."""
    return np.floor(np.asarray(x, dtype=np.float64) * EVIDENCE_SCALE + 0.5).astype(np.int64)


def priority(reach: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """A reached account's rank: the evidence reaching it plus its own (both engines: this sum)."""
    return reach.astype(np.float64) / EVIDENCE_SCALE + prior


def best_first(codes: np.ndarray, pr: np.ndarray) -> np.ndarray:
    """Order of `codes` by priority descending, lower code first among equals."""
    return np.lexsort((codes, -pr))


class SparseHops:
    """A hop as sparse products over the symmetric adjacency (any tie counts once)."""

    def __init__(self, adj: sp.csr_matrix, prior: np.ndarray):
        a = adj.tocsr().astype(bool).astype(np.int64)
        a.eliminate_zeros()
        self.adj, self.prior = a, prior
        self.degree = np.diff(a.indptr)

    def step(self, frontier: np.ndarray, weight: np.ndarray, visited: np.ndarray, budget: int) -> Reached:
        n = self.adj.shape[0]
        w = np.zeros(n, dtype=np.int64)
        w[frontier] = weight
        is_front = np.zeros(n, dtype=np.int64)
        is_front[frontier] = 1
        reach = self.adj @ w
        reach[visited] = 0
        cand = np.flatnonzero(reach > 0)
        pr = priority(reach[cand], self.prior[cand])
        keep = best_first(cand, pr)[:budget]
        cand = cand[keep]
        return Reached(codes=cand, reach=reach[cand], suspects=(self.adj @ is_front)[cand],
                       degree=self.degree[cand], priority=pr[keep], more=len(pr) > budget)


def crawl(adj: sp.csr_matrix, prior: np.ndarray, start: np.ndarray, *,
          max_nodes: int = DEFAULT_MAX_NODES, max_hops: int = DEFAULT_MAX_HOPS) -> Crawl:
    """Expand from the `start` mask over the symmetric `adj`, best evidence first, within budget."""
    return expand(SparseHops(adj, prior), prior, start, max_nodes=max_nodes, max_hops=max_hops)


def expand(hops: Hops, prior: np.ndarray, start: np.ndarray, *,
           max_nodes: int = DEFAULT_MAX_NODES, max_hops: int = DEFAULT_MAX_HOPS) -> Crawl:
    """Expand from the `start` mask hop by hop (each hop an engine's `hops.step`), within budget."""
    if max_nodes <= 0:
        raise ValueError("max_nodes must be positive")
    start_codes = np.flatnonzero(start)
    order = np.argsort(-prior[start_codes], kind="stable")
    start_codes = start_codes[order][:max_nodes]
    truncated = bool(start.sum() > len(start_codes))
    codes, hop_of, prios = [start_codes], [np.zeros(len(start_codes), dtype=np.int16)], [prior[start_codes]]
    frontier, weight = start_codes, quantise(1.0 + prior[start_codes])
    budget = max_nodes - len(start_codes)
    for hop in range(1, max_hops + 1):
        if budget <= 0 or not weight.any():
            truncated = truncated or budget <= 0
            break
        r = hops.step(frontier, weight, np.concatenate(codes), budget)
        if not len(r.codes):
            break
        truncated = truncated or r.more
        codes.append(r.codes)
        hop_of.append(np.full(len(r.codes), hop, dtype=np.int16))
        prios.append(r.priority)
        budget -= len(r.codes)
        relevant = (prior[r.codes] > 0) | ((r.suspects >= RELEVANT_MIN_SUSPECTS)
                                           & (r.suspects >= RELEVANT_MIN_SHARE * r.degree))
        reach = r.reach.astype(np.float64) / EVIDENCE_SCALE
        frontier = r.codes[relevant]
        weight = quantise(HOP_DECAY * reach[relevant] / max(reach.max(), 1e-12) * (1.0 + prior[frontier]))
    return Crawl(codes=np.concatenate(codes), hop=np.concatenate(hop_of), priority=np.concatenate(prios),
                 n_start=len(start_codes), truncated=truncated)
