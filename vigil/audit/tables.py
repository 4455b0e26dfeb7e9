"""The audit's platform-wide table operations: every pass over the impressions, as SQL in the
dialect DuckDB and Spark SQL share, behind a small engine object.

What leaves here is small (counts per platform, surface and query; per adjacent viewer; the top
co-suggestion edges) or the integer arrays of the exposure walk; the statistics, the walk and the
wording are the same Python on every engine. `DuckTables` runs the SQL embedded over the
workspace; the Spark engine (vigil.engines.spark.audit) runs the same text as Spark SQL.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from vigil.audit.impressions import ADJACENCY_EDGE, FLAGGED_ROLE
from vigil.workspace import Workspace

QUERY_SURFACES = ("search", "hashtag")

# The input columns the audit reads (an absent table is an empty one).
INPUTS = {
    "accounts": {"platform": "string", "account_id": "string"},
    "posts": {"platform": "string", "post_id": "string", "account_id": "string", "_line": "bigint"},
    "edges": {"platform": "string", "src": "string", "dst": "string", "kind": "string"},
    "recommendations": {"platform": "string", "viewer_id": "string", "surface": "string", "item_id": "string",
                        "item_kind": "string", "query": "string"},
    "scores": {"platform": "string", "account_id": "string", "role": "string", "reasons": "string"},
}

# The derived tables, in build order. Accounts get dense integer ids (`acct_idx`) once, so the walk
# needs no further string joins; ids in key order, not scan order: the walk draws its random
# choices by id, so the same input must give the same ids whatever engine or thread count wrote
# the tables. Only follow edges of logged viewers are kept: nothing else in the audit needs the rest.
BUILD = (
    ("flagged", f"""
        SELECT DISTINCT platform, account_id FROM scores
        WHERE role = '{FLAGGED_ROLE}' AND platform IS NOT NULL AND account_id IS NOT NULL"""),
    ("acct_idx", """
        SELECT platform, account_id, CAST(row_number() OVER (ORDER BY platform, account_id) - 1 AS INTEGER) AS a
        FROM (SELECT DISTINCT platform, account_id FROM accounts
              WHERE platform IS NOT NULL AND account_id IS NOT NULL
              UNION SELECT platform, account_id FROM flagged) u"""),
    ("viewer_follows", f"""
        SELECT e.platform, e.src, e.dst FROM edges e
        JOIN (SELECT DISTINCT platform, viewer_id FROM recommendations) v
          ON v.platform = e.platform AND v.viewer_id = e.src
        WHERE e.kind = '{ADJACENCY_EDGE}'"""),
    ("adjacent", """
        SELECT DISTINCT f.platform, f.src AS viewer_id
        FROM viewer_follows f JOIN flagged g ON g.platform = f.platform AND g.account_id = f.dst"""),
)

# A post shown as an item counts for its author. The plain join is exact when post ids are unique
# (the contract's promise, checked by the row count); otherwise each post id is first resolved to
# one author (its first line) so that no impression is counted twice.
POST_AUTHOR = """
    SELECT platform, post_id, min_by(account_id, coalesce(_line, 0)) AS account_id
    FROM posts WHERE account_id IS NOT NULL GROUP BY platform, post_id"""


def imp_sql(authors: str) -> str:
    """One row per logged impression: the account it shows, and whether viewer and item are in the network."""
    return f"""
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
        LEFT JOIN acct_idx ii ON ii.platform = s.platform AND ii.account_id = s.item_account"""


class AuditTables:
    """The platform-wide operations; an engine supplies `_table` (materialise a query under a
    name), `_rows` (a query's rows as tuples) and `_arrow` (a query as an Arrow table)."""

    def build(self) -> None:
        for name, sql in BUILD:
            self._table(name, sql)
        self._table("imp", imp_sql("posts"))
        if self._rows("SELECT count(*) FROM imp")[0][0] != self._rows("SELECT count(*) FROM recommendations")[0][0]:
            self._table("post_author", POST_AUTHOR)
            self._table("imp", imp_sql("post_author"))

    def platform_accounts(self) -> dict[str, tuple[int, int]]:
        """platform -> (flagged accounts, all accounts): the baseline's numerator and denominator."""
        rows = self._rows("""
            WITH a AS (SELECT platform, count(DISTINCT account_id) AS n FROM accounts GROUP BY platform),
                 f AS (SELECT platform, count(*) AS x FROM flagged GROUP BY platform)
            SELECT coalesce(a.platform, f.platform), coalesce(f.x, 0), coalesce(a.n, 0)
            FROM a FULL JOIN f ON a.platform = f.platform""")
        return {p: (int(x), int(n)) for p, x, n in rows if p is not None}

    def surface_counts(self) -> list[tuple]:
        return self._rows("""
            SELECT platform, surface, count(*) AS n,
                   count(*) FILTER (WHERE adjacent) AS n_adj,
                   count(*) FILTER (WHERE adjacent AND flagged) AS x_adj,
                   count(*) FILTER (WHERE NOT adjacent AND flagged) AS x_other
            FROM imp GROUP BY platform, surface""")

    def viewer_counts(self) -> list[tuple]:
        """(platform, surface, viewer, impressions, flagged impressions) per adjacent viewer, in key order."""
        return self._rows("""
            SELECT platform, surface, viewer_id, count(*) AS n, count(*) FILTER (WHERE flagged) AS x
            FROM imp WHERE adjacent GROUP BY platform, surface, viewer_id
            ORDER BY platform, surface, viewer_id""")

    def query_counts(self) -> list[tuple]:
        return self._rows(f"""
            SELECT platform, surface, query, count(*) AS n, count(*) FILTER (WHERE flagged) AS x,
                   count(DISTINCT CASE WHEN flagged THEN item_account END) AS flagged_accounts,
                   count(DISTINCT viewer_id) AS viewers
            FROM imp
            WHERE surface IN {QUERY_SURFACES} AND query IS NOT NULL
            GROUP BY platform, surface, query""")

    def flagged_totals(self) -> dict[tuple[str, str], int]:
        rows = self._rows("SELECT platform, surface, count(*) FROM imp WHERE flagged GROUP BY platform, surface")
        return {(p, s): int(n) for p, s, n in rows}

    def co_suggestions(self, limit: int) -> list[tuple]:
        """(platform, surface, via, target, impressions, viewers): flagged B shown to viewers who follow flagged A."""
        return self._rows(f"""
            SELECT i.platform, i.surface, e.dst AS via, i.item_account AS target,
                   count(*) AS n, count(DISTINCT i.viewer_id) AS viewers
            FROM imp i
            JOIN (SELECT DISTINCT platform, src, dst FROM viewer_follows) e
              ON e.platform = i.platform AND e.src = i.viewer_id
            JOIN flagged f ON f.platform = e.platform AND f.account_id = e.dst
            WHERE i.flagged AND i.adjacent AND i.item_account <> e.dst AND i.surface NOT IN {QUERY_SURFACES}
            GROUP BY i.platform, i.surface, e.dst, i.item_account
            ORDER BY n DESC, viewers DESC, i.platform, i.surface, via, target
            LIMIT {int(limit)}""")

    def flagged_exposure(self) -> list[tuple]:
        """(platform, account, surface, impressions, impressions to viewers outside the network)."""
        return self._rows("""
            SELECT i.platform, i.item_account, i.surface, count(*) AS n,
                   count(*) FILTER (WHERE NOT i.adjacent) AS to_outsiders
            FROM imp i WHERE i.flagged GROUP BY i.platform, i.item_account, i.surface
            ORDER BY i.platform, i.item_account, i.surface""")

    def flagged_reasons(self) -> dict[tuple[str, str], str]:
        return {(p, a): r for p, a, r in self._rows("""
            SELECT s.platform, s.account_id, min(s.reasons) FROM scores s
            JOIN flagged f ON f.platform = s.platform AND f.account_id = s.account_id
            GROUP BY s.platform, s.account_id""")}

    def totals(self) -> tuple[int, int, int]:
        n, adj, flag = self._rows(
            "SELECT count(*), count(*) FILTER (WHERE adjacent), count(*) FILTER (WHERE flagged) FROM imp")[0]
        return int(n), int(adj or 0), int(flag or 0)

    def walk_tables(self) -> tuple[list[str], list[str], pa.Table, pa.Table, pa.Table]:
        """The exposure walk's input: platforms, surfaces, and (as codes into them) the nodes in id
        order, the impressions by viewer and the logged viewers' follows by followed account."""
        platforms = [r[0] for r in self._rows("SELECT DISTINCT platform FROM acct_idx ORDER BY 1")]
        surfaces = [r[0] for r in self._rows("SELECT DISTINCT surface FROM imp ORDER BY 1")]
        nodes = self._arrow("""
            SELECT n.platform, f.account_id IS NOT NULL AS flagged, d.viewer_id IS NOT NULL AS adjacent
            FROM acct_idx n
            LEFT JOIN flagged f ON f.platform = n.platform AND f.account_id = n.account_id
            LEFT JOIN adjacent d ON d.platform = n.platform AND d.viewer_id = n.account_id
            ORDER BY n.a""")
        imps = self._arrow("""
            SELECT i.v, coalesce(i.item, -1) AS a, i.surface
            FROM imp i WHERE i.v IS NOT NULL AND i.surface IS NOT NULL
            ORDER BY i.v, a, i.surface""")
        follows = self._arrow("""
            SELECT d.a AS dst, s.a AS src
            FROM viewer_follows f
            JOIN acct_idx s ON s.platform = f.platform AND s.account_id = f.src
            JOIN acct_idx d ON d.platform = f.platform AND d.account_id = f.dst
            ORDER BY d.a, s.a""")
        nodes = nodes.append_column("p", pc.index_in(nodes.column("platform"), value_set=pa.array(platforms, pa.string())))
        imps = imps.append_column("s", pc.index_in(imps.column("surface"), value_set=pa.array(surfaces, pa.string())))
        return platforms, surfaces, nodes, imps, follows

    def account_names(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        return {int(a): n for a, n in self._rows(
            f"SELECT a, account_id FROM acct_idx WHERE a IN ({', '.join(str(int(i)) for i in ids)})")}

    def close(self) -> None:
        pass

    # --- the engine's part -----------------------------------------------------------------------
    def _table(self, name: str, sql: str) -> None:
        raise NotImplementedError

    def _rows(self, sql: str) -> list[tuple]:
        raise NotImplementedError

    def _arrow(self, sql: str) -> pa.Table:
        raise NotImplementedError


class DuckTables(AuditTables):
    """Embedded: DuckDB temp tables over the workspace's Parquet."""

    def __init__(self, ws: Workspace):
        from vigil.audit.impressions import connect

        self.con = connect(ws)

    def _table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def _rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def _arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
