"""Putting a run's findings into the review database as cases.

The selection and joins run in DuckDB over the results folder (the workspace's Parquet tables,
or just accounts.csv when that is all there is); the database only receives the rows a reviewer
will look at. Loading again updates a case's findings and keeps its review state and history:
the decisions people made are never overwritten by a re-run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from sqlalchemy import Table, bindparam, delete, insert, select, update

from vigil.cases import events as ev
from vigil.cases.db import open_db
from vigil.cases.models import Case, Community, Hit, Link, MediaMatch, Neighbour, utcnow
from vigil.errors import OperatorError
from vigil.progress import task

# An account becomes a case when the model gave it a role, or thinks it more likely than not.
MIN_CASE_SCORE = 0.5
# Evidence kept per case: the strongest hits and neighbours are enough to review; the rest is in
# the workspace for an investigator.
MAX_HITS_PER_CASE = 50
MAX_NEIGHBOURS_PER_CASE = 40
# Evidence that makes a case a child-safety case: an age claim used (not warned about, not an
# 18+ claim), or any match against a hash bank of known material.
CHILD_SAFETY_HIT = "category = 'age' AND context = 'use'"
INSERT_BATCH = 5000


class ResultsError(OperatorError):
    """The results folder lacks what a load needs."""


def load_results(db_url: str, results_dir: Path, *, min_score: float = MIN_CASE_SCORE) -> dict:
    """Create or refresh one case per flagged account of a results folder; return counts."""
    results_dir = Path(results_dir)
    con = _open_results(results_dir)
    try:
        rows = _select_cases(con, min_score)
        details = _select_details(con)
        communities = _select_communities(con)
    finally:
        con.close()
    db = open_db(db_url)
    stats = {"cases_new": 0, "cases_updated": 0, "child_safety": 0, "hits": 0, "media": 0, "links": 0,
             "neighbours": 0, "communities": len(communities)}
    with task("loading cases", total=len(rows)) as bar, db.writing() as s:
        existing = {(p, a): (i, cs) for i, p, a, cs in s.execute(select(Case.id, Case.platform, Case.account_id, Case.child_safety))}
        now = utcnow()
        new, changed = [], []
        for r in rows:
            key = (r["platform"], r["account_id"])
            if key in existing:
                case_id, was_cs = existing[key]
                r = dict(r, child_safety=bool(r["child_safety"] or was_cs), loaded_at=now, b_id=case_id)
                changed.append(r)
            else:
                new.append(dict(r, loaded_at=now, status="open"))
        for chunk in _chunks(new):
            s.execute(insert(Case), chunk)
            bar.advance(len(chunk))
        case_table: Table = Case.__table__  # type: ignore[assignment]
        upd = (
            update(case_table)
            .where(case_table.c.id == bindparam("b_id"))
            .values({k: bindparam(k) for k in ("handle", "display_name", "bio", "score", "role", "community",
                                                "reasons", "backup_of", "child_safety", "loaded_at")})
        )
        for chunk in _chunks(changed):
            s.connection().execute(upd, chunk)
            bar.advance(len(chunk))
        stats["cases_new"], stats["cases_updated"] = len(new), len(changed)
        stats["child_safety"] = sum(1 for r in new + changed if r["child_safety"])

        ids = {(p, a): i for i, p, a in s.execute(select(Case.id, Case.platform, Case.account_id))}
        loaded = [ids[(r["platform"], r["account_id"])] for r in rows]
        for model in (Hit, MediaMatch, Link, Neighbour):
            for chunk in _chunks(loaded):
                s.execute(delete(model).where(model.case_id.in_(chunk)))
        for name, model in (("hits", Hit), ("media", MediaMatch), ("links", Link), ("neighbours", Neighbour)):
            out = []
            for d in details[name]:
                case_id = ids.get((d.pop("platform"), d.pop("account_id")))
                if case_id is not None:
                    out.append(dict(d, case_id=case_id))
            for chunk in _chunks(out):
                s.execute(insert(model), chunk)
            stats[name] = len(out)
        for c in communities:
            found = s.execute(
                select(Community).where(Community.platform == c["platform"], Community.community == c["community"])
            ).scalar_one_or_none()
            if found is None:
                s.add(Community(**c))
            else:
                found.size, found.summary = c["size"], c["summary"]
        ev.append(s, ev.LOAD, actor_id=None, actor="vigil load-results", payload={"results_dir": str(results_dir), **stats})
    return stats


def _chunks(rows: list, n: int = INSERT_BATCH):
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _open_results(results_dir: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the results: the workspace's tables, and `scores` from accounts.csv if needed."""
    ws = results_dir / "workspace"
    con = duckdb.connect()
    tables = {p.stem: p for p in sorted(ws.glob("*.parquet"))} if ws.is_dir() else {}
    for name, p in tables.items():
        con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{_sql_str(p)}')")
    if "scores" not in tables:
        csv = results_dir / "accounts.csv"
        if not csv.exists():
            raise ResultsError(f"{results_dir}: neither workspace/scores.parquet nor accounts.csv")
        con.execute(
            f"""CREATE VIEW scores AS SELECT platform, account_id, CAST(score AS DOUBLE) AS score, role,
                NULLIF(community, '') AS community, reasons, CAST(NULL AS VARCHAR) AS backup_of
                FROM read_csv('{_sql_str(csv)}', header=true, all_varchar=true)"""
        )
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name, cols in _OPTIONAL.items():
        if name not in have:
            con.execute(f"CREATE VIEW \"{name}\" AS SELECT {cols} WHERE false")
    _require_columns(con, "scores", ["platform", "account_id", "score", "role"], results_dir)
    return con


# Empty stand-ins for tables a run may not have written.
_OPTIONAL = {
    "accounts": "NULL::VARCHAR platform, NULL::VARCHAR account_id, NULL::VARCHAR handle, NULL::VARCHAR display_name, NULL::VARCHAR bio",
    "signal_hits": "NULL::VARCHAR platform, NULL::VARCHAR account_id, NULL::VARCHAR post_id, NULL::VARCHAR field, "
    "NULL::VARCHAR signal_id, NULL::VARCHAR category, NULL::DOUBLE weight, NULL::VARCHAR context, NULL::INTEGER start, "
    "NULL::INTEGER \"end\", NULL::VARCHAR matched",
    "posts": "NULL::VARCHAR platform, NULL::VARCHAR post_id, NULL::VARCHAR text",
    "media_matches": "NULL::VARCHAR platform, NULL::VARCHAR account_id, NULL::VARCHAR post_id, NULL::VARCHAR media_id, "
    "NULL::VARCHAR signal_type, NULL::VARCHAR signal, NULL::VARCHAR bank, NULL::VARCHAR category, NULL::INTEGER distance",
    "links": "NULL::VARCHAR platform_a, NULL::VARCHAR account_a, NULL::VARCHAR platform_b, NULL::VARCHAR account_b, "
    "NULL::DOUBLE score, NULL::VARCHAR evidence",
    "edges": "NULL::VARCHAR platform, NULL::VARCHAR src, NULL::VARCHAR dst, NULL::VARCHAR kind, NULL::BIGINT count",
    "communities": "NULL::VARCHAR platform, NULL::VARCHAR community",
}


def _sql_str(p: Path) -> str:
    return p.as_posix().replace("'", "''")


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]


def _require_columns(con, table: str, needed: list[str], where: Path) -> None:
    missing = [c for c in needed if c not in _columns(con, table)]
    if missing:
        raise ResultsError(f"{where}: table {table} lacks column(s) {', '.join(missing)}")


def _records(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _select_cases(con, min_score: float) -> list[dict]:
    score_cols = _columns(con, "scores")
    backup = "s.backup_of" if "backup_of" in score_cols else "NULL::VARCHAR"
    community = "CAST(s.community AS VARCHAR)" if "community" in score_cols else "NULL::VARCHAR"
    reasons = "s.reasons" if "reasons" in score_cols else "''"
    con.execute(
        f"""CREATE TEMP TABLE c AS
        SELECT s.platform, s.account_id, CAST(s.score AS DOUBLE) AS score, coalesce(s.role, 'none') AS role,
               NULLIF({community}, '') AS community, coalesce({reasons}, '') AS reasons, {backup} AS backup_of
        FROM scores s
        WHERE coalesce(s.role, 'none') IN ('seller', 'buyer', 'facilitator') OR s.score >= ?""",
        [min_score],
    )
    return _records(
        con,
        f"""SELECT c.*, a.handle, a.display_name, a.bio,
              (EXISTS (SELECT 1 FROM signal_hits h WHERE h.platform = c.platform AND h.account_id = c.account_id
                       AND {CHILD_SAFETY_HIT})
               OR EXISTS (SELECT 1 FROM media_matches m WHERE m.platform = c.platform AND m.account_id = c.account_id))
              AS child_safety
        FROM c LEFT JOIN (SELECT DISTINCT ON (platform, account_id) platform, account_id, handle, display_name, bio
                          FROM accounts) a USING (platform, account_id)
        ORDER BY c.platform, c.account_id""",
    )


def _select_details(con) -> dict[str, list[dict]]:
    hits = _records(
        con,
        f"""SELECT platform, account_id, post_id, field, signal_id, category, context, weight, start, "end", matched,
                   source_text FROM (
              SELECT h.platform, h.account_id, h.post_id, h.field, h.signal_id, h.category, h.context,
                     CAST(h.weight AS DOUBLE) AS weight, CAST(h.start AS INTEGER) AS start, CAST(h."end" AS INTEGER) AS "end",
                     h.matched,
                     CASE h.field WHEN 'bio' THEN a.bio WHEN 'display_name' THEN a.display_name
                                  WHEN 'handle' THEN a.handle WHEN 'text' THEN p.text END AS source_text,
                     row_number() OVER (PARTITION BY h.platform, h.account_id ORDER BY h.weight DESC, h.post_id, h.start) AS rk
              FROM signal_hits h
              JOIN c ON h.platform = c.platform AND h.account_id = c.account_id
              LEFT JOIN (SELECT DISTINCT ON (platform, account_id) * FROM accounts) a
                ON a.platform = h.platform AND a.account_id = h.account_id
              LEFT JOIN (SELECT DISTINCT ON (platform, post_id) platform, post_id, text FROM posts) p
                ON p.platform = h.platform AND p.post_id = h.post_id)
            WHERE rk <= {MAX_HITS_PER_CASE}""",
    )
    media = _records(
        con,
        """SELECT m.platform, m.account_id, m.post_id, m.media_id, m.signal_type, m.signal, m.bank, m.category,
                  CAST(m.distance AS INTEGER) AS distance
           FROM media_matches m JOIN c ON m.platform = c.platform AND m.account_id = c.account_id""",
    )
    links = _records(
        con,
        """SELECT l.platform_a AS platform, l.account_a AS account_id, l.platform_b AS other_platform,
                  l.account_b AS other_account, CAST(l.score AS DOUBLE) AS score, l.evidence
           FROM links l JOIN c ON l.platform_a = c.platform AND l.account_a = c.account_id
           UNION ALL
           SELECT l.platform_b, l.account_b, l.platform_a, l.account_a, CAST(l.score AS DOUBLE), l.evidence
           FROM links l JOIN c ON l.platform_b = c.platform AND l.account_b = c.account_id""",
    )
    neighbours = _records(
        con,
        f"""WITH e AS (SELECT platform, src, dst, kind, coalesce(CAST(count AS BIGINT), 1) AS n FROM edges),
            pairs AS (
              SELECT e.platform, e.src AS account_id, e.dst AS other_account, 'out' AS direction, e.kind, sum(e.n) AS count
              FROM e JOIN c ON e.platform = c.platform AND e.src = c.account_id GROUP BY ALL
              UNION ALL
              SELECT e.platform, e.dst, e.src, 'in', e.kind, sum(e.n)
              FROM e JOIN c ON e.platform = c.platform AND e.dst = c.account_id GROUP BY ALL),
            ranked AS (
              SELECT p.*, row_number() OVER (
                PARTITION BY p.platform, p.account_id
                ORDER BY (c2.account_id IS NOT NULL) DESC, p.count DESC, p.other_account, p.kind, p.direction) AS rk
              FROM pairs p LEFT JOIN c c2 ON c2.platform = p.platform AND c2.account_id = p.other_account)
            SELECT r.platform, r.account_id, r.other_account, a.handle AS other_handle, r.direction, r.kind,
                   CAST(r.count AS INTEGER) AS count
            FROM ranked r LEFT JOIN (SELECT DISTINCT ON (platform, account_id) platform, account_id, handle FROM accounts) a
              ON a.platform = r.platform AND a.account_id = r.other_account
            WHERE r.rk <= {MAX_NEIGHBOURS_PER_CASE}""",
    )
    return {"hits": hits, "media": media, "links": links, "neighbours": neighbours}


def _select_communities(con) -> list[dict]:
    cols = _columns(con, "communities")
    key = "community" if "community" in cols else ("id" if "id" in cols else None)
    if key is None or "platform" not in cols:
        return []
    size = "CAST(size AS INTEGER)" if "size" in cols else "NULL::INTEGER"
    summary = "CAST(summary AS VARCHAR)" if "summary" in cols else "NULL::VARCHAR"
    return _records(
        con,
        f"""SELECT DISTINCT ON (platform, CAST({key} AS VARCHAR)) platform, CAST({key} AS VARCHAR) AS community,
                   {size} AS size, {summary} AS summary
            FROM communities WHERE {key} IS NOT NULL""",
    )
