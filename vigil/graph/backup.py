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
# Without a resembling handle: the new account inherits the old one's audience. At least this
# share of the old account's followers follow it too (a stranger shares almost none of a seller's
# buyers), and never fewer than this many (two shared followers happen by chance) ...
INHERITED_FOLLOWER_SHARE = 0.25
INHERITED_MIN_FOLLOWERS = 3
# ... and it says it is a backup ("backup acc", "new acc"), or it follows this many flagged sellers
# (it rejoins the ring), or it is already flagged on its own ads (then it must also keep a piece
# of the old name, below).
RING_MIN_FOLLOWS = 2
# Ring sellers share buyers, so an inherited audience alone cannot say WHICH seller came back. A
# new handle usually keeps a fragment of the old name ("itsfarah949" for "farahwal_menu"): a
# common run of this many letters ranks that original first, and is required when the account
# is already flagged on its own (two active sellers sharing buyers are two people). A fragment
# found in more than COMMON_SKELETON sellers' handles ("sells", "shop", "real") is a naming
# pattern of the trade, not a piece of one name, and does not count.
NAME_FRAGMENT_MIN = 3


@dataclass
class Backup:
    local: np.ndarray  # crawled-account index of the backup
    original: np.ndarray  # global code of the account it re-creates; -1: a ring seller's return, which one unclear
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
    """(candidate, seller, similarity) over same-platform pairs at HANDLE_SIMILAR or more, best
    first: the most similar, then the one whose length it keeps most closely, then by seller.

    The pairs sharing two trigrams grow with candidates x sellers of a platform, so blocking,
    counting and scoring all run in DuckDB: `handle_similarity` of a pair is its shared trigram
    count over the two sets' sizes, or 1.0 when the shorter skeleton sits inside the longer.
    """
    if not len(cand_codes) or not len(seller_codes):
        return []
    skel = {int(c): skeleton(handle[c]) for c in np.concatenate([cand_codes, seller_codes]).tolist()}
    freq: dict[tuple[str, str], int] = {}
    for c, sk in skel.items():
        freq[(platform[c], sk)] = freq.get((platform[c], sk), 0) + 1

    def usable(codes) -> pa.Table:
        kept = [c for c in codes.tolist() if len(skel[c]) >= MIN_SKELETON
                and freq[(platform[c], skel[c])] <= COMMON_SKELETON]
        return pa.table({"code": pa.array(kept, pa.int64()), "platform": pa.array([platform[c] for c in kept], pa.string()),
                         "s": pa.array([skel[c] for c in kept], pa.string())})

    cand, sell = usable(cand_codes), usable(seller_codes)
    if not cand.num_rows or not sell.num_rows:
        return []
    con = duckdb.connect()
    con.register("cand", cand)
    con.register("sell", sell)
    # _grams in SQL: the distinct substrings of length 3 (substr is 1-based).
    grams = "SELECT code, platform, unnest(list_distinct(list_transform(range(1, length(s) - 1), lambda k: substr(s, k, 3)))) AS g FROM {}"
    rows = con.sql(f"""
        WITH cg AS ({grams.format("cand")}), sg AS ({grams.format("sell")}),
             cn AS (SELECT code, count(*) AS n FROM cg GROUP BY code),
             sn AS (SELECT code, count(*) AS n FROM sg GROUP BY code),
             k AS (SELECT cg.code AS c, sg.code AS s, count(*) AS k FROM cg JOIN sg
                   ON cg.platform = sg.platform AND cg.g = sg.g AND cg.code <> sg.code
                   GROUP BY ALL HAVING count(*) >= 2),
             scored AS (
                SELECT k.c, k.s, abs(length(a.s) - length(b.s)) AS dl,
                       CASE WHEN least(length(a.s), length(b.s)) >= {CONTAINED_MIN_LEN}
                                 AND (CASE WHEN length(a.s) <= length(b.s) THEN contains(b.s, a.s)
                                           ELSE contains(a.s, b.s) END)
                            THEN 1.0 ELSE 2.0 * k.k / (cn.n + sn.n) END AS sim
                FROM k JOIN cand a ON a.code = k.c JOIN sell b ON b.code = k.s
                       JOIN cn ON cn.code = k.c JOIN sn ON sn.code = k.s)
        SELECT c, s, sim FROM scored WHERE sim >= {HANDLE_SIMILAR} ORDER BY sim DESC, dl, s, c""").fetchall()
    con.close()
    return [(int(c), int(s), float(sim)) for c, s, sim in rows]


def find_backups(ev: Evidence, nb: Neighbourhood, codes_local: np.ndarray, sellers: np.ndarray,
                 exclude_local: np.ndarray, handle_text, flagged_local: np.ndarray | None = None) -> Backup:
    """Crawled accounts that re-create a flagged seller (`sellers`: global mask). `flagged_local`:
    crawled accounts already flagged on their own evidence (searched too, with stricter proof on
    the handle-free path)."""
    codes = nb.codes
    found: dict[int, tuple[int, str]] = {}

    # 1. The seller named it: "follow my backup @x".
    for s, d in zip(ev.backup_src.tolist(), ev.backup_dst.tolist()):
        li = codes_local[d]
        if sellers[s] and li >= 0 and not exclude_local[li] and li not in found:
            found[li] = (s, f"announced as backup by flagged seller {handle_text(s)}")

    # 2. Near-identical handle plus a tie to the old account's circle. An account already flagged
    # on its own ads also needs a sign that it replaced the other (the old one had stopped posting
    # when it was created, or backup language): two sellers posting side by side under similar
    # names are two people (sellers of one ring often carry the same first name).
    flagged = flagged_local if flagged_local is not None else np.zeros(len(codes), dtype=bool)
    backup_lang = ev.sig["other"][codes] > 0
    followed_by_s = nb.in_count(("follow",), sellers)
    follows_s = nb.out_count(("follow",), sellers)
    tied = (followed_by_s + follows_s) > 0
    cand = np.flatnonzero(tied & ~exclude_local)
    seller_codes = np.flatnonzero(sellers)
    g = nb.g
    follow_in = g.inc("follow")
    for c, s, sim in similar_pairs(codes[cand], seller_codes, g.platform, ev.handle):  # best match first
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
        replaced = np.isfinite(quiet) and np.isfinite(created_c) and quiet - created_c >= -1
        if flagged[li] and not (replaced or backup_lang[li]):
            continue
        if shared >= 2 or followed_by_s[li] >= 2 or after_quiet or (followed_by_s[li] >= 1 and follows_s[li] >= 1):
            bits = [f"handle {handle_text(c)} resembles flagged seller {handle_text(s)} ({sim:.2f})"]
            if shared:
                bits.append(f"shares {shared} followers with it")
            if followed_by_s[li]:
                bits.append(f"followed by {int(followed_by_s[li])} flagged seller" + ("" if followed_by_s[li] == 1 else "s"))
            if after_quiet:
                bits.append("created right after it went quiet")
            found[li] = (s, ", ".join(bits))

    # 3. No resembling handle: created right after the old account went quiet, inherits a large
    # share of its followers, and says it is a backup or rejoins the ring.
    ring = follows_s >= RING_MIN_FOLLOWS
    open_ = np.ones(len(codes), dtype=bool)
    open_[list(found)] = False
    # Already-flagged accounts qualify on the name fragment (checked below) instead of the words.
    cand = np.flatnonzero(~exclude_local & open_ & np.isfinite(ev.created_days[codes])
                          & (backup_lang | ring | flagged))
    frag = _rare_fragment([skeleton(ev.handle[c]) for c in seller_codes.tolist()])
    for li, s, shared, why, n_fits in _inherited_audience(ev, g, codes[cand], seller_codes, follow_in, frag):
        li = int(cand[li])
        fragment = frag(ev.handle[codes[li]], ev.handle[s]) >= NAME_FRAGMENT_MIN
        if flagged[li] and not fragment:
            continue
        # Several quiet sellers fit and no name fragment picks one: a ring seller is back, but
        # naming one of them would be a guess (and a false same-person link).
        sure = fragment or n_fits == 1
        found[li] = (s if sure else -1,
                     (f"created {why} after flagged seller {handle_text(s)} went quiet, "
                      if sure else f"created {why} after {n_fits} flagged sellers it shares followers with went quiet, ")
                     + f"{shared} of {'its' if sure else 'their'} followers follow it"
                     + (", backup language in its profile/posts" if backup_lang[li] else
                        f", follows {int(follows_s[li])} flagged sellers"))
    loc = np.array(sorted(found), dtype=np.int64)
    return Backup(local=loc, original=np.array([found[i][0] for i in loc], dtype=np.int64),
                  reason=[found[i][1] for i in loc])


def _inherited_audience(ev: Evidence, g, cand_codes: np.ndarray, seller_codes: np.ndarray, follow_in, frag):
    """(candidate index, original code, shared followers, when) for candidates created within the
    quiet window after a same-platform flagged seller's last post that share at least
    INHERITED_FOLLOWER_SHARE of its followers; the original sharing the most is kept."""
    if not len(cand_codes) or not len(seller_codes):
        return []
    fc = follow_in[cand_codes].tocsr().astype(np.float32)
    fs = follow_in[seller_codes].tocsr().astype(np.float32)
    fc.data[:] = 1.0
    fs.data[:] = 1.0
    n_followers = np.asarray(fs.sum(axis=1)).ravel()
    shared = (fc @ fs.T).tocoo()
    best: dict[int, tuple[tuple, int, int, float]] = {}
    fits: dict[int, int] = {}
    for i, j, k in zip(shared.row.tolist(), shared.col.tolist(), shared.data.tolist()):
        c, s = int(cand_codes[i]), int(seller_codes[j])
        if c == s or g.platform[c] != g.platform[s]:
            continue
        if k < INHERITED_MIN_FOLLOWERS or k < INHERITED_FOLLOWER_SHARE * n_followers[j]:
            continue
        created_c, created_s, quiet = ev.created_days[c], ev.created_days[s], ev.last_active_days[s]
        if not (np.isfinite(quiet) and np.isfinite(created_s)) or created_c > created_s:
            continue
        gap = quiet - created_c  # days from the old account's last post to the new one's creation
        if not -1 <= gap <= QUIET_WINDOW_DAYS:
            continue
        fits[i] = fits.get(i, 0) + 1
        rank = (frag(ev.handle[c], ev.handle[s]) >= NAME_FRAGMENT_MIN, k / max(n_followers[j], 1.0))
        if i not in best or rank > best[i][0]:
            best[i] = (rank, s, int(k), gap)
    return [(i, s, k, f"{max(gap, 0):.0f} days", fits[i]) for i, (_, s, k, gap) in sorted(best.items())]


def _rare_fragment(seller_skeletons: list[str]):
    """A function giving the longest run of letters two handles' skeletons share that is no
    naming pattern (found in at most COMMON_SKELETON of the sellers' skeletons)."""
    cache: dict[str, bool] = {}

    def rare(sub: str) -> bool:
        if sub not in cache:
            cache[sub] = sum(sub in sk for sk in seller_skeletons) <= COMMON_SKELETON
        return cache[sub]

    def longest(a: str | None, b: str | None) -> int:
        x, y = sorted((skeleton(a), skeleton(b)), key=len)
        for size in range(len(x), NAME_FRAGMENT_MIN - 1, -1):
            for i in range(len(x) - size + 1):
                sub = x[i:i + size]
                if sub in y and rare(sub):
                    return size
        return 0
    return longest
