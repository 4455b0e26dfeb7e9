"""Compare a results folder with the truth of a synthetic world.

Truth is only ever read here and in tests: the pipeline never sees it. The metrics mirror the
bars of the project's issues (role F1, decoy false-positive rates, backup recall, link F1 inside
the network, audit lift error, query recall, rejects count), so one command says whether a run
meets them. `summary` holds the headline numbers flat, for scripts and other helpers.

Truth format (see ../shared/worlds/sample-truth): truth_accounts.csv
(platform,account_id,role,kind,network,seed), truth_links.csv (platform_a,account_a,platform_b,
account_b,kind,...), truth_audit.json (contract format, computed with the true sellers),
truth_rejects.txt (first line: the number of broken lines; then `file count`, then
`file:line reason` lines), truth_terms.csv (term,type,base; may be empty).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

ROLES = ("seller", "buyer", "facilitator")
# Truth kinds that are part of the network although their role is `none`: the real-name identity
# of a buyer on another platform is exactly what the linker should find.
NETWORK_KINDS = ("buyer_identity",)
# Kinds whose false links are the worst error the linker can make: a link whose only ground is a
# shared default avatar (or a stock picture many accounts use) or a common name.
WEAK_LINK_KINDS = ("default_avatar", "stock_avatar", "name_trap")


Key = tuple[str, str]


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def _pair(pa_: str, a: str, pb: str, b: str) -> tuple[Key, Key]:
    x, y = (pa_, a), (pb, b)
    return (x, y) if x <= y else (y, x)


# --- accounts --------------------------------------------------------------------------------


def load_truth_accounts(truth_dir: Path) -> dict[Key, dict[str, str]]:
    rows = _read_csv(Path(truth_dir) / "truth_accounts.csv")
    return {(r["platform"], r["account_id"]): r for r in rows}


def load_predicted_roles(results_dir: Path) -> dict[Key, str]:
    rows = _read_csv(Path(results_dir) / "accounts.csv")
    return {(r["platform"], r["account_id"]): (r.get("role") or "none") for r in rows}


def evaluate_roles(truth: dict[Key, dict[str, str]], pred: dict[Key, str]) -> dict:
    """Per-role precision/recall/F1 over every account; unscored accounts count as `none`."""
    keys = set(truth) | set(pred)
    out = {}
    for role in ROLES:
        tp = fp = fn = 0
        for k in keys:
            t = truth.get(k, {}).get("role", "none") == role
            p = pred.get(k, "none") == role
            tp += t and p
            fp += p and not t
            fn += t and not p
        out[role] = _prf(tp, fp, fn)
    # Any non-none role for a true network member, ignoring which role: how much of the network
    # is found at all.
    tp = sum(1 for k, r in truth.items() if r["role"] != "none" and pred.get(k, "none") != "none")
    fp = sum(1 for k, p in pred.items() if p != "none" and truth.get(k, {}).get("role", "none") == "none")
    fn = sum(1 for k, r in truth.items() if r["role"] != "none" and pred.get(k, "none") == "none")
    out["any"] = _prf(tp, fp, fn)
    confusion: Counter = Counter()
    for k in keys:
        confusion[(truth.get(k, {}).get("role", "none"), pred.get(k, "none"))] += 1
    out["confusion"] = {f"{t}->{p}": n for (t, p), n in sorted(confusion.items())}
    return out


def evaluate_decoys(truth: dict[Key, dict[str, str]], pred: dict[Key, str]) -> dict:
    """False-positive rate per kind of account whose true role is `none`."""
    n: Counter = Counter()
    flagged: Counter = Counter()
    for k, r in truth.items():
        if r["role"] != "none":
            continue
        n[r["kind"]] += 1
        flagged[r["kind"]] += pred.get(k, "none") != "none"
    return {kind: {"n": n[kind], "flagged": flagged[kind], "rate": flagged[kind] / n[kind]} for kind in sorted(n)}


def evaluate_backups(truth: dict[Key, dict[str, str]], pred: dict[Key, str]) -> dict:
    keys = [k for k, r in truth.items() if r["kind"] == "backup_seller"]
    found = sum(1 for k in keys if pred.get(k, "none") == "seller")
    return {"n": len(keys), "found": found, "recall": found / len(keys) if keys else 1.0}


# --- links -----------------------------------------------------------------------------------


def evaluate_links(truth_dir: Path, results_dir: Path, truth: dict[Key, dict[str, str]]) -> dict:
    truth_rows = _read_csv(Path(truth_dir) / "truth_links.csv")
    pred_rows = _read_csv(Path(results_dir) / "links.csv")
    t_pairs = {_pair(r["platform_a"], r["account_a"], r["platform_b"], r["account_b"]) for r in truth_rows}
    p_pairs: dict[tuple[Key, Key], str] = {}
    for r in pred_rows:
        p_pairs[_pair(r["platform_a"], r["account_a"], r["platform_b"], r["account_b"])] = r.get("evidence", "")

    def in_network(k: Key) -> bool:
        r = truth.get(k)
        return bool(r) and (r["role"] != "none" or r["kind"] in NETWORK_KINDS)

    def score(tset: set, pset: set) -> dict:
        return _prf(len(tset & pset), len(pset - tset), len(tset - pset))

    net_t = {p for p in t_pairs if in_network(p[0]) or in_network(p[1])}
    net_p = {p for p in p_pairs if in_network(p[0]) or in_network(p[1])}
    cross_t = {p for p in t_pairs if p[0][0] != p[1][0]}
    cross_p = {p for p in p_pairs if p[0][0] != p[1][0]}
    weak = []
    for pair, evidence in p_pairs.items():
        if pair in t_pairs:
            continue
        kinds = [truth.get(k, {}).get("kind", "") for k in pair]
        if any(kd in WEAK_LINK_KINDS for kd in kinds):
            weak.append({"a": list(pair[0]), "b": list(pair[1]), "kinds": kinds, "evidence": evidence})
    return {
        "all": score(t_pairs, set(p_pairs)),
        "cross_platform": score(cross_t, cross_p),
        "network": score(net_t, net_p),
        "weak_false_links": len(weak),
        "weak_false_examples": weak[:10],
    }


# --- audit -----------------------------------------------------------------------------------


def _rel_error(value: float | None, truth: float) -> float:
    """Relative error of a lift; a surface the results leave out counts as lift 0, which is right
    only where the truth has no lift either (a platform without sellers)."""
    if value is None:
        value = 0.0
    if isinstance(value, float) and math.isnan(value):
        return float("inf")
    if truth == 0:
        return 0.0 if value == 0 else float("inf")
    return abs(value - truth) / abs(truth)


def _norm_query(q: str) -> str:
    return (q or "").strip().lower()


def evaluate_audit(truth_dir: Path, results_dir: Path) -> dict:
    t_path, r_path = Path(truth_dir) / "truth_audit.json", Path(results_dir) / "recommendation_audit.json"
    if not t_path.exists():
        return {}
    t = json.loads(t_path.read_text(encoding="utf-8")).get("platforms", {})
    r = json.loads(r_path.read_text(encoding="utf-8")).get("platforms", {}) if r_path.exists() else {}
    surfaces = {}
    t_queries: set[tuple[str, str, str]] = set()
    r_queries: set[tuple[str, str, str]] = set()
    for platform, tp in t.items():
        rp = r.get(platform, {})
        for surface, ts in tp.get("surfaces", {}).items():
            rs = rp.get("surfaces", {}).get(surface, {})
            lift = rs.get("lift")
            surfaces[f"{platform}/{surface}"] = {
                "truth_lift": ts.get("lift", 0.0),
                "lift": lift,
                "rel_error": _rel_error(lift, ts.get("lift", 0.0)),
                "truth_adjacent_impressions": ts.get("adjacent_impressions", 0),
                "adjacent_impressions": rs.get("adjacent_impressions"),
            }
        t_queries |= {(platform, q["surface"], _norm_query(q["query"])) for q in tp.get("queries", [])}
        r_queries |= {(platform, q.get("surface", ""), _norm_query(q.get("query", ""))) for q in rp.get("queries", [])}
    found = t_queries & r_queries
    errors = [s["rel_error"] for s in surfaces.values()]
    return {
        "surfaces": surfaces,
        "max_rel_error": max(errors) if errors else 0.0,
        "queries_truth": len(t_queries),
        "queries_found": len(found),
        "query_recall": len(found) / len(t_queries) if t_queries else 1.0,
        "queries_extra": len(r_queries - t_queries),
    }


# --- rejects and terms -----------------------------------------------------------------------


def evaluate_rejects(truth_dir: Path, results_dir: Path) -> dict:
    t_path = Path(truth_dir) / "truth_rejects.txt"
    truth_n = None
    truth_lines: set[tuple[str, int]] = set()
    if t_path.exists():
        lines = t_path.read_text(encoding="utf-8").splitlines()
        truth_n = int(lines[0].strip()) if lines else 0
        for ln in lines[1:]:
            head = ln.split(" ", 1)[0]
            if ":" in head:
                f, _, n = head.rpartition(":")
                if n.isdigit():
                    truth_lines.add((f, int(n)))
    r_path = Path(results_dir) / "rejects.jsonl"
    got = 0
    got_lines: set[tuple[str, int]] = set()
    if r_path.exists():
        with open(r_path, encoding="utf-8") as f:
            for ln in f:
                if not ln.strip():
                    continue
                got += 1
                try:
                    rec = json.loads(ln)
                    got_lines.add((Path(str(rec.get("file", ""))).name, int(rec.get("line"))))
                except (ValueError, TypeError):
                    pass
    out = {"truth": truth_n, "results": got, "match": truth_n == got}
    if truth_lines:
        out["lines_found"] = len(truth_lines & got_lines)
        out["line_recall"] = len(truth_lines & got_lines) / len(truth_lines)
    return out


def evaluate_terms(truth_dir: Path, results_dir: Path, top_k: int = 50) -> dict:
    """Recall of the truth's emergent terms (not in the lexicon) among the top found terms."""
    truth_terms = {_norm_query(r["term"]).lstrip("#") for r in _read_csv(Path(truth_dir) / "truth_terms.csv")}
    found = [_norm_query(r["term"]).lstrip("#") for r in _read_csv(Path(results_dir) / "terms.csv")][:top_k]
    hit = truth_terms & set(found)
    return {"truth": len(truth_terms), "found": len(hit), "recall": len(hit) / len(truth_terms) if truth_terms else 1.0}


# --- all together ----------------------------------------------------------------------------


def evaluate(results_dir: Path, truth_dir: Path) -> dict:
    """Every metric of a results folder against a truth folder; `summary` holds the headlines."""
    results_dir, truth_dir = Path(results_dir), Path(truth_dir)
    if not (truth_dir / "truth_accounts.csv").exists():
        raise FileNotFoundError(f"{truth_dir}: no truth_accounts.csv (is this a truth folder?)")
    if not (results_dir / "accounts.csv").exists():
        raise FileNotFoundError(f"{results_dir}: no accounts.csv (is this a results folder?)")
    truth = load_truth_accounts(truth_dir)
    pred = load_predicted_roles(results_dir)
    roles = evaluate_roles(truth, pred)
    decoys = evaluate_decoys(truth, pred)
    backups = evaluate_backups(truth, pred)
    links = evaluate_links(truth_dir, results_dir, truth)
    audit = evaluate_audit(truth_dir, results_dir)
    rejects = evaluate_rejects(truth_dir, results_dir)
    terms = evaluate_terms(truth_dir, results_dir)
    decoy_rates = {k: v["rate"] for k, v in decoys.items() if k != "benign"}
    summary = {
        **{f"{r}_f1": roles[r]["f1"] for r in ROLES},
        **{f"{r}_precision": roles[r]["precision"] for r in ROLES},
        **{f"{r}_recall": roles[r]["recall"] for r in ROLES},
        "max_decoy_fpr": max(decoy_rates.values()) if decoy_rates else 0.0,
        "worst_decoy_kind": max(decoy_rates, key=decoy_rates.get) if decoy_rates else None,
        "benign_fpr": decoys.get("benign", {}).get("rate", 0.0),
        "backup_seller_recall": backups["recall"],
        "link_f1": links["all"]["f1"],
        "link_f1_network": links["network"]["f1"],
        "weak_false_links": links["weak_false_links"],
        "audit_max_rel_error": audit.get("max_rel_error", 0.0),
        "query_recall": audit.get("query_recall", 1.0),
        "rejects_truth": rejects["truth"],
        "rejects_results": rejects["results"],
        "rejects_match": rejects["match"],
        "term_recall": terms["recall"],
    }
    return {
        "summary": summary,
        "roles": roles,
        "decoys": decoys,
        "backups": backups,
        "links": links,
        "audit": audit,
        "rejects": rejects,
        "terms": terms,
    }


# The bars of issues 2, 5, 6 and 7, so `vigil eval` can say pass or fail per line.
BARS = {
    "seller_f1": (">=", 0.95),
    "buyer_f1": (">=", 0.85),
    "facilitator_f1": (">=", 0.8),
    "max_decoy_fpr": ("<=", 0.01),
    "backup_seller_recall": (">=", 0.9),
    "link_f1_network": (">=", 0.9),
    "weak_false_links": ("<=", 0),
    "audit_max_rel_error": ("<=", 0.10),
    "query_recall": (">=", 0.9),
    "rejects_match": ("==", True),
}


def check_bars(summary: dict) -> dict[str, bool]:
    out = {}
    for key, (op, bar) in BARS.items():
        v = summary.get(key)
        if v is None:
            out[key] = False
        elif op == ">=":
            out[key] = v >= bar
        elif op == "<=":
            out[key] = v <= bar
        else:
            out[key] = v == bar
    return out
