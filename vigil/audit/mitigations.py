"""What a platform should switch off, with the evidence and the exposure each change removes.

Three kinds of mitigation, each a row with `evidence` (readable) and `expected_drop` (flagged
impressions it removes, and their share of the platform's flagged impressions on that surface):
- queries/hashtags to block, or to put behind a warning with no "see results anyway";
- recommendation edges into the network (viewers of flagged A shown flagged B) to suppress;
- flagged accounts to exclude from candidate generation.
The decision thresholds use the lower end of each share's interval, so a query seen once is
not blocked on the strength of one impression.
"""

from __future__ import annotations

from collections import defaultdict

from vigil.wording import plural
from vigil.audit import intervals
from vigil.audit.tables import AuditTables

# A query is blocked when, with 95% confidence, at least half of its results are the network:
# then the query itself is the network's vocabulary and no legitimate use is lost.
BLOCK_SHARE_LOWER = 0.5
# A warning screen without bypass when at least one result in five is the network (95% lower
# bound) — hundreds of times any plausible baseline, yet the query may still have benign uses.
WARN_SHARE_LOWER = 0.2
# Below that the query is ordinary (e.g. a popular hashtag the network also uses): remove the
# flagged accounts from its results instead of touching the query.
MAX_EDGES = 500  # edge suppressions listed, largest first (the rest are covered by exclusions)


def _drop(x: int, total: int) -> dict:
    """The flagged impressions a mitigation removes, and their share of the flagged impressions on
    the surfaces it touches: a share, so never above 1 (a mitigation cannot remove more than all)."""
    return {"flagged_impressions": int(x), "share_of_flagged_impressions": min(1.0, x / total) if total else 0.0}


def query_families(texts: list[str]) -> list[str]:
    """The normalised skeleton of each query (look-alikes, leetspeak, repeats folded; no '#').

    Variants a seller invents to dodge a blocklist ("vexxkkin", "𝐯𝐞𝐱𝐤𝐢𝐧") share one family, so
    a platform can block the family rather than chase spellings. Uses the signals stage's
    normaliser over the whole batch at once.
    """
    if not texts:
        return []
    flat = [" ".join(t.split()) for t in texts]
    try:
        from vigil.signals.normalise import build_views, join_rows

        buf, starts = join_rows([t.encode("utf-8") for t in flat])
        parts = build_views(buf, starts).skel.decode("utf-8", "replace").split("\n")[: len(flat)]
        if len(parts) != len(flat):
            raise ValueError("row count changed")
    except (ImportError, ValueError):
        parts = [t.casefold() for t in flat]
    return [p.strip().lstrip("#").strip() for p in parts]


def family_mitigations(qs: list[dict], totals: dict[tuple[str, str], int] | None = None) -> list[dict]:
    """Query families (all spellings together) with their pooled evidence and the strongest action.

    A family is keyed by its skeleton (look-alikes folded), which is no word anyone typed
    ("praflult" folds to "prafiuit"), so it is named by its most shown spelling. Its expected drop
    is its flagged impressions over the flagged impressions of the surfaces it appears on: the
    spellings' shares have different denominators and are not summed."""
    totals = totals or {}
    fam: dict[tuple[str, str], dict] = {}
    for q in qs:
        f = fam.setdefault((q["platform"], q["family"]), {
            "platform": q["platform"], "skeleton": q["family"], "variants": [], "impressions": 0,
            "flagged_impressions": 0, "surfaces": set(), "spellings": {}})
        f["variants"].append(f"{q['surface']}:{q['query']}")
        f["impressions"] += q["impressions"]
        f["flagged_impressions"] += q["expected_drop"]["flagged_impressions"]
        f["surfaces"].add(q["surface"])
        spelling = " ".join(q["query"].split()).lstrip("#")  # '#vexkin' and 'vexkin' are one spelling
        f["spellings"][spelling] = f["spellings"].get(spelling, 0) + q["impressions"]
        f.setdefault("queries", []).append(q)
    out = []
    for f in fam.values():
        f["family"] = min(f["spellings"], key=lambda s: (-f["spellings"][s], s))
        for q in f["queries"]:  # each query names its family as the family row does
            q["skeleton"], q["family"] = f["skeleton"], f["family"]
        total = sum(totals.get((f["platform"], s), 0) for s in f["surfaces"])
        lo, hi = intervals.wilson(f["flagged_impressions"], f["impressions"])
        action = "block" if lo >= BLOCK_SHARE_LOWER else "warn_no_bypass" if lo >= WARN_SHARE_LOWER else "remove_flagged_results"
        out.append({
            "platform": f["platform"], "family": f["family"], "skeleton": f["skeleton"], "action": action,
            "variants": sorted(f["variants"]),
            "evidence": (f"{plural(len(f['variants']), 'spelling')} of '{f['family']}': {f['flagged_impressions']} of "
                         f"{f['impressions']} impressions showed flagged accounts (95% CI {lo:.2f}-{hi:.2f})"),
            "flagged_share_ci": [round(lo, 6), round(hi, 6)],
            "expected_drop": _drop(f["flagged_impressions"], total),
        })
    order = {"block": 0, "warn_no_bypass": 1, "remove_flagged_results": 2}
    out.sort(key=lambda m: (order[m["action"]], -m["expected_drop"]["flagged_impressions"], m["platform"], m["family"]))
    return out


def query_mitigations(queries: dict[str, list[dict]], totals: dict[tuple[str, str], int]) -> list[dict]:
    out = []
    for platform, lst in queries.items():
        families = query_families([q["query"] for q in lst])
        for q, family in zip(lst, families):
            lo = (q.get("flagged_share_ci") or [0.0, 0.0])[0]
            if lo >= BLOCK_SHARE_LOWER:
                action = "block"
            elif lo >= WARN_SHARE_LOWER:
                action = "warn_no_bypass"
            else:
                action = "remove_flagged_results"
            x = q["flagged_impressions"]
            out.append({
                "platform": platform,
                "surface": q["surface"],
                "query": q["query"],
                "family": family,
                "action": action,
                "evidence": (
                    f"{x} of {q['impressions']} impressions for this {q['surface']} query showed "
                    f"{q['flagged_accounts']} flagged account(s) (share {q['flagged_share']:.2f}, "
                    f"95% CI {lo:.2f}-{(q.get('flagged_share_ci') or [0, 0])[1]:.2f})"
                ),
                "flagged_share": q["flagged_share"],
                "flagged_share_ci": q.get("flagged_share_ci"),
                "impressions": q["impressions"],
                "expected_drop": _drop(x, totals.get((platform, q["surface"]), 0)),
            })
    order = {"block": 0, "warn_no_bypass": 1, "remove_flagged_results": 2}
    out.sort(key=lambda m: (order[m["action"]], -m["expected_drop"]["flagged_impressions"], m["platform"], m["query"]))
    return out


def edge_mitigations(tables: AuditTables, totals: dict[tuple[str, str], int]) -> list[dict]:
    """Co-suggestion edges: flagged B shown to viewers because they follow flagged A."""
    rows = tables.co_suggestions(MAX_EDGES)
    return [
        {
            "platform": p,
            "surface": s,
            "from_account": via,
            "to_account": target,
            "action": "suppress_edge",
            "evidence": (
                f"{n} {s} impression(s) of flagged {target} went to {viewers} viewer(s) who follow flagged {via}"
            ),
            "expected_drop": _drop(n, totals.get((p, s), 0)),
        }
        for p, s, via, target, n, viewers in rows
    ]


def account_mitigations(tables: AuditTables, totals: dict[tuple[str, str], int]) -> list[dict]:
    """Every flagged account that recommendations surfaced, biggest exposure first."""
    rows = tables.flagged_exposure()
    reasons = tables.flagged_reasons()
    per: dict[tuple[str, str], dict] = defaultdict(lambda: {"by_surface": {}, "n": 0, "outsiders": 0})
    for p, a, s, n, outs in rows:
        acc = per[(p, a)]
        acc["by_surface"][s] = int(n)
        acc["n"] += int(n)
        acc["outsiders"] += int(outs)
    plat_total: dict[str, int] = defaultdict(int)
    for (p, _), n in totals.items():
        plat_total[p] += n
    out = []
    for (p, a), acc in per.items():
        surf = ", ".join(f"{s}: {n}" for s, n in sorted(acc["by_surface"].items(), key=lambda kv: (-kv[1], kv[0])))
        why = (reasons.get((p, a)) or "").strip()
        out.append({
            "platform": p,
            "account_id": a,
            "action": "exclude_from_candidates",
            "evidence": (
                f"flagged seller shown {acc['n']} time(s) ({surf}); {acc['outsiders']} to viewers outside the network"
                + (f"; flagged because: {why[:300]}" if why else "")
            ),
            "impressions_by_surface": acc["by_surface"],
            "expected_drop": _drop(acc["n"], plat_total[p]),
        })
    out.sort(key=lambda m: (-m["expected_drop"]["flagged_impressions"], m["platform"], m["account_id"]))
    return out


def build_mitigations(tables: AuditTables, queries: dict[str, list[dict]]) -> dict:
    totals = tables.flagged_totals()
    qs = query_mitigations(queries, totals)
    return {
        "version": 1,
        "thresholds": {
            "block_if_flagged_share_lower_ci_at_least": BLOCK_SHARE_LOWER,
            "warn_no_bypass_if_flagged_share_lower_ci_at_least": WARN_SHARE_LOWER,
            "confidence": intervals.CONFIDENCE,
        },
        "flagged_impressions": {f"{p}/{s}": n for (p, s), n in sorted(totals.items())},
        "queries": qs,
        "query_families": family_mitigations(qs, totals),
        "edges": edge_mitigations(tables, totals),
        "accounts": account_mitigations(tables, totals),
        "counts": {
            "block": sum(q["action"] == "block" for q in qs),
            "warn_no_bypass": sum(q["action"] == "warn_no_bypass" for q in qs),
            "remove_flagged_results": sum(q["action"] == "remove_flagged_results" for q in qs),
        },
    }
