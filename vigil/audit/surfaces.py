"""Per platform and surface: how much more often adjacent viewers are shown flagged accounts.

The formulas are the data contract's (`recommendation_audit.json`); shares are computed from
integer counts in Python so they are bit-for-bit the plain ratio. Every share has a Wilson
interval and every lift a viewer-clustered bootstrap interval (see `intervals`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from vigil import schemas
from vigil.audit import intervals
from vigil.audit.tables import AuditTables
POOLED = "*"  # key under which counts over all platforms are gathered


def _ratio(x: int, n: int) -> float:
    return x / n if n else 0.0


def viewer_counts(tables: AuditTables) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(platform, surface) -> per adjacent viewer (impressions, flagged impressions), for the bootstrap."""
    # Viewers in a fixed order (by id, platforms in order): the bootstrap draws its weights
    # per position, so the interval depends on the order and must not on the engine or threads.
    grouped: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for p, s, _, n, x in tables.viewer_counts():
        nn, xx = grouped.setdefault((p, s), ([], []))
        nn.append(n)
        xx.append(x)
    out = {k: (np.asarray(n, dtype=np.int64), np.asarray(x, dtype=np.int64)) for k, (n, x) in grouped.items()}
    pooled: dict[str, list] = defaultdict(lambda: [[], []])
    for (p, s), (nn, xx) in out.items():
        pooled[s][0].append(nn)
        pooled[s][1].append(xx)
    for s, (nn, xx) in pooled.items():
        out[(POOLED, s)] = (np.concatenate(nn), np.concatenate(xx))
    return out


def surface_metrics(
    n: int, n_adj: int, x_adj: int, x_other: int, base_x: int, base_n: int,
    viewers: tuple[np.ndarray, np.ndarray] | None,
) -> dict:
    """The contract's metrics for one surface, then the intervals and raw counts beside them."""
    adj_share = _ratio(x_adj, n_adj)
    other_share = _ratio(x_other, n - n_adj)
    baseline = _ratio(base_x, base_n)
    lift = adj_share / baseline if baseline else 0.0
    lift_ci = None
    if viewers is not None:
        lift_ci = intervals.clustered_lift(viewers[0], viewers[1], base_x, base_n)
    return {
        "impressions": n,
        "adjacent_impressions": n_adj,
        "adjacent_flagged_share": adj_share,
        "other_flagged_share": other_share,
        "baseline_share": baseline,
        "lift": lift,
        # additions beyond the contract's minimum
        "adjacent_flagged_impressions": x_adj,
        "other_flagged_impressions": x_other,
        "other_impressions": n - n_adj,
        "adjacent_viewers": 0 if viewers is None else int(len(viewers[0])),
        "adjacent_flagged_share_ci": intervals.rounded(intervals.wilson(x_adj, n_adj)),
        "other_flagged_share_ci": intervals.rounded(intervals.wilson(x_other, n - n_adj)),
        "baseline_share_ci": intervals.rounded(intervals.wilson(base_x, base_n)),
        "lift_ci": intervals.rounded(lift_ci, 4),
        "lift_ci_method": _lift_method(viewers) if lift_ci else None,
        "lift_ci_delta": intervals.rounded(intervals.katz_ratio(x_adj, n_adj, base_x, base_n), 4),
        "lift_vs_other": (adj_share / other_share) if other_share else None,
        "lift_vs_other_ci": intervals.rounded(intervals.katz_ratio(x_adj, n_adj, x_other, n - n_adj), 4),
    }


def _lift_method(viewers: tuple[np.ndarray, np.ndarray]) -> str:
    if len(viewers[0]) > intervals.BOOTSTRAP_MAX_VIEWERS:
        return "viewer-clustered delta method (log scale)"
    return "viewer-clustered Poisson bootstrap"


def _surface_order(s: str) -> tuple[int, str]:
    return (schemas.SURFACES.index(s) if s in schemas.SURFACES else len(schemas.SURFACES), s)


def audit_surfaces(tables: AuditTables, accounts: dict[str, tuple[int, int]]) -> tuple[dict, dict]:
    """({platform: {surface: metrics}}, {surface: metrics pooled over platforms})."""
    counts = tables.surface_counts()
    viewers = viewer_counts(tables)
    per_platform: dict[str, dict] = defaultdict(dict)
    pooled_counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(4, dtype=np.int64))
    for platform, surface, n, n_adj, x_adj, x_other in sorted(counts, key=lambda r: (r[0], _surface_order(r[1]))):
        bx, bn = accounts.get(platform, (0, 0))
        per_platform[platform][surface] = surface_metrics(
            n, n_adj, x_adj, x_other, bx, bn, viewers.get((platform, surface))
        )
        pooled_counts[surface] += np.array([n, n_adj, x_adj, x_other], dtype=np.int64)
    tot_x = sum(x for x, _ in accounts.values())
    tot_n = sum(n for _, n in accounts.values())
    pooled = {
        s: surface_metrics(*(int(v) for v in c), tot_x, tot_n, viewers.get((POOLED, s)))
        for s, c in sorted(pooled_counts.items(), key=lambda kv: _surface_order(kv[0]))
    }
    return dict(per_platform), pooled


def query_entries(rows: list[tuple[str, str, int, int, int]], baseline: dict[str, float] | float) -> list[dict]:
    """rows of (surface, query, impressions, flagged impressions, flagged accounts) -> contract entries."""
    if not rows:
        return []
    n = np.array([r[2] for r in rows], dtype=np.int64)
    x = np.array([r[3] for r in rows], dtype=np.int64)
    lo, hi = intervals.wilson_arrays(x, n)
    out = []
    for (surface, query, ni, xi, fa), l, h in zip(rows, lo.round(6).tolist(), hi.round(6).tolist()):
        share = xi / ni
        out.append({
            "surface": surface,
            "query": query,
            "impressions": ni,
            "flagged_share": share,
            "flagged_impressions": xi,
            "flagged_accounts": fa,
            "flagged_share_ci": [l, h],
            "lift": share / baseline if baseline else None,
        })
    return out


def _query_order(q: dict) -> tuple:
    """Most impressions first (the contract); ties by surface, then query, so output is stable."""
    return (-q["impressions"], q["surface"], q["query"])


def audit_queries(tables: AuditTables, accounts: dict[str, tuple[int, int]]) -> tuple[dict, list]:
    """Queries whose results include flagged accounts: ({platform: [..]}, pooled [..])."""
    rows = tables.query_counts()
    per_platform: dict[str, list] = defaultdict(list)
    pooled: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for platform, surface, query, n, x, fa, _ in rows:
        if x > 0:
            per_platform[platform].append((surface, query, n, x, fa))
        acc = pooled[(surface, query)]
        acc[0] += n
        acc[1] += x
        acc[2] += fa
    tot_x = sum(x for x, _ in accounts.values())
    tot_n = sum(n for _, n in accounts.values())
    out = {}
    for platform, lst in per_platform.items():
        bx, bn = accounts.get(platform, (0, 0))
        out[platform] = sorted(query_entries(lst, _ratio(bx, bn)), key=_query_order)
    pooled_rows = [(s, q, n, x, fa) for (s, q), (n, x, fa) in pooled.items() if x > 0]
    pooled_list = sorted(query_entries(pooled_rows, _ratio(tot_x, tot_n)), key=_query_order)
    return out, pooled_list
