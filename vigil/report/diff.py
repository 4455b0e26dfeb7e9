"""What changed since the previous investigation: new, changed, cleared and gone findings.

Networks re-form: sellers are banned and come back under new accounts, buyers arrive. A task
force needs the change, not a second report. The diff compares two results folders by account
key, carries the reviewer decisions already made (from the review database, where they live),
and ties accounts that re-create a flagged account of the previous run to it, using the graph
stage's own backup evidence (`backup_of`) and, for accounts gone from the export, the same handle
resemblance the backup rule uses.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb

from vigil.graph.backup import HANDLE_SIMILAR, handle_similarity, skeleton

FLAGGED_ROLES = ("seller", "buyer", "facilitator")
# A score moving this much is a changed finding even with the same role: below it the change is
# the model's noise between two runs over mostly the same data.
SCORE_CHANGE = 0.15


def _accounts(results: Path) -> dict[tuple[str, str], dict]:
    path = Path(results) / "accounts.csv"
    if not path.exists():
        raise FileNotFoundError(f"{results}: no accounts.csv — is this a vigil results folder?")
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for line, r in enumerate(csv.DictReader(f), start=2):
            try:
                r["score"] = float(r.get("score") or 0.0)
            except ValueError:
                raise ValueError(f"{path}:{line}: score {r.get('score')!r} is not a number") from None
            out[(r["platform"], r["account_id"])] = r
    return out


def _links(results: Path) -> set[tuple]:
    path = Path(results) / "links.csv"
    if not path.exists():
        return set()
    with open(path, newline="", encoding="utf-8") as f:
        return {tuple(sorted([(r["platform_a"], r["account_a"]), (r["platform_b"], r["account_b"])]))
                for r in csv.DictReader(f)}


def _workspace_table(results: Path, name: str, sql: str) -> list[tuple]:
    p = Path(results) / "workspace" / f"{name}.parquet"
    if not p.exists():
        return []
    con = duckdb.connect()
    try:
        return con.execute(sql.format(t=f"read_parquet('{p.as_posix()}')")).fetchall()
    finally:
        con.close()


def _present(results: Path) -> set[tuple[str, str]] | None:
    """Every account of the export (flagged or not); None when the workspace is not there."""
    rows = _workspace_table(results, "accounts", "SELECT DISTINCT platform, account_id FROM {t}")
    return {tuple(r) for r in rows} if rows else None


def _handles(results: Path) -> dict[tuple[str, str], tuple[str | None, object]]:
    rows = _workspace_table(results, "accounts", "SELECT platform, account_id, handle, created_at FROM {t}")
    return {(p, a): (h, c) for p, a, h, c in rows}


def _backup_of(results: Path) -> dict[tuple[str, str], str]:
    rows = _workspace_table(results, "scores",
                            "SELECT platform, account_id, backup_of FROM {t} WHERE backup_of IS NOT NULL")
    return {(p, a): b for p, a, b in rows}


def _decisions(db_url: str | None) -> dict[tuple[str, str], dict]:
    if not db_url:
        return {}
    from sqlalchemy import select

    from vigil.cases.db import open_db
    from vigil.cases.models import Case

    db = open_db(db_url)
    with db.reading() as s:
        rows = s.execute(select(Case.platform, Case.account_id, Case.id, Case.status, Case.decision, Case.note)
                         .where(Case.decision.is_not(None))).all()
    return {(p, a): {"case_id": i, "status": st, "decision": d, "note": n} for p, a, i, st, d, n in rows}


def diff_results(previous: Path, current: Path, db_url: str | None = None) -> dict:
    """The change from `previous` to `current` (two results folders), as diff.json's object."""
    before, after = _accounts(previous), _accounts(current)
    present = _present(current)
    decisions = _decisions(db_url)
    was = {k: r for k, r in before.items() if r["role"] in FLAGGED_ROLES}
    now = {k: r for k, r in after.items() if r["role"] in FLAGGED_ROLES}

    def entry(k, status, old=None, new=None):
        e = {"platform": k[0], "account_id": k[1], "status": status,
             "role": new["role"] if new else None, "score": round(new["score"], 6) if new else None,
             "previous_role": old["role"] if old else None,
             "previous_score": round(old["score"], 6) if old else None}
        if k in decisions:
            e["decision"] = decisions[k]
        return e

    accounts = []
    for k in sorted(set(was) | set(now)):
        old, new = was.get(k), now.get(k)
        if old is None:
            accounts.append(entry(k, "new", before.get(k), new))
        elif new is None:
            gone = present is not None and k not in present
            accounts.append(entry(k, "gone" if gone else "cleared", old, after.get(k)))
        elif old["role"] != new["role"] or abs(old["score"] - new["score"]) >= SCORE_CHANGE:
            accounts.append(entry(k, "changed", old, new))
    links_before, links_after = _links(previous), _links(current)
    links = ([{"a": list(a), "b": list(b), "status": "new"} for a, b in sorted(links_after - links_before)]
             + [{"a": list(a), "b": list(b), "status": "gone"} for a, b in sorted(links_before - links_after)])
    recreated = _recreations(previous, current, was, now, present)
    counts = {s: sum(1 for e in accounts if e["status"] == s) for s in ("new", "changed", "cleared", "gone")}
    counts.update(links_new=sum(1 for x in links if x["status"] == "new"),
                  links_gone=sum(1 for x in links if x["status"] == "gone"),
                  recreated=len(recreated), decisions_carried=sum(1 for e in accounts if "decision" in e))
    return {"previous": str(previous), "current": str(current), "counts": counts,
            "accounts": accounts, "links": links, "recreated": recreated}


def _recreations(previous: Path, current: Path, was: dict, now: dict, present) -> list[dict]:
    """Flagged accounts (new or not) that re-create an account flagged in the previous run.

    First the graph stage's own finding (`backup_of`, which needs the old account in the export);
    then, for flagged accounts gone from the export, a new flagged account of the same platform
    whose handle resembles the gone one as closely as the backup rule asks (HANDLE_SIMILAR), made
    after it.
    """
    out, seen = [], set()
    for k, orig in sorted(_backup_of(current).items()):
        if k in now and (k[0], orig) in was:
            out.append({"platform": k[0], "account_id": k[1], "recreates": orig,
                        "original_status": "gone" if present is not None and (k[0], orig) not in present else "present",
                        "evidence": "backup found by the graph stage"})
            seen.add(k)
    if present is None:
        return out
    old_h, new_h = _handles(previous), _handles(current)
    gone = [k for k in was if k not in present and skeleton(old_h.get(k, (None,))[0])]
    fresh = [k for k in now if k not in seen]
    for k in sorted(fresh):
        h, created = new_h.get(k, (None, None))
        best = None
        for g in gone:
            if g[0] != k[0]:
                continue
            gh, gcreated = old_h[g]
            if created is not None and gcreated is not None and created < gcreated:
                continue
            sim = handle_similarity(skeleton(h), skeleton(gh))
            if sim >= HANDLE_SIMILAR and (best is None or sim > best[1]):
                best = (g, sim, gh)
        if best:
            out.append({"platform": k[0], "account_id": k[1], "recreates": best[0][1], "original_status": "gone",
                        "evidence": f"handle @{h} resembles gone flagged account @{best[2]} ({best[1]:.2f})"})
    return out


def write_diff(previous: Path, current: Path, db_url: str | None = None) -> dict:
    d = diff_results(previous, current, db_url)
    (Path(current) / "diff.json").write_text(json.dumps(d, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return d
