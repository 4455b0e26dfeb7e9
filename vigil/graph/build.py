"""The account graph, as integer-coded sparse matrices built straight from the `edges` table.

Ids become dense integer codes through an Arrow hash dictionary (no Python loop over rows), and each
edge kind becomes one CSR matrix (src x dst, weight = interaction count). Every later step is a
sparse product or a slice over these arrays, which is what a graph library does inside and what
a Spark port would do with joins and group-bys. Platforms never share an edge, so one coded graph
holds every platform's graph side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import scipy.sparse as sp

from vigil import schemas
from vigil.workspace import Workspace

EDGE_KINDS = schemas.EDGE_KINDS
KEY_SEP = "\x1f"  # joins platform and id into one hashable key; never inside an id


@dataclass
class AccountGraph:
    """Coded nodes and one src x dst matrix per edge kind."""

    platform: np.ndarray  # object array of platform names per code
    account_id: np.ndarray  # object array of account ids per code
    mats: dict[str, sp.csr_matrix] = field(default_factory=dict)
    _t: dict[str, sp.csr_matrix] = field(default_factory=dict)
    _und: sp.csr_matrix | None = None

    @property
    def n(self) -> int:
        return len(self.account_id)

    @property
    def n_edges(self) -> int:
        return int(sum(m.nnz for m in self.mats.values()))

    def out(self, kind: str) -> sp.csr_matrix:
        return self.mats[kind]

    def inc(self, kind: str) -> sp.csr_matrix:
        """dst x src: who acts on each account (cached transpose)."""
        if kind not in self._t:
            self._t[kind] = self.mats[kind].T.tocsr()
        return self._t[kind]

    def undirected(self, kinds: tuple[str, ...] = EDGE_KINDS, binary: bool = True) -> sp.csr_matrix:
        """Symmetric adjacency over the given kinds (any interaction links two accounts); the
        default (every kind, binary) is built once."""
        default = tuple(kinds) == EDGE_KINDS and binary
        if default and self._und is not None:
            return self._und
        a = sum((self.mats[k] for k in kinds), sp.csr_matrix((self.n, self.n), dtype=np.float32))
        a = (a + a.T).tocsr()
        if binary:
            a.data[:] = 1.0
        if default:
            self._und = a
        return a


def _key(platform: pa.ChunkedArray, ids: pa.ChunkedArray, single: bool) -> pa.ChunkedArray:
    """One string per account: the id alone when the export has one platform, else platform+id."""
    if single:
        return ids.cast(pa.string())
    return pc.binary_join_element_wise(platform.cast(pa.string()), ids.cast(pa.string()), KEY_SEP)


def read_accounts(ws: Workspace) -> pa.Table:
    """The accounts table's key columns: the node universe (edge endpoints it lacks are appended)."""
    if ws.has("accounts"):
        return pq.read_table(ws.path("accounts"), columns=["platform", "account_id"])
    return pa.table({"platform": pa.array([], pa.string()), "account_id": pa.array([], pa.string())})


def single_platform(acc: pa.Table, edge_platforms: set) -> tuple[bool, set]:
    """Whether the export holds one platform (ids alone are then the keys), and its platforms."""
    plats = set(pc.unique(acc["platform"]).to_pylist()) | set(edge_platforms)
    plats.discard(None)
    return len(plats) <= 1, plats


def account_keys(acc: pa.Table, single: bool) -> pa.Array:
    """One key per account, in the accounts table's order (a repeated account once): codes 0..n-1."""
    ka = _key(acc["platform"], acc["account_id"], single)
    return pc.unique(ka.combine_chunks()) if pc.count_distinct(ka).as_py() < len(ka) else ka.combine_chunks()


def coded_nodes(con, acc_keys: pa.Array, extra: pa.Array, single: bool, plats: set) -> AccountGraph:
    """The graph's nodes (accounts, then the `extra` edge endpoints), no edges yet; registers
    `nodes(platform, account_id, code)` in `con` for the joins of the later steps."""
    keys = pa.concat_arrays([acc_keys.cast(pa.string()), extra]) if len(extra) else acc_keys.cast(pa.string())
    if single:
        only = next(iter(plats)) if plats else ""
        platform = np.full(len(keys), only, dtype=object)
        account_id = keys.to_numpy(zero_copy_only=False).astype(object)
    else:
        split = pc.split_pattern(keys, KEY_SEP, max_splits=1)
        platform = pc.list_element(split, 0).to_numpy(zero_copy_only=False).astype(object)
        account_id = pc.list_element(split, 1).to_numpy(zero_copy_only=False).astype(object)
    g = AccountGraph(platform=platform, account_id=account_id)
    con.register("_graph_nodes", pa.table({"platform": pa.array(platform, pa.string()),
                                           "account_id": keys if single else pc.list_element(split, 1),
                                           "code": pa.array(np.arange(len(keys), dtype=np.int32))}))
    con.execute("CREATE OR REPLACE TEMP TABLE nodes AS SELECT * FROM _graph_nodes")
    con.unregister("_graph_nodes")
    n = g.n
    empty = sp.csr_matrix((n, n), dtype=np.float32)
    g.mats = {k: empty for k in EDGE_KINDS}
    return g


def edge_matrices(n: int, kind: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> dict[str, sp.csr_matrix]:
    """One src x dst matrix per kind (index into EDGE_KINDS) from valid coded edges."""
    mats = {}
    for i, k in enumerate(EDGE_KINDS):
        m = kind == i
        mats[k] = (sp.csr_matrix((w[m], (src[m], dst[m])), shape=(n, n), dtype=np.float32) if m.any()
                   else sp.csr_matrix((n, n), dtype=np.float32))
    return mats


def load_graph(ws: Workspace, con) -> AccountGraph:
    """Code the accounts (Arrow hash dictionary: accounts first, then unknown edge endpoints) and
    build one sparse matrix per edge kind; also registers `nodes(platform, account_id, code)` in
    `con` for the joins of the later steps."""
    acc = read_accounts(ws)
    edges = (pq.read_table(ws.path("edges"), columns=["platform", "src", "dst", "kind", "count"],
                           read_dictionary=["platform", "kind"]) if ws.has("edges") else None)
    single, plats = single_platform(acc, set() if edges is None else
                                    set(pc.unique(edges["platform"].cast(pa.string())).to_pylist()))
    acc_keys = account_keys(acc, single)
    src = dst = ks = kd = None
    extra = pa.array([], pa.string())
    if edges is not None:
        ks = _key(edges["platform"], edges["src"], single)
        kd = _key(edges["platform"], edges["dst"], single)
        src = pc.index_in(ks, value_set=acc_keys)
        dst = pc.index_in(kd, value_set=acc_keys)
        if src.null_count or dst.null_count:
            miss = pa.chunked_array(ks.filter(pc.is_null(src)).chunks + kd.filter(pc.is_null(dst)).chunks,
                                    type=pa.string())
            extra = pc.unique(miss.combine_chunks() if miss.num_chunks else pa.array([], pa.string()))
            extra = extra.filter(pc.is_valid(extra))
    g = coded_nodes(con, acc_keys, extra, single, plats)
    n = g.n
    if edges is None or n == 0 or edges.num_rows == 0:  # an export without edges is a graph without edges
        return g
    src, dst = _codes(src, ks, extra, len(acc_keys)), _codes(dst, kd, extra, len(acc_keys))
    kind = pc.fill_null(pc.index_in(edges["kind"].cast(pa.string()), value_set=pa.array(EDGE_KINDS)), -1)
    kind = kind.to_numpy().astype(np.int8) if isinstance(kind, pa.Array) else \
        np.concatenate([c.to_numpy() for c in kind.chunks]).astype(np.int8)
    cnt = pc.fill_null(edges["count"], 1)
    w = np.maximum(np.concatenate([c.to_numpy(zero_copy_only=False) for c in cnt.chunks]).astype(np.float32), 1.0) \
        if cnt.num_chunks else np.zeros(0, np.float32)
    valid = (src >= 0) & (dst >= 0) & (kind >= 0) & (src != dst)
    g.mats = edge_matrices(n, kind[valid], src[valid], dst[valid], w[valid])
    return g


def _codes(idx: pa.ChunkedArray, keys: pa.ChunkedArray, extra: pa.Array, offset: int) -> np.ndarray:
    """Node codes of edge endpoints: account position, or offset + position among the extras."""
    if idx.null_count and len(extra):
        more = pc.add(pc.index_in(keys, value_set=extra), offset)
        idx = pc.coalesce(idx, more)
    idx = pc.fill_null(idx, -1)
    return np.concatenate([c.to_numpy() for c in idx.chunks]).astype(np.int64) if idx.num_chunks else \
        np.zeros(0, np.int64)


def codes_for(con, table_sql: str) -> np.ndarray:
    """Codes of the (platform, account_id) rows of a query, unknown accounts dropped."""
    res = con.sql(
        f"SELECT n.code FROM ({table_sql}) q JOIN nodes n ON n.platform = q.platform AND n.account_id = q.account_id"
    ).fetchnumpy()
    return np.asarray(res["code"], dtype=np.int64)


def _has_view(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0])


def node_table(g: AccountGraph, codes: np.ndarray) -> pa.Table:
    return pa.table({"platform": pa.array(g.platform[codes].tolist(), pa.string()),
                     "account_id": pa.array(g.account_id[codes].tolist(), pa.string())})
