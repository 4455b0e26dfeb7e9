"""Blocking: the few accounts worth comparing with each account of interest.

Comparing every pair is quadratic, so each account gets candidates only from keys a true match
would very likely share: a pointer in either profile, a rare contact identifier, the same name,
a handle sharing most of its character trigrams, or a profile picture within the copy radius
(within PDQ's threshold for the queries past the wide search's budget, WIDE_PICTURE_COMPARISONS).
Each candidate remembers which keys found it, for the evidence text and for tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from vigil.link.images import ProfileImages
from vigil.link.profiles import Profiles
from vigil.media.threshold import PDQ_THRESHOLD

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


# Picture comparisons (query hash x indexed picture) that one blocking call's wide search may make.
# Out at the link radius no index prunes (bench/link_pictures.py: a 79-bit radius leaves half of all
# hashes as MIH candidates), so the wide search is a scan costing queries x pictures, both of which
# grow with the export: a 1M-account export's scope took 90 s. Within this budget (~4 s at the
# scan's 0.5 ns per comparison on 2 cores) every query is searched wide, as a 100k-account export's
# scope (2.6e9) and EM sample (4.3e9) are; beyond it the accounts first in the caller's order are,
# and the rest are searched out to PDQ's threshold only (`PictureQueries`).
WIDE_PICTURE_COMPARISONS = 1 << 33


@dataclass(frozen=True)
class PictureQueries:
    """The query hashes of a blocking call: each account's picture and its rotations/mirrors, in
    the caller's order, the first `wide` of them searched out to the link radius and the rest
    within PDQ_THRESHOLD (a recompressed copy; a cropped one then pairs only through another key)."""

    owner: list[int]
    codes: list[np.ndarray]
    wide: int

    @property
    def accounts(self) -> int:
        return len(set(self.owner))

    @property
    def wide_accounts(self) -> int:
        return len(set(self.owner[: self.wide]))


def picture_queries(imgs: ProfileImages, queries: list[int]) -> PictureQueries:
    """Split by WIDE_PICTURE_COMPARISONS, whole accounts at a time, in the order of `queries`."""
    owner, codes = [], []
    for i in dict.fromkeys(queries):
        if imgs.has(i):
            vs = imgs.variants(i)
            owner += [i] * len(vs)
            codes += vs
    _, rows = imgs.index()
    wide = len(owner)
    if wide * len(rows) > WIDE_PICTURE_COMPARISONS:
        wide = WIDE_PICTURE_COMPARISONS // len(rows)
        while 0 < wide < len(owner) and owner[wide] == owner[wide - 1]:
            wide -= 1  # an account's variants are searched alike
    return PictureQueries(owner, codes, wide)


def image_blocks(imgs: ProfileImages, queries: list[int], image_radius: int) -> list[tuple[int, int]]:
    """Accounts whose (personal) picture is within the radius of a query's picture or of one of
    its rotations/mirrors (within PDQ_THRESHOLD for the queries past the wide search's budget)."""
    pq = picture_queries(imgs, queries)
    return owned_pairs(pq.owner[: pq.wide], imgs.near(pq.codes[: pq.wide], image_radius)) + close_picture_pairs(
        imgs, pq, image_radius)


def close_picture_pairs(imgs: ProfileImages, pq: PictureQueries, image_radius: int) -> list[tuple[int, int]]:
    """The queries past the wide search's budget, within PDQ_THRESHOLD through the exact index:
    every engine's narrow tier."""
    return owned_pairs(pq.owner[pq.wide :], imgs.near_exact(pq.codes[pq.wide :], min(image_radius, PDQ_THRESHOLD)))


def owned_pairs(owner: list[int], near: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """(query account, picture's account) from each query hash's (row, distance) hits."""
    return [(i, j) for i, hits in zip(owner, near) for j, _ in hits]


def _handle_blocks(prof: Profiles, queries: list[int]) -> list[tuple[int, int]]:
    """Accounts whose handle holds at least HANDLE_TRIGRAM_SHARE of a query's handle trigrams,
    the HANDLE_TOP_K most similar per query and platform.

    Counting every query trigram against every handle holding it is quadratic in the export (a
    common trigram such as "^ma" is held by thousands of handles). A handle holding k of a query's
    n trigrams holds at least PROBE_EXTRA + 1 of its n - k + 1 + PROBE_EXTRA rarest (pigeonhole),
    so only those are counted against every handle, and the few handles probed often enough are
    then counted on the query's other trigrams. The result is the full count's, exactly, for every
    query whose probed trigrams are held by at most PROBE_HOLDERS_MAX handles in all; a query of
    commoner trigrams probes only its rarest within that budget (see there).
    """
    index = handle_index(prof)
    q = np.unique(np.asarray(queries, dtype=np.int64))
    n = np.diff(index.by_account.indptr)[q]
    q, n = q[n > 0], n[n > 0]  # an empty handle core has no trigrams
    if not len(q):
        return []
    probed, rest = _split_trigrams(index, q, n)
    found = [_shared_trigrams(index, q[lo:hi], n[lo:hi], probed[lo:hi], rest[lo:hi])
             for lo, hi in _probe_batches(probed @ index.holders_count)]
    ci, cj, shared = (np.concatenate([f[k] for f in found]) for k in range(3))
    return _top_per_platform(index, ci, cj, shared)


# Trigrams probed beyond the n - k + 1 that prefix filtering needs: a handle must then hold three
# probed trigrams to be counted further, which leaves a quarter of the handles that plain prefix
# filtering counts (100k-account export). Fewer leave more handles to count on the rest of the
# query's trigrams; more probe commoner trigrams than that saves.
PROBE_EXTRA = 2
# Handles a query's probed trigrams may hold in all. Every handle holding a probed trigram is
# counted, and even a rare trigram is held by a share of the export (a median query's rarest: 62
# handles at 100k accounts, 188 at 300k), so probing all that exactness needs costs each query time
# in proportion to the export, and the stage the square of it. Within this budget the result is
# exact (the exact probe's holders per query at 100k: median 8.5k, p90 18k; at 300k: median 25k,
# p90 50k); beyond it a query probes its rarest trigrams up
# to the budget and finds the handles sharing one of them, a subset of the exact pairs, at a cost
# that no longer grows with the export. A query whose rarest trigram alone is held by more handles
# is made of pieces so common that a handle resemblance says nothing: it gets no handle block.
PROBE_HOLDERS_MAX = 16_384
# Probe entries (query, handle holding one of its probed trigrams) per batch of queries: bounds
# the temporaries to a few hundred MB at any export size.
PROBE_BATCH = 1 << 22
# Characters of a handle core (normalize.handle_core keeps 0-9 and a-z) and the padding of
# normalize.trigrams; a trigram's id is its three characters' codes in base TRIGRAM_BASE.
TRIGRAM_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz^$"
TRIGRAM_BASE = len(TRIGRAM_ALPHABET)


@dataclass(frozen=True)
class HandleIndex:
    """What handle blocking needs of every account, built once per export: its handle's distinct
    trigram ids both ways round, as 0/1 sparse matrices, and its platform as a number."""

    by_account: sp.csr_array  # accounts x trigram ids
    holders: sp.csr_array  # trigram ids x accounts
    platform: np.ndarray

    @property
    def holders_count(self) -> np.ndarray:
        """Accounts holding each trigram id."""
        return np.diff(self.holders.indptr)


def handle_index(prof: Profiles) -> HandleIndex:
    """normalize.trigrams of every handle core, computed over one byte buffer of all cores so a
    million handles stay out of Python; cached on the profiles (the same for every query set)."""
    if prof.handle_index is not None:
        return prof.handle_index
    n = len(prof)
    lut = np.zeros(256, dtype=np.int32)
    lut[np.frombuffer(TRIGRAM_ALPHABET.encode(), dtype=np.uint8)] = np.arange(TRIGRAM_BASE)
    text = lut[np.frombuffer(("^" + "$^".join(prof.core) + "$").encode("ascii"), dtype=np.uint8)]
    length = np.fromiter(map(len, prof.core), dtype=np.int64, count=n)
    # "^core$" holds len(core) trigrams, starting at each of its first len(core) characters.
    pad_start = np.zeros(n, dtype=np.int64)
    np.cumsum(length[:-1] + 2, out=pad_start[1:])
    pos = np.repeat(pad_start - np.cumsum(length) + length, length) + np.arange(int(length.sum()))
    code = (text[pos] * TRIGRAM_BASE + text[pos + 1]) * TRIGRAM_BASE + text[pos + 2]
    by_account = sp.csr_array((np.ones(len(code), dtype=np.int32), (np.repeat(np.arange(n), length), code)),
                              shape=(n, TRIGRAM_BASE ** 3))
    by_account.data[:] = 1  # a trigram repeated in one handle ("aaaa") counts once
    codes = {p: k for k, p in enumerate(sorted(prof.platform_size))}
    prof.handle_index = HandleIndex(by_account=by_account, holders=by_account.T.tocsr(),
                                       platform=np.fromiter((codes[p] for p in prof.platform), dtype=np.int64, count=n))
    return prof.handle_index


def _min_shared(n: np.ndarray) -> np.ndarray:
    """The fewest of n trigrams that make HANDLE_TRIGRAM_SHARE (k / n >= share, exactly as the
    share is tested: n * share may round up past a whole number)."""
    k = np.ceil(n * HANDLE_TRIGRAM_SHARE).astype(np.int64)
    return k - ((k - 1) / n >= HANDLE_TRIGRAM_SHARE)


def _probed(n: np.ndarray) -> np.ndarray:
    """How many of a query's n trigrams are probed (all of them when it has too few to spare)."""
    return np.minimum(n, n - _min_shared(n) + 1 + PROBE_EXTRA)


def _split_trigrams(index: HandleIndex, q: np.ndarray, n: np.ndarray) -> tuple[sp.csr_array, sp.csr_array]:
    """Each query's probed trigrams (its rarest, within PROBE_HOLDERS_MAX holders) and the rest,
    as 0/1 rows."""
    rows = index.by_account[q]
    qpos = np.repeat(np.arange(len(q)), n)
    df = index.holders_count[rows.indices]
    order = np.lexsort((rows.indices, df, qpos))  # per query, rarest first
    start = np.repeat(rows.indptr[:-1], n)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start
    held = np.empty(len(order), dtype=np.int64)  # holders of this trigram and the query's rarer ones
    running = np.cumsum(df[order])
    held[order] = running - np.r_[0, running][start]
    probe = (rank < np.repeat(_probed(n), n)) & (held <= PROBE_HOLDERS_MAX)
    return _entries(rows, qpos, probe), _entries(rows, qpos, ~probe)


def _entries(rows: sp.csr_array, row_of: np.ndarray, keep: np.ndarray) -> sp.csr_array:
    """The rows with only the entries where `keep` is set (no stored zeros: a product would still
    walk them)."""
    indptr = np.zeros(rows.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[keep], minlength=rows.shape[0]), out=indptr[1:])
    return sp.csr_array((rows.data[keep], rows.indices[keep], indptr), shape=rows.shape)


def _probe_batches(probe_size: np.ndarray) -> list[tuple[int, int]]:
    """Query ranges whose probe entries stay within PROBE_BATCH (or one query that alone is more)."""
    total = np.cumsum(probe_size)
    cuts = np.searchsorted(total, np.arange(PROBE_BATCH, total[-1], PROBE_BATCH), side="right")
    bounds = np.unique(np.r_[0, cuts, len(total)])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _shared_trigrams(index: HandleIndex, q: np.ndarray, n: np.ndarray, probed: sp.csr_array,
                     rest: sp.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, account, trigrams shared) for every other account holding at least
    HANDLE_TRIGRAM_SHARE of a query's trigrams."""
    hits = probed @ index.holders  # queries x accounts: probed trigrams each account holds
    pos = np.repeat(np.arange(len(q)), np.diff(hits.indptr))
    k = _min_shared(n)
    # Pigeonhole: of p probed trigrams, a handle holding k of all n holds at least p - (n - k). A
    # query probing fewer than exactness needs (PROBE_HOLDERS_MAX) asks as many as an exact probe
    # would (all of them, when fewer are probed): its rarest pieces are what a retyped handle keeps.
    p = np.diff(probed.indptr)
    need = np.where(p < _probed(n), np.minimum(p, PROBE_EXTRA + 1), p - n + k)
    enough = (hits.data >= need[pos]) & (hits.indices != q[pos])
    pos, j = pos[enough], hits.indices[enough].astype(np.int64)
    shared = hits.data[enough] + rest[pos].multiply(index.by_account[j]).sum(axis=1)
    keep = shared / n[pos] >= HANDLE_TRIGRAM_SHARE
    return q[pos[keep]], j[keep], shared[keep]


def _top_per_platform(index: HandleIndex, ci: np.ndarray, cj: np.ndarray, shared: np.ndarray) -> list[tuple[int, int]]:
    """The HANDLE_TOP_K pairs per query and platform sharing most trigrams (then lowest row),
    in (query, candidate) order."""
    plat = index.platform[cj]
    order = np.lexsort((cj, -shared, plat, ci))
    ci, cj, plat = ci[order], cj[order], plat[order]
    first = np.ones(len(ci), dtype=bool)
    first[1:] = (ci[1:] != ci[:-1]) | (plat[1:] != plat[:-1])
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(ci)), 0))
    top = (np.arange(len(ci)) - group_start) < HANDLE_TOP_K
    ci, cj = ci[top], cj[top]
    order = np.lexsort((cj, ci))
    return list(zip(ci[order].tolist(), cj[order].tolist()))


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
