"""The audit stage: contract metrics, intervals, exposure paths and mitigations in one pass."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from vigil import progress
from vigil.audit import exposure, impressions, mitigations, surfaces
from vigil.audit.tables import AuditTables, DuckTables
from vigil.workspace import Workspace


@dataclass
class AuditResult:
    audit: dict  # recommendation_audit.json (the contract's fields, plus intervals and exposure paths)
    mitigations: dict  # mitigations.json
    stats: dict = field(default_factory=dict)


def run_audit(ws: Workspace, tables: AuditTables | None = None) -> AuditResult:
    """Audit every platform's logged recommendations against the accounts `scores` labels seller.

    `tables`: the engine of the platform-wide passes (default: DuckDB over `ws`; the Spark
    engine passes its own); the statistics over their results are this code on every engine."""
    timings: dict[str, float] = {}

    def lap(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - t0, 3)
        return now

    t = time.perf_counter()
    tables = tables or DuckTables(ws)
    with progress.task("audit: resolve impressions", total=5) as bar:
        tables.build()
        accounts = tables.platform_accounts()
        t = lap("impressions", t)
        bar.advance()
        per_platform, pooled = surfaces.audit_surfaces(tables, accounts)
        t = lap("surfaces", t)
        bar.advance()
        queries, pooled_queries = surfaces.audit_queries(tables, accounts)
        t = lap("queries", t)
        bar.advance()
        paths = exposure.exposure_paths(tables)
        t = lap("exposure_paths", t)
        bar.advance()
        mit = mitigations.build_mitigations(tables, queries)
        t = lap("mitigations", t)
        bar.advance()

    platforms = sorted(set(per_platform) | set(queries))
    audit = {
        "platforms": {
            p: {
                "surfaces": per_platform.get(p, {}),
                "queries": queries.get(p, []),
                "flagged_accounts": accounts.get(p, (0, 0))[0],
                "accounts": accounts.get(p, (0, 0))[1],
            }
            for p in platforms
        },
        "surfaces": pooled,
        "queries": pooled_queries,
        "exposure_paths": paths,
        "method": {
            "flagged": f"accounts with role '{impressions.FLAGGED_ROLE}' in scores",
            "adjacent": f"viewer has a '{impressions.ADJACENCY_EDGE}' edge to a flagged account",
            "share_ci": "Wilson score, 95%",
            "lift_ci": "viewer-clustered Poisson bootstrap, 95% (lift_ci_delta: Katz log delta method)",
            "exposure_paths": exposure.__doc__.strip().splitlines()[0],
        },
    }
    n_imp, n_adj, n_flag = tables.totals()
    stats = {
        "impressions": int(n_imp),
        "adjacent_impressions": int(n_adj),
        "flagged_impressions": int(n_flag),
        "flagged_accounts": sum(x for x, _ in accounts.values()),
        "queries_with_flagged_results": sum(len(v) for v in queries.values()),
        "mitigations": {k: len(mit[k]) for k in ("queries", "edges", "accounts")},
        "timings_s": timings,
    }
    tables.close()
    return AuditResult(audit=audit, mitigations=mit, stats=stats)
