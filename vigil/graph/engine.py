"""Where the graph stage's platform-wide part runs: coding the accounts, the crawl's hops over
the whole edge table, and cutting out the edges and whole-table counts of the crawled accounts.

Everything after that (evidence, roles, scores, communities) works on the bounded scope and is
one code for every engine; vigil.engines.spark.graph gives the same three parts as Spark joins.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from vigil.graph.build import AccountGraph, load_graph
from vigil.graph.expand import Hops, SparseHops
from vigil.graph.features import ScopeDegrees, scope_degrees
from vigil.workspace import Workspace


class GraphEngine(Protocol):
    def load(self, ws: Workspace, con) -> AccountGraph:
        """The coded accounts (and `nodes` registered in `con`); edges as far as the engine holds them."""

    def hops(self, prior: np.ndarray) -> Hops:
        """The crawl's hop over every edge, ranking by `prior` (per code)."""

    def neighbourhood(self, codes: np.ndarray) -> tuple[AccountGraph, ScopeDegrees]:
        """A graph holding at least every edge with an end in `codes`, and their whole-table counts."""

    @property
    def n_edges(self) -> int:
        """Distinct (kind, src, dst) edges of the whole graph."""


class EmbeddedGraph:
    """The whole graph in memory as sparse matrices: its own neighbourhood."""

    def __init__(self):
        self.g: AccountGraph | None = None

    def load(self, ws: Workspace, con) -> AccountGraph:
        self.g = load_graph(ws, con)
        return self.g

    def hops(self, prior: np.ndarray) -> Hops:
        return SparseHops(self.g.undirected(), prior)

    def neighbourhood(self, codes: np.ndarray) -> tuple[AccountGraph, ScopeDegrees]:
        return self.g, scope_degrees(self.g, codes)

    @property
    def n_edges(self) -> int:
        return self.g.n_edges
