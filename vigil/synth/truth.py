"""The recommendation audit computed with the true sellers, exactly as the contract defines it.

Kept free of the generator's internals (plain arrays of ids in, the contract's JSON out), so the
tests can recompute it from the written export and compare.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

SURFACE_ORDER = ("suggested_accounts", "explore", "search", "hashtag", "feed")


def audit_truth(accounts: dict[str, list[str]], flagged: dict[str, set[str]],
                follows: dict[str, tuple[np.ndarray, np.ndarray]], post_author: dict[str, dict[str, str]],
                recs: dict[str, dict[str, np.ndarray]]) -> dict:
    """accounts: platform -> account ids; flagged: platform -> seller ids; follows: platform ->
    (src ids, dst ids); post_author: platform -> post id -> author id; recs: platform -> columns
    viewer, surface, item, item_kind, query (numpy object arrays)."""
    out: dict = {"platforms": {}}
    for platform, ids in accounts.items():
        fl = flagged.get(platform, set())
        baseline = len(fl) / len(ids) if ids else 0.0
        src, dst = follows.get(platform, (np.zeros(0, object), np.zeros(0, object)))
        # Python set lookups: np.isin on object arrays sorts them, slow on big platforms.
        is_flagged_dst = np.fromiter((d in fl for d in dst), dtype=bool, count=len(dst))
        adjacent = set(src[is_flagged_dst].tolist())
        r = recs.get(platform)
        surfaces: dict = {}
        queries: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        if r is not None and len(r["viewer"]):
            authors = post_author.get(platform, {})
            item_flagged = np.fromiter(
                ((a if k == "account" else authors.get(a)) in fl for a, k in zip(r["item"], r["item_kind"])),
                dtype=bool, count=len(r["item"]))
            is_adj = np.fromiter((v in adjacent for v in r["viewer"]), dtype=bool, count=len(r["viewer"]))
            for surface in SURFACE_ORDER:
                m = r["surface"] == surface
                if not m.any():
                    continue
                adj_n = int((m & is_adj).sum())
                oth_n = int((m & ~is_adj).sum())
                adj_share = float((m & is_adj & item_flagged).sum()) / adj_n if adj_n else 0.0
                oth_share = float((m & ~is_adj & item_flagged).sum()) / oth_n if oth_n else 0.0
                surfaces[surface] = {
                    "impressions": int(m.sum()),
                    "adjacent_impressions": adj_n,
                    "adjacent_flagged_share": adj_share,
                    "other_flagged_share": oth_share,
                    "baseline_share": baseline,
                    "lift": adj_share / baseline if baseline else 0.0,
                }
            qm = np.isin(r["surface"], ["search", "hashtag"])
            for s, q, f in zip(r["surface"][qm], r["query"][qm], item_flagged[qm]):
                c = queries[(s, q)]
                c[0] += 1
                c[1] += int(f)
        qlist = [{"surface": s, "query": q, "impressions": n, "flagged_share": k / n}
                 for (s, q), (n, k) in queries.items() if k > 0]
        qlist.sort(key=lambda d: (-d["impressions"], -d["flagged_share"], d["surface"], d["query"]))
        out["platforms"][platform] = {"surfaces": surfaces, "queries": qlist}
    return out
