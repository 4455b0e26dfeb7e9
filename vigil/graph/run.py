"""The graph stage: from the workspace's edges and evidence tables to `scores` and `communities`."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa

from vigil import progress, schemas
from vigil.graph import model as model_mod
from vigil.graph.build import node_table
from vigil.graph.communities import find_communities
from vigil.graph.engine import EmbeddedGraph, GraphEngine
from vigil.graph.evidence import load_evidence, profile_declares_safety_role, signal_ids
from vigil.graph.expand import DEFAULT_MAX_HOPS, DEFAULT_MAX_NODES, expand
from vigil.graph.roles import FEATURES, assign_roles
from vigil.workspace import Workspace

# Start the crawl at accounts whose own evidence already marks them; weights rank the start set
# when the budget is smaller than it (a seed or a hash match before a single explicit term).
START_WEIGHTS = {"seed": 8.0, "media": 6.0, "explicit": 2.0, "age_minor": 0.5, "other": 1.0}
# Weak evidence of one's own (request language, sale terms) lifts a neighbour's crawl priority.
WEAK_WEIGHTS = {"request": 0.5, "sale": 0.25, "contact": 0.25, "payment": 0.25}



def run_graph(ws: Workspace, *, score_all: bool = False, max_nodes: int = DEFAULT_MAX_NODES,
              max_hops: int = DEFAULT_MAX_HOPS, model: dict | None = None,
              engine: GraphEngine | None = None) -> dict:
    """Expand from the evidence, assign roles and scores, find communities; write `graph_scope`,
    `scores`, `communities` and `graph_features`. Returns stats for the run summary.

    `model` is the refitted scorer to apply; None means the workspace's own copy, if any (the
    environment is read by the entry points, never here, so two engines score alike). `engine`
    runs the platform-wide part (vigil.graph.engine; None: embedded)."""
    engine = engine if engine is not None else EmbeddedGraph()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    con = ws.connect()
    with progress.task("graph: build", total=None):
        nodes = engine.load(ws, con)
        ev = load_evidence(con, nodes)
    timings["build_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    prior = _prior(ev)
    start = start_set(ev)
    if score_all:
        codes = np.arange(nodes.n)
        hop, crawl_priority = None, None
        n_start, truncated = int(start.sum()), False
    else:
        cr = expand(engine.hops(prior), prior, start, max_nodes=max_nodes, max_hops=max_hops)
        codes, hop, crawl_priority, n_start, truncated = cr.codes, cr.hop, cr.priority, cr.n_start, cr.truncated
    g, degrees = engine.neighbourhood(codes)
    adj_local = g.undirected()[codes][:, codes].tocsr()
    timings["expand_s"] = time.perf_counter() - t

    t = time.perf_counter()
    res = assign_roles(g, ev, codes, adj_local=adj_local, degrees=degrees,
                       safety_role=lambda c: profile_declares_safety_role(con, g, c))
    if model is None:
        model = model_mod.load_model(ws, environ=False)
    if model is not None:
        model_mod.apply_model(model, res)
    timings["roles_s"] = time.perf_counter() - t

    t = time.perf_counter()
    used = signal_ids(con, codes[res.role != "none"])
    comm, comm_table = find_communities(adj_local, g.platform[codes], res.role,
                                        [used.get(int(c), set()) for c in codes])
    timings["communities_s"] = time.perf_counter() - t

    keys = node_table(g, codes)
    ws.write("graph_scope", pa.table({
        "platform": keys["platform"], "account_id": keys["account_id"],
        "hop": pa.array(hop, pa.int32()) if hop is not None else pa.nulls(len(codes), pa.int32()),
        "priority": pa.array(crawl_priority, pa.float64()) if hop is not None else pa.nulls(len(codes), pa.float64()),
    }, schema=schemas.GRAPH_SCOPE))
    backup_ids = [g.account_id[b] if b >= 0 else None for b in res.backup_of.tolist()]
    scores = pa.table({
        "platform": keys["platform"], "account_id": keys["account_id"],
        "score": pa.array(np.round(res.score, 6), pa.float64()),
        "role": pa.array(res.role.tolist(), pa.string()),
        "community": pa.array([c or None for c in comm.tolist()], pa.string()),
        "reasons": pa.array(res.reasons, pa.string()),
        "backup_of": pa.array(backup_ids, pa.string()),
    }, schema=schemas.SCORES)
    order = np.lexsort((scores["account_id"].to_numpy(zero_copy_only=False),
                        -scores["score"].to_numpy()))
    ws.write("scores", scores.take(order))
    ws.write("communities", comm_table)
    feat = {"platform": keys["platform"], "account_id": keys["account_id"]}
    feat.update({f: pa.array(res.features[f], pa.float64()) for f in FEATURES})
    feat["rule_role"] = pa.array((res.rule_role if res.rule_role is not None else res.role).tolist(), pa.string())
    ws.write("graph_features", pa.table(feat))

    roles, counts = np.unique(res.role, return_counts=True)
    stats = {
        "accounts_in_graph": g.n, "edges": engine.n_edges, "start_accounts": n_start,
        "scored": len(codes), "expansion_truncated": truncated, "score_all": score_all,
        "roles": {str(r): int(c) for r, c in zip(roles, counts)},
        "communities": comm_table.num_rows,
        "model": (model or {}).get("kind", "rules"),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return stats


def start_set(ev) -> np.ndarray:
    """Accounts whose own evidence is enough to look around them: seeds, hash matches, explicit
    terms, a minor age next to sale terms, backup announcements. A bare age statement is not
    (a twentieth of a platform's users state one)."""
    s = ev.sig
    minor_sale = (s["age_minor"] > 0) & (s["sale"] > 0)
    start = ev.seed | (ev.media > 0) | (s["explicit"] > 0) | minor_sale | (s["other"] > 0)
    start = start & ~((s["warn"] > 0) & (s["explicit"] + s["sale"] + s["age_minor"] == 0) & ~ev.seed)
    start[ev.backup_dst] = True  # accounts a seller named as its backup, edges or not
    return start


def _prior(ev) -> np.ndarray:
    p = START_WEIGHTS["seed"] * ev.seed + START_WEIGHTS["media"] * np.minimum(ev.media, 3)
    for k in ("explicit", "age_minor", "other"):
        p = p + START_WEIGHTS[k] * np.log1p(ev.sig[k])
    for k, w in WEAK_WEIGHTS.items():
        p = p + w * np.log1p(ev.sig[k])
    return p - 1.0 * np.log1p(ev.sig["warn"])
