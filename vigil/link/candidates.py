"""Blocking: the few accounts worth comparing with each account of interest.

Comparing every pair is quadratic, so each account gets candidates only from keys a true match
would very likely share: a pointer in either profile, a rare contact identifier, the same name,
a handle sharing most of its character trigrams, or a profile picture within the copy radius.
Each candidate remembers which keys found it, for the evidence text and for tests.
"""

from __future__ import annotations

from collections import defaultdict

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
          same_platform: bool = True) -> dict[tuple[int, int], set[str]]:
    """(query row, candidate row) -> the blocking keys that paired them."""
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)

    def add(i: int, j: int, why: str) -> None:
        if i == j:
            return
        if prof.platform[i] == prof.platform[j] and not same_platform:
            return
        pairs[(i, j)].add(why)

    for i in queries:
        for j in prof.points_to[i]:
            add(i, j, "pointer")
        for j in prof.pointed_by.get(i, ()):
            add(i, j, "pointer")
        for ident in prof.identifiers[i]:
            for j in prof.by_identifier.get(ident, ()):
                add(i, j, "identifier")
        if prof.key[i]:
            for p in prof.platform_size:
                if p == prof.platform[i]:
                    continue
                group = prof.by_key.get((p, prof.key[i]), ())
                if len(group) <= NAME_BLOCK_MAX:
                    for j in group:
                        add(i, j, "name")
    for i, j in _handle_blocks(prof, queries):
        add(i, j, "handle")
    with_image = [i for i in queries if imgs.has(i)]
    variants = [imgs.variants(i) for i in with_image]
    flat = [v for vs in variants for v in vs]
    owner = [i for i, vs in zip(with_image, variants) for _ in vs]
    for i, hits in zip(owner, imgs.near(flat, image_radius)):
        for j, _ in hits:
            add(i, j, "image")
    return dict(pairs)


def _handle_blocks(prof: Profiles, queries: list[int]) -> list[tuple[int, int]]:
    """Accounts whose handle shares most trigrams with a query's handle, joined in DuckDB."""
    q_rows, q_tris = [], []
    for i in queries:
        for t in trigrams(prof.core[i]):
            q_rows.append(i)
            q_tris.append(t)
    if not q_rows:
        return []
    con = duckdb.connect()
    con.register("q", pa.table({"i": pa.array(q_rows, pa.int64()), "t": q_tris}))
    con.register("cores", pa.table({"j": pa.array(np.arange(len(prof.core)), pa.int64()),
                                    "p": prof.platform, "core": prof.core}))
    # Same padding as normalize.trigrams, computed in DuckDB so a million handles stay out of Python.
    con.execute(
        """CREATE TEMP TABLE a AS
           SELECT DISTINCT j, p, unnest(list_transform(range(1, length(s) - 1), lambda k: substr(s, k, 3))) AS t
           FROM (SELECT j, p, '^' || core || '$' AS s FROM cores WHERE core <> '')"""
    )
    con.execute("CREATE TEMP TABLE qn AS SELECT i, count(*) n FROM q GROUP BY i")
    result = con.execute(
        f"""
        WITH hits AS (
            SELECT q.i, a.j, a.p, count(*) shared
            FROM q JOIN a USING (t) GROUP BY q.i, a.j, a.p
        ), scored AS (
            SELECT hits.i, hits.j, hits.p, shared / qn.n AS share,
                   row_number() OVER (PARTITION BY hits.i, hits.p ORDER BY shared DESC, hits.j) rk
            FROM hits JOIN qn USING (i)
            WHERE hits.i <> hits.j
        )
        SELECT i, j FROM scored WHERE share >= {HANDLE_TRIGRAM_SHARE} AND rk <= {HANDLE_TOP_K}
        ORDER BY i, j  -- a fixed pair order: the model's sums and the links' ties follow it
        """
    ).fetchall()
    con.close()
    return [(int(i), int(j)) for i, j in result]


def random_pairs(prof: Profiles, a_rows: np.ndarray, b_rows: np.ndarray, n: int,
                 rng: np.random.Generator) -> list[tuple[int, int]]:
    """n uniformly drawn pairs (a, b), a != b: what a non-match looks like."""
    if not len(a_rows) or not len(b_rows):
        return []
    ai = rng.choice(a_rows, size=n)
    bi = rng.choice(b_rows, size=n)
    return [(int(x), int(y)) for x, y in zip(ai, bi) if x != y]
