"""Backup and re-created accounts: the seller who comes back under a near-identical handle.

A banned seller's new account starts with a clean bio, so its own text says nothing. What gives
it away is relative to the old account: the seller announced it ("follow my backup @x"), its
handle is the old one with a suffix, the old account's circle follows it at once, and it was
created around when the old one went quiet. Each of these is weak alone except the announcement;
the rule asks for a handle resemblance plus a tie in the graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from vigil.graph.evidence import Evidence
from vigil.graph.features import Neighbourhood

# Trigram Dice similarity of handle skeletons (letters only) at which two handles read as the
# same name with decoration: "real.gianna.store" / "real.gianna.store27" is 1.0, "liam.shop" /
# "liam.jones" 0.2, and "valeriapromo" / "x_valeria" (a promoter named after the seller it
# pushes) 0.62. A re-created account keeps nearly all of its name.
HANDLE_SIMILAR = 0.8
# A shorter skeleton wholly inside the longer one ("realaish" in "realaishastor") also counts,
# when it is long enough not to be a common first name.
CONTAINED_MIN_LEN = 6
# A skeleton shared by more accounts than this among those compared ("user" of user_123,
# user_456) is a naming pattern, not an identity, like a default avatar.
COMMON_SKELETON = 3
# Skeletons shorter than this carry too little of a name to resemble anything.
MIN_SKELETON = 5
# "Right after it went quiet": created within this many days of the old account's last post.
QUIET_WINDOW_DAYS = 21


@dataclass
class Backup:
    local: np.ndarray  # crawled-account index of the backup
    original: np.ndarray  # global code of the account it re-creates
    reason: list[str]


def skeleton(handle: str | None) -> str:
    return re.sub(r"[^a-z]", "", (handle or "").lower())


def _grams(s: str) -> set[str]:
    return {s[i:i + 3] for i in range(max(len(s) - 2, 0))}


def handle_similarity(a: str, b: str) -> float:
    """Trigram Dice of two skeletons, or 1.0 when the shorter (long enough) sits inside the longer."""
    if not a or not b:
        return 0.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= CONTAINED_MIN_LEN and short in long_:
        return 1.0
    ga, gb = _grams(a), _grams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb)) if ga and gb else 0.0


def similar_pairs(cand_codes: np.ndarray, seller_codes: np.ndarray, platform: np.ndarray,
                  handle: np.ndarray) -> list[tuple[int, int, float]]:
    """(candidate, seller, similarity) over same-platform pairs sharing a handle trigram.

    Blocking on shared trigrams in DuckDB keeps this a join, not candidates x sellers.
    """
    def grams_table(codes):
        rows_c, rows_p, rows_g = [], [], []
        for c in codes.tolist():
            for g in _grams(skel[c]):
                rows_c.append(c), rows_p.append(platform[c]), rows_g.append(g)
        return pa.table({"code": pa.array(rows_c, pa.int64()), "platform": pa.array(rows_p, pa.string()),
                         "g": pa.array(rows_g, pa.string())})

    if not len(cand_codes) or not len(seller_codes):
        return []
    skel = {int(c): skeleton(handle[c]) for c in np.concatenate([cand_codes, seller_codes]).tolist()}
    freq: dict[tuple[str, str], int] = {}
    for c, sk in skel.items():
        freq[(platform[c], sk)] = freq.get((platform[c], sk), 0) + 1

    def usable(codes):
        return np.array([c for c in codes.tolist() if len(skel[c]) >= MIN_SKELETON
                         and freq[(platform[c], skel[c])] <= COMMON_SKELETON], dtype=np.int64)

    cand_codes, seller_codes = usable(cand_codes), usable(seller_codes)
    if not len(cand_codes) or not len(seller_codes):
        return []
    con = duckdb.connect()
    con.register("cg", grams_table(cand_codes))
    con.register("sg", grams_table(seller_codes))
    res = con.sql("""SELECT cg.code AS c, sg.code AS s, count(*) AS k FROM cg JOIN sg
                     ON cg.platform = sg.platform AND cg.g = sg.g AND cg.code <> sg.code
                     GROUP BY ALL HAVING count(*) >= 2""").fetchall()
    out = []
    for c, s, _ in res:
        sim = handle_similarity(skel[c], skel[s])
        if sim >= HANDLE_SIMILAR:
            out.append((c, s, sim))
    return out


def find_backups(ev: Evidence, nb: Neighbourhood, codes_local: np.ndarray, sellers: np.ndarray,
                 exclude_local: np.ndarray, handle_text) -> Backup:
    """Crawled accounts that re-create a flagged seller (`sellers`: global mask)."""
    codes = nb.codes
    found: dict[int, tuple[int, str]] = {}

    # 1. The seller named it: "follow my backup @x".
    for s, d in zip(ev.backup_src.tolist(), ev.backup_dst.tolist()):
        li = codes_local[d]
        if sellers[s] and li >= 0 and not exclude_local[li] and li not in found:
            found[li] = (s, f"announced as backup by flagged seller {handle_text(s)}")

    # 2. Near-identical handle plus a tie to the old account's circle.
    followed_by_s = nb.in_count(("follow",), sellers)
    follows_s = nb.out_count(("follow",), sellers)
    tied = (followed_by_s + follows_s) > 0
    cand = np.flatnonzero(tied & ~exclude_local)
    seller_codes = np.flatnonzero(sellers)
    g = nb.g
    follow_in = g.inc("follow")
    for c, s, sim in similar_pairs(codes[cand], seller_codes, g.platform, ev.handle):
        li = codes_local[c]
        if li in found:
            continue
        created_c, created_s = ev.created_days[c], ev.created_days[s]
        # created_days counts back from the export's end: larger = older.
        if np.isfinite(created_c) and np.isfinite(created_s) and created_c > created_s:
            continue  # older than the account it would re-create
        shared = follow_in[c].multiply(follow_in[s]).nnz
        quiet = ev.last_active_days[s]
        after_quiet = (np.isfinite(quiet) and np.isfinite(created_c)
                       and -1 <= quiet - created_c <= QUIET_WINDOW_DAYS)
        if shared >= 2 or followed_by_s[li] >= 2 or after_quiet or (followed_by_s[li] >= 1 and follows_s[li] >= 1):
            bits = [f"handle {handle_text(c)} resembles flagged seller {handle_text(s)} ({sim:.2f})"]
            if shared:
                bits.append(f"shares {shared} followers with it")
            if followed_by_s[li]:
                bits.append(f"followed by {int(followed_by_s[li])} flagged seller" + ("" if followed_by_s[li] == 1 else "s"))
            if after_quiet:
                bits.append("created right after it went quiet")
            found[li] = (s, ", ".join(bits))
    loc = np.array(sorted(found), dtype=np.int64)
    return Backup(local=loc, original=np.array([found[i][0] for i in loc], dtype=np.int64),
                  reason=[found[i][1] for i in loc])
