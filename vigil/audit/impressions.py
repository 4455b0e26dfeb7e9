"""What the audit calls flagged and adjacent, and the embedded engine's view of the workspace.

One table `imp` (platform, surface, viewer_id, query, item_account, adjacent, flagged) is the base
of every audit number, built once by the engine (vigil.audit.tables) over the workspace's Parquet
so it scales to millions of impressions without a Python loop.
"""

from __future__ import annotations

import duckdb
from vigil import schemas
from vigil.workspace import Workspace

FLAGGED_ROLE = "seller"  # the contract: "flagged" = the accounts the investigation labels seller
ADJACENCY_EDGE = "follow"  # the contract: adjacent = follows at least one flagged account


def connect(ws: Workspace) -> duckdb.DuckDBPyConnection:
    """A connection with the audit's input views; an absent optional table reads as empty."""
    con = ws.connect()
    present = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    needed = {
        "accounts": schemas.ACCOUNTS,
        "posts": schemas.POSTS,
        "edges": schemas.EDGES,
        "recommendations": schemas.RECOMMENDATIONS,
        "scores": schemas.SCORES,
    }
    for name, schema in needed.items():
        if name not in present:
            con.register(f"_empty_{name}", schema.empty_table())
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "_empty_{name}"')
    return con
