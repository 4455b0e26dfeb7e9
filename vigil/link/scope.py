"""Which accounts the investigation links: the flagged ones and their close network.

Linking every account of an export would tie bystanders to their real names for no reason, so
only accounts the investigation cares about are linked:

- flagged: `scores.role` is not `none`;
- re-creations the graph stage names (`scores.backup_of`);
- close network: an account of the same platform that interacted with a flagged account
  (message, comment, mention or repost, either direction) at least CLOSE_MIN_INTERACTIONS
  times in all. Follows and likes are not interaction: they are one click, made by crowds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vigil.link.profiles import Profiles

INTERACTION_KINDS = ("message", "comment", "mention", "repost")
# Roles whose accounts every member of their ring is tied to (see compare.compare_graph).
HUB_ROLES = ("seller", "facilitator")
# One comment is a passer-by; repeated interaction is a relationship.
CLOSE_MIN_INTERACTIONS = 2

# The edges as the linker reads them: a table (tests, other drivers) or the workspace's Parquet
# file, which DuckDB scans in place, so the link process never holds the export's edges (258 MB at
# 100k accounts, and a tenth of that per 10k accounts more). A pyarrow dataset scanned by DuckDB
# instead raised the stage's peak by a GB: its scanner reads ahead.
Edges = pa.Table | Path


def edge_rows(edges: Edges) -> int:
    """Edges in the table (a file's from its metadata)."""
    return edges.num_rows if isinstance(edges, pa.Table) else pq.ParquetFile(edges).metadata.num_rows


def edge_columns(edges: Edges) -> list[str]:
    return edges.column_names if isinstance(edges, pa.Table) else pq.read_schema(edges).names


def register_edges(con, edges: Edges) -> None:
    """The edges as view `e` of `con`; DuckDB reads only the columns a query names."""
    if isinstance(edges, pa.Table):
        con.register("e", edges)
    else:
        path = str(edges).replace("'", "''")
        con.execute(f"CREATE TEMP VIEW e AS SELECT * FROM read_parquet('{path}')")


def focus_accounts(prof: Profiles, scores: pa.Table, edges: Edges) -> dict[int, str]:
    """Account row -> why it is in scope ("seller", "backup", "close network")."""
    out: dict[int, str] = {}
    if not scores.num_rows:
        return out
    cols = scores.to_pydict()
    roles = cols.get("role") or [None] * scores.num_rows
    backups = cols.get("backup_of") or [None] * scores.num_rows
    flagged = []
    for p, a, role, bk in zip(cols["platform"], cols["account_id"], roles, backups):
        i = prof.index.get((p, a))
        if i is None:
            continue
        if role and role != "none":
            out[i] = role
            flagged.append((p, a))
        if bk:
            out.setdefault(i, "backup")
            j = prof.index.get((p, bk))
            if j is not None:
                out.setdefault(j, "backup")
    if flagged and edge_rows(edges):
        con = duckdb.connect()
        register_edges(con, edges)
        con.register("f", pa.table({"platform": [p for p, _ in flagged], "account_id": [a for _, a in flagged]}))
        weight = "coalesce(e.count, 1)" if "count" in edge_columns(edges) else "1"
        kinds = ", ".join(f"'{k}'" for k in INTERACTION_KINDS)
        rows = con.execute(
            f"""
            WITH touch AS (
                SELECT e.platform, e.dst AS other, {weight} AS w FROM e JOIN f
                  ON e.platform = f.platform AND e.src = f.account_id WHERE e.kind IN ({kinds})
                UNION ALL
                SELECT e.platform, e.src AS other, {weight} AS w FROM e JOIN f
                  ON e.platform = f.platform AND e.dst = f.account_id WHERE e.kind IN ({kinds})
            )
            SELECT platform, other, sum(w) FROM touch GROUP BY platform, other
            HAVING sum(w) >= {CLOSE_MIN_INTERACTIONS}
            """
        ).fetchall()
        con.close()
        for p, a, _ in rows:
            i = prof.index.get((p, a))
            if i is not None:
                out.setdefault(i, "close network")
    return out


# Why an account is in scope, in the order a bounded search spends its budget (any role first).
_SEARCH_RANK = {"backup": 1, "close network": 2}


def search_order(focus: dict[int, str]) -> list[int]:
    """The scope's rows, flagged accounts first, then re-creations, then the close network (by
    row within each): where a search cannot reach every account, the accounts the investigation
    flagged are the ones it reaches."""
    return sorted(focus, key=lambda i: (_SEARCH_RANK.get(focus[i], 0), i))


def ring_hubs(scores: pa.Table) -> set[tuple[str, str]]:
    """Flagged sellers and facilitators: the accounts a ring's buyers all follow or talk to."""
    if not scores.num_rows or "role" not in scores.column_names:
        return set()
    cols = scores.select(["platform", "account_id", "role"]).to_pydict()
    return {(p, a) for p, a, r in zip(cols["platform"], cols["account_id"], cols["role"]) if r in HUB_ROLES}


def neighbour_sets(prof: Profiles, edges: Edges, rows: set[int]) -> dict[int, set[str]]:
    """Same-platform neighbours (any edge kind, either direction) of the given account rows."""
    if not rows or not edge_rows(edges):
        return {}
    con = duckdb.connect()
    register_edges(con, edges)
    want = sorted(rows)
    con.register("w", pa.table({"r": pa.array(want, pa.int64()),
                                "platform": [prof.platform[i] for i in want],
                                "account_id": [prof.account_id[i] for i in want]}))
    pairs = con.sql(
        """
        SELECT r, other FROM (
            SELECT w.r, e.dst AS other FROM e JOIN w ON e.platform = w.platform AND e.src = w.account_id
            UNION
            SELECT w.r, e.src AS other FROM e JOIN w ON e.platform = w.platform AND e.dst = w.account_id
        ) ORDER BY r
        """
    ).to_arrow_table()
    con.close()
    # One set per account from its run of rows: a hub's thousands of neighbours in one call.
    r = pairs.column("r").to_numpy()
    others = pairs.column("other").to_pylist()
    if not len(r):
        return {}
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    ends = np.r_[starts[1:], len(r)]
    return {int(r[a]): set(others[a:b]) for a, b in zip(starts.tolist(), ends.tolist())}
