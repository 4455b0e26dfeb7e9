"""Exposure paths: how many recommendation steps take an ordinary viewer to a flagged account.

A walk starts at a viewer who follows no flagged account. Step 1 is one of that viewer's own
logged impressions. From an account A, the next step is what the logs show to *people who follow
A* (a random logged follower of A, then one of that follower's impressions): "viewers of one
seller were suggested the next". When A has no logged followers but was itself a logged viewer,
its own impressions are used; otherwise the walk ends (dead end). The result is a distribution of
steps to the first flagged account, not a single number, per platform and surface.

Everything runs on integer arrays (CSR offsets), vectorised across walks, so a million-account
export costs a few array passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.audit import intervals
from vigil.audit.tables import AuditTables

MAX_STEPS = 8  # beyond this a path is not a practical "rabbit hole"; walks stop and count as not reached
START_VIEWERS = 2000  # non-adjacent viewers sampled per platform (enough for a +-2% share at 95%)
WALKS_PER_VIEWER = 5  # several walks from one viewer average over its random choices
EXAMPLE_PATHS = 5
WALK_SEED = 7
ALL = "all"


@dataclass
class SuggestionGraph:
    """Integer form of the logged suggestions of every platform; nodes are `acct_idx` ids."""

    node_platform: np.ndarray  # node -> platform code
    node_flagged: np.ndarray  # node -> bool
    node_adjacent: np.ndarray  # node -> bool (follows a flagged account)
    imp_viewer: np.ndarray  # impression -> viewer node (sorted)
    imp_item: np.ndarray  # impression -> node of the item's account (-1 unresolved)
    imp_surface: np.ndarray  # impression -> surface code
    fol_node: np.ndarray  # follow edge -> followed node (sorted)
    fol_viewer: np.ndarray  # follow edge -> following (logged viewer) node
    platforms: list[str]
    surfaces: list[str]


def load_graph(tables: AuditTables) -> SuggestionGraph:
    """Flat integer arrays of the engine's walk tables."""
    platforms, surfaces, nodes, imps, follows = tables.walk_tables()
    return SuggestionGraph(
        node_platform=nodes.column("p").to_numpy().astype(np.int32),
        node_flagged=nodes.column("flagged").to_numpy(zero_copy_only=False).astype(bool),
        node_adjacent=nodes.column("adjacent").to_numpy(zero_copy_only=False).astype(bool),
        imp_viewer=imps.column("v").to_numpy().astype(np.int64),
        imp_item=imps.column("a").to_numpy().astype(np.int64),
        imp_surface=imps.column("s").to_numpy().astype(np.int32),
        fol_node=follows.column("dst").to_numpy().astype(np.int64),
        fol_viewer=follows.column("src").to_numpy().astype(np.int64),
        platforms=platforms,
        surfaces=surfaces,
    )


def _csr(keys: np.ndarray, size: int) -> np.ndarray:
    """Offsets of a key-sorted array: rows of key k are offsets[k]:offsets[k+1]."""
    off = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=size), out=off[1:])
    return off


def _pick(offsets: np.ndarray, owners: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random row index per owner (owners must have >= 1 row)."""
    lo, hi = offsets[owners], offsets[owners + 1]
    return lo + (rng.random(len(owners)) * (hi - lo)).astype(np.int64)


def walk(g: SuggestionGraph, surface_code: int | None, seed: int = WALK_SEED) -> dict[int, dict]:
    """Walks restricted to one surface (or all when None); per platform code, the step histogram."""
    rng = np.random.default_rng(seed)
    n_nodes = len(g.node_flagged)
    keep = np.ones(len(g.imp_viewer), bool) if surface_code is None else g.imp_surface == surface_code
    keep &= g.imp_item >= 0
    iv, ii = g.imp_viewer[keep], g.imp_item[keep]  # still sorted by viewer
    ioff = _csr(iv, n_nodes)
    has_imp = np.diff(ioff) > 0
    fmask = has_imp[g.fol_viewer]  # a follower only helps if it saw something on this surface
    fn, fv = g.fol_node[fmask], g.fol_viewer[fmask]
    foff = _csr(fn, n_nodes)
    has_fol = np.diff(foff) > 0

    out: dict[int, dict] = {}
    for pc in range(len(g.platforms)):
        starts_pool = np.flatnonzero(has_imp & ~g.node_adjacent & (g.node_platform == pc))
        if starts_pool.size == 0:
            continue
        starts = rng.choice(starts_pool, size=min(START_VIEWERS, starts_pool.size), replace=False)
        viewer = np.repeat(starts, WALKS_PER_VIEWER)  # whose impressions the next step draws from
        n = viewer.size
        hit_step = np.zeros(n, dtype=np.int64)
        dead = np.zeros(n, bool)
        path = np.full((n, MAX_STEPS + 1), -1, dtype=np.int64)
        path[:, 0] = viewer
        active = np.ones(n, bool)
        for step in range(1, MAX_STEPS + 1):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            nxt = ii[_pick(ioff, viewer[idx], rng)]
            path[idx, step] = nxt
            hit = g.node_flagged[nxt]
            hit_step[idx[hit]] = step
            active[idx[hit]] = False
            go, at = idx[~hit], nxt[~hit]
            # next: what a logged follower of the account reached is shown, else the account's own
            nv = np.where(has_imp[at], at, -1)
            via_fol = has_fol[at]
            if via_fol.any():
                nv[via_fol] = fv[_pick(foff, at[via_fol], rng)]
            ok = nv >= 0
            dead[go[~ok]] = True
            active[go[~ok]] = False
            viewer[go[ok]] = nv[ok]
        out[pc] = _summarise(hit_step, dead, path)
    return out


def _summarise(hit_step: np.ndarray, dead: np.ndarray, path: np.ndarray) -> dict:
    n = len(hit_step)
    reached = hit_step > 0
    hist = np.bincount(hit_step[reached], minlength=MAX_STEPS + 1)[1:]
    cum = np.cumsum(hist)
    examples: list[list[int]] = []
    for i in np.flatnonzero(reached)[np.argsort(hit_step[reached], kind="stable")]:
        example = [int(a) for a in path[i, : hit_step[i] + 1]]
        if example not in examples:  # distinct paths, shortest first
            examples.append(example)
        if len(examples) == EXAMPLE_PATHS:
            break
    r = int(reached.sum())
    return {
        "walks": int(n),
        "start_viewers": int(n // WALKS_PER_VIEWER),
        "max_steps": MAX_STEPS,
        "reached": r,
        "reached_share": r / n if n else 0.0,
        "reached_share_ci": intervals.rounded(intervals.wilson(r, n)),
        "dead_end": int(dead.sum()),
        "not_reached_within_max": int(n - r - dead.sum()),
        "steps_histogram": {str(k + 1): int(c) for k, c in enumerate(hist)},
        "reached_within": {str(k + 1): (int(c) / n if n else 0.0) for k, c in enumerate(cum)},
        "median_steps": float(np.median(hit_step[reached])) if r else None,
        "mean_steps": float(hit_step[reached].mean()) if r else None,
        "example_paths": examples,
    }


def exposure_paths(tables: AuditTables) -> dict[str, dict[str, dict]]:
    """{platform: {"all" | surface: walk summary}}; example paths as account ids."""
    g = load_graph(tables)
    result: dict[str, dict[str, dict]] = {p: {} for p in g.platforms}
    for label, code in [(ALL, None)] + [(s, i) for i, s in enumerate(g.surfaces)]:
        for pc, summary in walk(g, code).items():
            result[g.platforms[pc]][label] = summary
    _name_example_nodes(tables, result)
    return {p: v for p, v in result.items() if v}


def _name_example_nodes(tables: AuditTables, result: dict[str, dict[str, dict]]) -> None:
    wanted = sorted({a for by in result.values() for v in by.values() for p in v["example_paths"] for a in p})
    if not wanted:
        return
    names = tables.account_names(wanted)
    for by in result.values():
        for v in by.values():
            v["example_paths"] = [[names[a] for a in p] for p in v["example_paths"]]
