"""Resolve every logged impression to the account it shows, and label viewer and item.

One temp table `imp` (platform, surface, viewer_id, query, item_account, adjacent, flagged) is the
base of every audit number, built once in DuckDB over the workspace's Parquet so it scales to
millions of impressions without a Python loop.
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


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create temp tables flagged, acct_idx, viewer_follows, adjacent and imp on `con`.

    Accounts get dense integer ids (`acct_idx`) here once, so the exposure walk needs no
    further string joins. Only follow edges of logged viewers are kept: nothing else in the
    audit needs the rest of the edge table.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE flagged AS
        SELECT DISTINCT platform, account_id FROM scores
        WHERE role = '{FLAGGED_ROLE}' AND platform IS NOT NULL AND account_id IS NOT NULL
        """
    )
    # Ids in key order, not scan order: the exposure walk draws its random choices by id, so the
    # same input must give the same ids whatever engine or thread count wrote the tables.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE acct_idx AS
        SELECT platform, account_id, (row_number() OVER (ORDER BY platform, account_id) - 1)::INTEGER AS a
        FROM (SELECT DISTINCT platform, account_id FROM accounts
              WHERE platform IS NOT NULL AND account_id IS NOT NULL
              UNION SELECT platform, account_id FROM flagged)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE viewer_follows AS
        SELECT e.platform, e.src, e.dst FROM edges e
        SEMI JOIN (SELECT DISTINCT platform, viewer_id FROM recommendations) v
          ON v.platform = e.platform AND v.viewer_id = e.src
        WHERE e.kind = '{ADJACENCY_EDGE}'
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE adjacent AS
        SELECT DISTINCT f.platform, f.src AS viewer_id
        FROM viewer_follows f SEMI JOIN flagged g ON g.platform = f.platform AND g.account_id = f.dst
        """
    )
    # A post shown as an item counts for its author. The plain join is exact when post ids are
    # unique (the contract's promise, checked by the row count); otherwise each post id is first
    # resolved to one author (its first line) so that no impression is counted twice.
    if not _build_imp(con, "posts"):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE post_author AS
            SELECT platform, post_id, arg_min(account_id, coalesce(_line, 0)) AS account_id
            FROM posts WHERE account_id IS NOT NULL GROUP BY platform, post_id
            """
        )
        _build_imp(con, "post_author")


def _build_imp(con: duckdb.DuckDBPyConnection, authors: str) -> bool:
    """Build `imp` resolving posts through `authors`; False when that duplicated impressions."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE imp AS
        WITH resolved AS (
            SELECT r.platform, r.surface, r.viewer_id, r.query,
                   CASE WHEN r.item_kind = 'post' THEN pa.account_id ELSE r.item_id END AS item_account
            FROM recommendations r
            LEFT JOIN (SELECT platform, post_id, account_id FROM {authors} WHERE account_id IS NOT NULL) pa
              ON r.item_kind = 'post' AND pa.platform = r.platform AND pa.post_id = r.item_id
        )
        SELECT s.platform, s.surface, s.viewer_id, s.query, s.item_account,
               a.viewer_id IS NOT NULL AS adjacent,
               f.account_id IS NOT NULL AS flagged,
               vi.a AS v, ii.a AS item
        FROM resolved s
        LEFT JOIN adjacent a ON a.platform = s.platform AND a.viewer_id = s.viewer_id
        LEFT JOIN flagged f ON f.platform = s.platform AND f.account_id = s.item_account
        LEFT JOIN acct_idx vi ON vi.platform = s.platform AND vi.account_id = s.viewer_id
        LEFT JOIN acct_idx ii ON ii.platform = s.platform AND ii.account_id = s.item_account
        """
    )
    (n_imp,) = con.execute("SELECT count(*) FROM imp").fetchone()
    (n_rec,) = con.execute("SELECT count(*) FROM recommendations").fetchone()
    return n_imp == n_rec


def platform_accounts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """platform -> (flagged accounts, all accounts): the baseline's numerator and denominator."""
    rows = con.execute(
        """
        WITH a AS (SELECT platform, count(DISTINCT account_id) AS n FROM accounts GROUP BY platform),
             f AS (SELECT platform, count(*) AS x FROM flagged GROUP BY platform)
        SELECT coalesce(a.platform, f.platform), coalesce(f.x, 0), coalesce(a.n, 0)
        FROM a FULL JOIN f ON a.platform = f.platform
        """
    ).fetchall()
    return {p: (int(x), int(n)) for p, x, n in rows if p is not None}
