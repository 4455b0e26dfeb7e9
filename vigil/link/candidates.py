"""Blocking: the few accounts worth comparing with each account of interest.

Comparing every pair is quadratic, so each account gets candidates only from keys a true match
would very likely share: a pointer in either profile, a rare contact identifier, the same name,
a handle sharing most of its character trigrams, or a profile picture within the copy radius.
Each candidate remembers which keys found it, for the evidence text and for tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import duckdb
import numpy as np
import pyarrow as pa

from vigil.link.images import ProfileImages
from vigil.link.normalize import trigrams
from vigil.link.profiles import Profiles

# A name held by more accounts than this on a platform is blocked on no further: it would
# add hundreds of candidates that its frequency then weighs to nothing.
NAME_BLOCK_MAX = 200
# Share of the query handle's trigrams a candidate must have to be compared on the handle alone.
HANDLE_TRIGRAM_SHARE = 0.5
# Per query and platform, at most this many handle-only candidates (the most similar first).
HANDLE_TOP_K = 20


def block(prof: Profiles, imgs: ProfileImages, queries: list[int], image_radius: int,
          same_platform: bool = True, engine: "LinkEngine | None" = None) -> dict[tuple[int, int], set[str]]:
    """(query row, candidate row) -> the blocking keys that paired them, in (query, candidate)
    order: the order is the pairs', never the engine's or a set's."""
    rows = (engine or EMBEDDED).candidates(prof, imgs, queries, image_radius)
    return candidate_pairs(prof, rows, same_platform)


def candidate_pairs(prof: Profiles, rows, same_platform: bool) -> dict[tuple[int, int], set[str]]:
    """(query, candidate, key) rows -> the pair table: an account is no candidate of itself, and
    same-platform candidates only when asked for."""
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    for i, j, why in rows:
        if i == j or (not same_platform and prof.platform[i] == prof.platform[j]):
            continue
        pairs[(i, j)].add(why)
    return {k: pairs[k] for k in sorted(pairs)}


def embedded_candidates(prof: Profiles, imgs: ProfileImages, queries: list[int],
                        image_radius: int) -> list[tuple[int, int, str]]:
    """Every (query, candidate, key) the blocking keys give, on this process."""
    return key_blocks(prof, queries) + [(i, j, "handle") for i, j in _handle_blocks(prof, queries)] + [
        (i, j, "image") for i, j in image_blocks(imgs, queries, image_radius)]


def key_blocks(prof: Profiles, queries: list[int]) -> list[tuple[int, int, str]]:
    """Pointers either way, shared rare identifiers, and the same name on another platform
    (a name held by at most NAME_BLOCK_MAX accounts there)."""
    out = []
    for i in queries:
        out += [(i, j, "pointer") for j in prof.points_to[i]]
        out += [(i, j, "pointer") for j in prof.pointed_by.get(i, ())]
        for ident in prof.identifiers[i]:
            out += [(i, j, "identifier") for j in prof.by_identifier.get(ident, ())]
        if prof.key[i]:
            for p in prof.platform_size:
                if p == prof.platform[i]:
                    continue
                group = prof.by_key.get((p, prof.key[i]), ())
                if len(group) <= NAME_BLOCK_MAX:
                    out += [(i, j, "name") for j in group]
    return out


def image_blocks(imgs: ProfileImages, queries: list[int], image_radius: int) -> list[tuple[int, int]]:
    """Accounts whose (personal) picture is within the radius of a query's picture or of one of
    its rotations/mirrors."""
    with_image = [i for i in queries if imgs.has(i)]
    variants = [imgs.variants(i) for i in with_image]
    flat = [v for vs in variants for v in vs]
    owner = [i for i, vs in zip(with_image, variants) for _ in vs]
    return [(i, j) for i, hits in zip(owner, imgs.near(flat, image_radius)) for j, _ in hits]


def _handle_blocks(prof: Profiles, queries: list[int]) -> list[tuple[int, int]]:
    """Accounts whose handle shares most trigrams with a query's handle, joined in DuckDB.

    Joining every query trigram to every handle holding it is quadratic in the export (a common
    trigram such as "^ma" is held by thousands of handles). A candidate holding at least k of a
    query's n trigrams must hold one of the query's n - k + 1 rarest (prefix filtering), so only
    those are joined; each candidate found is then counted over all n trigrams. The result is the
    full join's, exactly: every pair at or above the share, ranked the same within its query.
    """
    q_rows, q_tris = [], []
    for i in queries:
        for t in trigrams(prof.core[i]):
            q_rows.append(i)
            q_tris.append(t)
    if not q_rows:
        return []
    con = duckdb.connect()
    con.register("q_in", pa.table({"i": pa.array(q_rows, pa.int64()), "t": q_tris}))
    a, df, held = _handle_trigrams(prof, con)
    con.register("a", a)
    con.register("df", df)
    # Each query trigram with its rank by rarity within the query, and the query's trigram count.
    con.execute(
        """CREATE TEMP TABLE q AS
           SELECT q_in.i, q_in.t, coalesce(df.tid, -1) AS tid, count(*) OVER (PARTITION BY q_in.i) AS n,
                  row_number() OVER (PARTITION BY q_in.i ORDER BY coalesce(df.df, 0), q_in.t) AS r
           FROM q_in LEFT JOIN df USING (t)"""
    )
    cand = con.sql(
        f"""SELECT DISTINCT q.i, a.j FROM q JOIN a USING (t)
            WHERE q.r <= q.n - ceil(q.n * {HANDLE_TRIGRAM_SHARE}) + 1 AND q.i <> a.j"""
    ).to_arrow_table()
    query_tris = con.sql("SELECT i, tid, n FROM q").to_arrow_table()
    con.close()
    return _top_by_share(prof, cand, held, query_tris)


def _handle_trigrams(prof: Profiles, con) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Every handle's trigrams (j, t), each trigram's document frequency and id (t, df, tid), and
    (j, tid) sorted by j: the same for every set of queries, so built once per export."""
    if prof.handle_trigrams is not None:
        return prof.handle_trigrams
    con.register("cores", pa.table({"j": pa.array(np.arange(len(prof.core)), pa.int64()), "core": prof.core}))
    # Same padding as normalize.trigrams, computed in DuckDB so a million handles stay out of Python.
    a = con.sql(
        """SELECT DISTINCT j, unnest(list_transform(range(1, length(s) - 1), lambda k: substr(s, k, 3))) AS t
           FROM (SELECT j, '^' || core || '$' AS s FROM cores WHERE core <> '')"""
    ).to_arrow_table()
    con.register("a_all", a)
    df = con.sql("SELECT t, count(*) AS df, (row_number() OVER ()) - 1 AS tid FROM a_all GROUP BY t").to_arrow_table()
    con.register("df_all", df)
    held = con.sql("SELECT a_all.j, df_all.tid FROM a_all JOIN df_all USING (t) ORDER BY a_all.j").to_arrow_table()
    con.unregister("cores")
    con.unregister("a_all")
    con.unregister("df_all")
    prof.handle_trigrams = (a, df, held)
    return prof.handle_trigrams


# Candidate pairs counted per numpy batch (each expands to its candidates' trigrams).
COUNT_BATCH = 1 << 18


def _top_by_share(prof: Profiles, cand: pa.Table, held: pa.Table, query_tris: pa.Table) -> list[tuple[int, int]]:
    """Count each candidate's share of its query's trigrams (sorted-key lookups in numpy: a hash
    join of every candidate against every trigram was most of the blocking time), keep those at
    HANDLE_TRIGRAM_SHARE and the HANDLE_TOP_K best per query and platform."""
    if not cand.num_rows:
        return []
    ci = cand.column("i").to_numpy()
    cj = cand.column("j").to_numpy()
    hj, htid = held.column("j").to_numpy(), held.column("tid").to_numpy()
    off = np.zeros(len(prof) + 1, dtype=np.int64)
    np.cumsum(np.bincount(hj, minlength=len(prof)), out=off[1:])
    qi, qtid, qn = (query_tris.column(c).to_numpy() for c in ("i", "tid", "n"))
    queries, qpos = np.unique(qi, return_inverse=True)
    n_tri = int(htid.max()) + 2 if len(htid) else 1
    keys = np.unique(qpos.astype(np.int64) * n_tri + (qtid + 1))  # tid -1 (held by no account) -> 0
    n_of = np.zeros(len(queries), dtype=np.int64)
    n_of[qpos] = qn
    cpos = np.searchsorted(queries, ci)
    shared = np.zeros(len(ci), dtype=np.int64)
    for lo in range(0, len(ci), COUNT_BATCH):
        j, pos = cj[lo : lo + COUNT_BATCH], cpos[lo : lo + COUNT_BATCH]
        lengths = off[j + 1] - off[j]
        starts = np.zeros(len(j), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        flat = np.repeat(off[j] - starts, lengths) + np.arange(int(lengths.sum()))
        key = np.repeat(pos.astype(np.int64) * n_tri, lengths) + (htid[flat] + 1)
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        found = np.concatenate([[0], np.cumsum(keys[at] == key)])
        shared[lo : lo + COUNT_BATCH] = found[starts + lengths] - found[starts]
    share = shared / n_of[cpos]
    keep = share >= HANDLE_TRIGRAM_SHARE
    ci, cj, shared = ci[keep], cj[keep], shared[keep]
    plat = np.unique(np.asarray(prof.platform, dtype=object), return_inverse=True)[1][cj]
    order = np.lexsort((cj, -shared, plat, ci))  # per query and platform: most shared, then row
    ci, cj, plat = ci[order], cj[order], plat[order]
    first = np.ones(len(ci), dtype=bool)
    first[1:] = (ci[1:] != ci[:-1]) | (plat[1:] != plat[:-1])
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(ci)), 0))
    top = (np.arange(len(ci)) - group_start) < HANDLE_TOP_K
    out = sorted(zip(ci[top].tolist(), cj[top].tolist()))
    return [(int(i), int(j)) for i, j in out]


def random_pairs(prof: Profiles, a_rows: np.ndarray, b_rows: np.ndarray, n: int,
                 rng: np.random.Generator) -> list[tuple[int, int]]:
    """n uniformly drawn pairs (a, b), a != b: what a non-match looks like."""
    if not len(a_rows) or not len(b_rows):
        return []
    ai = rng.choice(a_rows, size=n)
    bi = rng.choice(b_rows, size=n)
    return [(int(x), int(y)) for x, y in zip(ai, bi) if x != y]


@dataclass(frozen=True)
class LinkEngine:
    """Where blocking's platform-wide joins run: (query, candidate, key) rows for a bounded set of
    queries against every account. Comparing and scoring the candidates is one code for every
    engine; vigil.engines.spark.link gives the same rows from Spark joins."""

    candidates: Callable[[Profiles, ProfileImages, list[int], int], list[tuple[int, int, str]]] = embedded_candidates


EMBEDDED = LinkEngine()
