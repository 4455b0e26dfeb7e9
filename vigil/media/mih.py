"""Exact Hamming range search over 256-bit PDQ hashes: multi-index hashing (MIH) over faiss storage.

Why not `faiss.IndexBinaryMultiHash` itself: it is exact with enough sub-tables, but its
`unordered_map` buckets cost ~1 ms per query at a 1M bank and 8-18 s to add 1M hashes (bench/media.py
--multihash), far from 10k queries x 10M hashes in 10 s on 2 cores. The same idea with flat
arrays is fast: each sub-table is a CSR layout (hash ids sorted by one substring of the hash, plus an
offsets array indexed directly by the substring value), so a probe is two array reads and a
candidate is one gather.

Exactness (pigeonhole): the 256 bits are cut into `m` disjoint substrings. If two hashes differ in
`d <= r` bits, at least one substring differs in `<= r // m` bits (refined in `flips_per_table`).
Probing every sub-table with all keys within that many flips of the query's substring therefore
finds every hash within `r`; each candidate is then checked with its full 256-bit distance. Any
radius is exact; small radii are fast. tests/media/test_index.py checks it against brute force.

The codes themselves live in a `faiss.IndexBinaryFlat` (saved with `faiss.write_index_binary`),
and the small unindexed tail of recent additions (under TAIL_MAX) is scanned in vectorised blocks.
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
import functools
import itertools
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

BITS = 256
CODE_BYTES = BITS // 8

# An unindexed tail of recent additions at least this long gets its own MIH segment on the next add;
# a shorter one is scanned by `hamming_block` (vectorised: a query batch against the whole tail).
# Below ~1k hashes the scan costs no more than a segment's ~300 probes per query; above it MIH wins
# by orders of magnitude (a 20k bank scanned per query was the 1M-query media stage's 13 minutes).
TAIL_MAX = 1_024
# Radius the sub-tables are laid out for: the contract's PDQ match threshold.
DESIGN_RADIUS = PDQ_THRESHOLD
# Memory allowed for the direct-addressed offsets arrays, per indexed hash (+64 MiB): about 3x the
# 32 bytes of the hash itself; at 10M hashes this admits 11 sub-tables of 23-24 bits.
OFFSETS_BYTES_PER_HASH = 96
# Probe and candidate entries per sub-table step of one query batch: bounds each thread's
# temporaries to a few tens of MB (a candidate gathers two 32-byte rows). A batch of queries is this
# divided by the expected entries per query, so a small bank gets batches of tens of thousands of
# queries: with 256-query batches the numpy call overhead, not the probing, was the media stage's
# time (421k queries against 4.7k bank hashes: 9.5 s).
BATCH_ENTRIES = 1 << 18
# ...and never fewer queries than this per batch, nor more than one batch per thread could share.
QUERY_BATCH_MIN = 256
# A segment searched with at least this many queries per indexed hash gets a flipped layout (below);
# building it sorts size x probes keys, about what probing ~2 queries per hash costs.
FLIP_MIN_QUERIES_PER_HASH = 4
# The flipped layout holds size x probes ids per sub-table: at most this many in all (64 MiB), so a
# bank of a few tens of thousands of hashes gets one, a 1M bank keeps probing query-side.
FLIPPED_MAX_ENTRIES = 1 << 24


def hamming_numpy(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Distances from one 32-byte query to every code (the brute-force reference)."""
    x = np.bitwise_xor(codes.view(np.uint64), query.view(np.uint64)[None, :])
    return np.bitwise_count(x).sum(axis=1, dtype=np.int32)


def hamming_block(codes: np.ndarray, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query row, code row, distance) within `radius`, every query against every code at once.

    For short code lists only (the temporaries are len(queries) x len(codes) uint16), so callers
    pass a query batch and a tail under TAIL_MAX.
    """
    c64 = codes.view(np.uint64)
    q64 = queries.view(np.uint64)
    d = np.zeros((q64.shape[0], c64.shape[0]), dtype=np.uint16)
    for w in range(CODE_BYTES // 8):
        d += np.bitwise_count(q64[:, w, None] ^ c64[None, :, w])
    qr, ii = np.nonzero(d <= radius)
    return qr.astype(np.int64), ii.astype(np.int64), d[qr, ii].astype(np.int32)


@functools.lru_cache(maxsize=256)
def _flip_masks(bits: int, flips: int) -> np.ndarray:
    """Every `bits`-wide mask with at most `flips` bits set."""
    masks = [0]
    for k in range(1, flips + 1):
        for pos in itertools.combinations(range(bits), k):
            masks.append(sum(1 << p for p in pos))
    return np.asarray(masks, dtype=np.uint32)


def _split(m: int) -> list[tuple[int, int]]:
    """`m` disjoint (start, width) substrings covering all 256 bits."""
    base, extra = divmod(BITS, m)
    out, s = [], 0
    for i in range(m):
        w = base + (1 if i < extra else 0)
        out.append((s, w))
        s += w
    return out


def flips_per_table(m: int, radius: int) -> list[int]:
    """Bits to flip when probing each of `m` sub-tables so that every hash within `radius` is found.

    With radius = m*a + b (0 <= b < m): if every one of b+1 chosen tables differed in more than `a`
    bits and every other table in more than `a - 1`, the total would be at least m*a + b + 1 > radius.
    So b+1 tables are probed with `a` flips and the rest with `a - 1` (-1: not probed at all). The
    cheaper `a - 1` goes to the widest tables, listed first by `_split`.
    """
    a, b = divmod(radius, m)
    return [a - 1] * (m - b - 1) + [a] * (b + 1)


def _probes(width: int, flips: int) -> int:
    return sum(math.comb(width, k) for k in range(flips + 1))


def choose_tables(n: int, radius: int = DESIGN_RADIUS) -> int:
    """The number of sub-tables that minimises expected work per query for a bank of `n` hashes.

    Cost = probes + 2 * expected random candidates (a candidate is a gather and a 256-bit distance,
    about twice a probe). Offsets arrays are capped (OFFSETS_BYTES_PER_HASH), so a small bank never
    allocates 2^32-entry tables.
    """
    best, best_cost = 32, float("inf")
    for m in range(8, 33):
        parts = _split(m)
        if max(w for _, w in parts) > 32:
            continue
        mem = sum((1 << w) + 1 for _, w in parts) * 4
        if mem > OFFSETS_BYTES_PER_HASH * n + (64 << 20):
            continue
        flips = flips_per_table(m, radius)
        probes = sum(_probes(w, f) for (_, w), f in zip(parts, flips))
        cand = sum(_probes(w, f) * n / (1 << w) for (_, w), f in zip(parts, flips))
        cost = probes + 2.0 * cand
        if cost < best_cost:
            best, best_cost = m, cost
    return best


def substring(codes: np.ndarray, start: int, width: int) -> np.ndarray:
    """uint32 value of bits [start, start + width) of each code, most significant first (as hex reads)."""
    b0, b1 = start // 8, (start + width - 1) // 8
    v = np.zeros(codes.shape[0], dtype=np.uint64)
    for b in range(b0, b1 + 1):
        v = (v << np.uint64(8)) | codes[:, b].astype(np.uint64)
    v >>= np.uint64(8 * (b1 - b0 + 1) - (start % 8) - width)
    v &= np.uint64((1 << width) - 1)
    return v.astype(np.uint32)


def substrings(codes: np.ndarray, parts: list[tuple[int, int]]) -> np.ndarray:
    """(n, m) uint32: every substring of each code."""
    out = np.empty((codes.shape[0], len(parts)), dtype=np.uint32)
    for i, (s, w) in enumerate(parts):
        out[:, i] = substring(codes, s, w)
    return out


# Candidate pairs checked per vectorised block of a self-join: bounds its temporaries (~50 MB).
PAIR_BATCH = 1 << 21


def pairs_within(codes: np.ndarray, radius: int, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a, b), a < b, of rows of `codes` within `radius` bits, each once, by a then b.

    Multi-index hashing turned on itself: every pair within `radius` has a sub-table where the two
    substrings differ in at most that table's flips (`flips_per_table`), so each sub-table pairs
    the codes whose substrings differ so little, each pair from one side only: half the candidates
    of searching every code against all the others. `threads` workers take a sub-table each.
    """
    codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, CODE_BYTES)
    parts = _split(choose_tables(codes.shape[0], radius))
    tables = [(s, w, f) for (s, w), f in zip(parts, flips_per_table(len(parts), radius)) if f >= 0]
    with ThreadPoolExecutor(threads or min(2, os.cpu_count() or 1)) as ex:
        found = list(ex.map(lambda t: _table_pairs(codes, *t, radius), tables))
    # A pair close in several sub-tables was found in each: keep it once.
    key = np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)
    return key // codes.shape[0], key % codes.shape[0]


def _table_pairs(codes: np.ndarray, start: int, width: int, flips: int, radius: int) -> np.ndarray:
    """a * n + b (a < b) for the pairs within `radius` whose substrings differ in at most `flips`
    bits. The codes are laid out in substring order, as 64-bit columns, so a bucket and the
    buckets a flip away are read nearly in sequence (a random 32-byte read per candidate was most
    of a search)."""
    n = codes.shape[0]
    sub = substring(codes, start, width)
    perm = np.argsort(sub, kind="stable")
    words = [np.ascontiguousarray(codes.view(np.uint64)[perm, k]) for k in range(CODE_BYTES // 8)]
    found = [np.empty(0, np.int64)]
    for a, count, b in _table_candidates(sub[perm], width, flips):
        a, b = _near(words, a, count, b, radius)
        a, b = perm[a], perm[b]
        found.append(np.minimum(a, b) * n + np.maximum(a, b))
    return np.concatenate(found)


def _table_candidates(sub: np.ndarray, width: int, flips: int):
    """Blocks of candidate pairs of positions in the sorted substrings `sub` that differ in at
    most `flips` bits, each pair once (equal substrings: with the later positions of the bucket;
    others: from the smaller substring), as (a, count, b): a[k] pairs with the next count[k] b."""
    off = np.zeros((1 << width) + 1, dtype=np.int64)
    np.cumsum(np.bincount(sub, minlength=1 << width), out=off[1:])
    pos = np.arange(len(sub))
    yield from _expand(pos, pos + 1, off[sub.astype(np.int64) + 1] - pos - 1)
    for mask in _flip_masks(width, flips)[1:]:
        other = sub ^ mask
        a = np.flatnonzero(other > sub)
        bucket = other[a].astype(np.int64)
        yield from _expand(a, off[bucket], off[bucket + 1] - off[bucket])


def _expand(a: np.ndarray, start: np.ndarray, count: np.ndarray):
    """(a, count, b) blocks of about PAIR_BATCH pairs: a[k] with start[k] .. start[k] + count[k] - 1."""
    total = np.cumsum(count)
    cuts = np.searchsorted(total, np.arange(PAIR_BATCH, total[-1] if len(total) else 0, PAIR_BATCH))
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(count)]):
        c = count[lo:hi]
        m = int(c.sum())
        if m:
            yield a[lo:hi], c, np.repeat(start[lo:hi] - (np.cumsum(c) - c), c) + np.arange(m)


def _near(words: list[np.ndarray], a: np.ndarray, count: np.ndarray, b: np.ndarray,
          radius: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) pairs of a candidate block within `radius`, codes given as 64-bit columns. Half
    the bits decide first (at most 128 differ there): unrelated codes differ in ~64 of them, so
    almost no candidate reads the other half."""
    half = len(words) // 2
    d = np.zeros(len(b), dtype=np.uint8)
    for word in words[:half]:
        d += np.bitwise_count(np.repeat(word[a], count) ^ np.take(word, b))
    keep = np.flatnonzero(d <= radius)
    a = a[np.searchsorted(np.cumsum(count), keep, side="right")]
    b, d = b[keep], d[keep].astype(np.int32)
    for word in words[half:]:
        d += np.bitwise_count(np.take(word, a) ^ np.take(word, b))
    keep = d <= radius
    return a[keep], b[keep]


@dataclass
class Segment:
    """One immutable MIH segment over hash ids [start, start + size).

    Probing flips up to `f` bits of each query's substring, one probe per flip mask. When many more
    queries than hashes are searched (a media stage's 1M post hashes against a bank of thousands),
    the flips are put on the index side instead, once: the `flipped` layout lists each hash under
    every key within `f` flips of its substring, so a query reads one key per sub-table. A hash is
    listed under the query's key exactly when probing would have found it there, so both layouts
    give the same candidates.
    """

    start: int
    size: int
    parts: list[tuple[int, int]]
    perms: list[np.ndarray]  # per sub-table: local ids sorted by substring value (int32)
    offsets: list[np.ndarray]  # per sub-table: CSR offsets, length 2^w + 1 (int32)
    # radius -> per sub-table (ids sorted by flipped key, CSR offsets), None where not probed
    flipped: dict[int, list[tuple[np.ndarray, np.ndarray] | None]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, codes: np.ndarray, start: int, tables: int | None = None) -> "Segment":
        n = codes.shape[0]
        parts = _split(tables or choose_tables(n))
        perms, offsets = [], []
        for s, w in parts:
            k = substring(codes, s, w)
            perm = _sort_keys(k, w).astype(np.int32)  # order within a bucket is irrelevant
            perms.append(perm)
            offsets.append(_csr_offsets(k, w))
        return cls(start, n, parts, perms, offsets)

    def probes_per_query(self, radius: int) -> list[int]:
        """Keys probed per query in each sub-table (0: not probed) with the query-side layout."""
        return [_flip_masks(w, f).size if f >= 0 else 0
                for (_, w), f in zip(self.parts, flips_per_table(len(self.parts), radius))]

    def use_flipped(self, codes: np.ndarray, n_queries: int, radius: int) -> bool:
        """Whether `n_queries` queries are searched faster through the flipped layout; builds it if
        so (once, kept for the next search, and before any thread searches)."""
        if radius not in self.flipped:
            if (n_queries < FLIP_MIN_QUERIES_PER_HASH * self.size
                    or self.size * sum(self.probes_per_query(radius)) > FLIPPED_MAX_ENTRIES):
                return False
            self.flipped[radius] = self._flipped_tables(codes, radius)
        return True

    def entries_per_query(self, radius: int, flipped: bool) -> int:
        """Expected probe and candidate entries of one query in the costliest sub-table (for batching)."""
        return max([(1 if flipped else p) + p * self.size // (1 << w) + 1
                    for p, (_, w) in zip(self.probes_per_query(radius), self.parts) if p] or [1])

    def _flipped_tables(self, codes: np.ndarray, radius: int) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Per sub-table: every hash's id under each key within the table's flips, sorted by key."""
        seg_codes = codes[self.start : self.start + self.size]
        tables = []
        for (s, w), f in zip(self.parts, flips_per_table(len(self.parts), radius)):
            if f < 0:
                tables.append(None)
                continue
            masks = _flip_masks(w, f)
            keys = (substring(seg_codes, s, w)[:, None] ^ masks[None, :]).ravel()
            ids = np.repeat(np.arange(self.size, dtype=np.int32), masks.size)
            tables.append((ids[_sort_keys(keys, w)], _csr_offsets(keys, w)))
        return tables

    def search(self, q: np.ndarray, codes: np.ndarray, radius: int,
               flipped: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, global id, distance) within `radius`; a pair found in several tables repeats."""
        seg_codes = codes[self.start : self.start + self.size].view(np.uint64)
        q64 = q.view(np.uint64)
        layout = self.flipped[radius] if flipped else list(zip(self.perms, self.offsets))
        out_q, out_i, out_d = [], [], []
        for (s, w), f, table in zip(self.parts, flips_per_table(len(self.parts), radius), layout):
            if f < 0:
                continue
            perm, off = table
            masks = np.zeros(1, dtype=np.uint32) if flipped else _flip_masks(w, f)
            probes = (substring(q, s, w)[:, None] ^ masks[None, :]).ravel()
            lo = np.take(off, probes)  # np.take: ~1.4x faster than fancy indexing on big arrays
            cnt = np.take(off, probes + 1) - lo
            hit = np.flatnonzero(cnt)
            if not hit.size:
                continue
            lo, cnt = np.take(lo, hit), np.take(cnt, hit)
            # positions lo[j] .. lo[j]+cnt[j]-1 for every probe j, without a Python loop
            ends = np.cumsum(cnt)
            pos = np.arange(int(ends[-1]), dtype=np.int32) + np.repeat(lo - (ends - cnt), cnt)
            ids = perm.take(pos)
            qrow = np.repeat((hit // masks.size).astype(np.int32), cnt)
            # np.take on axis 0 moves whole 32-byte rows: ~3x faster than fancy indexing here
            x = np.take(seg_codes, ids, axis=0) ^ np.take(q64, qrow, axis=0)
            bc = np.bitwise_count(x)
            d = bc[:, 0] + bc[:, 1] + bc[:, 2].astype(np.uint16) + bc[:, 3]
            keep = np.flatnonzero(d <= radius)
            out_q.append(qrow[keep])
            out_i.append(ids[keep].astype(np.int64) + self.start)
            out_d.append(d[keep].astype(np.int32))
        if not out_q:
            return np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32)
        return np.concatenate(out_q), np.concatenate(out_i), np.concatenate(out_d)


def _sort_keys(keys: np.ndarray, width: int) -> np.ndarray:
    """The order that sorts `width`-bit keys (numpy radix-sorts 16-bit keys: ~2x faster here)."""
    return np.argsort(keys.astype(np.uint16), kind="stable") if width <= 16 else np.argsort(keys)


def _csr_offsets(keys: np.ndarray, width: int) -> np.ndarray:
    """CSR offsets (length 2^width + 1, int32) of ids sorted by their `width`-bit keys."""
    off = np.zeros((1 << width) + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys, minlength=1 << width), out=off[1:])
    return off


class PdqIndex:
    """Exact range search over PDQ hashes; add in batches without rebuilding what is indexed."""

    def __init__(self, threads: int | None = None, tables: int | None = None) -> None:
        self.tables = tables
        self.flat = faiss.IndexBinaryFlat(BITS)
        self.segments: list[Segment] = []
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._codes = np.empty((0, CODE_BYTES), dtype=np.uint8)

    @property
    def ntotal(self) -> int:
        return int(self.flat.ntotal)

    @property
    def indexed(self) -> int:
        return sum(s.size for s in self.segments)

    def codes(self) -> np.ndarray:
        """A zero-copy numpy view of the codes faiss holds (re-taken after every add)."""
        if self._codes.shape[0] != self.ntotal:
            n = self.ntotal
            self._codes = faiss.rev_swig_ptr(self.flat.xb.data(), n * CODE_BYTES).reshape(n, CODE_BYTES) if n else self._codes
        return self._codes

    def add(self, codes: np.ndarray) -> None:
        """Append codes (ids continue from ntotal); only new data is indexed, merging like an LSM tree."""
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, CODE_BYTES)
        if not codes.shape[0]:
            return
        self.flat.add(codes)
        self._codes = np.empty((0, CODE_BYTES), dtype=np.uint8)
        self._index_tail()

    def _index_tail(self) -> None:
        if self.ntotal - self.indexed < TAIL_MAX:
            return
        all_codes = self.codes()
        start = self.indexed
        # Merge trailing segments no more than twice the new data's size, so every hash is re-indexed
        # O(log n) times over any sequence of adds (never a full rebuild per add).
        while self.segments and self.segments[-1].size <= 2 * (self.ntotal - start):
            start = self.segments.pop().start
        self.segments.append(Segment.build(all_codes[start:], start, self.tables))

    def range_search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All (query row, id, distance) with distance <= radius, sorted by query row then id.

        Queries are cut into batches; `threads` workers take a batch each (numpy releases the GIL in
        the gathers). The search itself never calls faiss, so faiss's OpenMP setting is left alone.
        """
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, CODE_BYTES)
        flipped = [seg.use_flipped(self.codes(), queries.shape[0], radius) for seg in self.segments]
        step = self._batch_rows(queries.shape[0], radius, flipped)
        batches = [(s, queries[s : s + step]) for s in range(0, queries.shape[0], step)]
        if self.threads > 1 and len(batches) > 1:
            with ThreadPoolExecutor(self.threads) as ex:
                results = list(ex.map(lambda b: self._search_batch(b[1], radius, b[0], flipped), batches))
        else:
            results = [self._search_batch(q, radius, s, flipped) for s, q in batches]
        if not results:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
        q = np.concatenate([r[0] for r in results])
        i = np.concatenate([r[1] for r in results])
        d = np.concatenate([r[2] for r in results])
        return q, i, d

    def _batch_rows(self, n_queries: int, radius: int, flipped: list[bool]) -> int:
        """Queries per batch: BATCH_ENTRIES over the costliest segment's entries per query, at
        least QUERY_BATCH_MIN, and small enough that every thread gets a batch."""
        per_query = max([seg.entries_per_query(radius, f) for seg, f in zip(self.segments, flipped)] or [1])
        share = -(-n_queries // self.threads)
        return max(QUERY_BATCH_MIN, min(BATCH_ENTRIES // per_query, share))

    def _search_batch(self, q: np.ndarray, radius: int, row0: int, flipped: list[bool]):
        codes = self.codes()
        out_q, out_i, out_d = [], [], []
        for seg, flip in zip(self.segments, flipped):
            qr, ii, dd = seg.search(q, codes, radius, flipped=flip)
            if not ii.size:
                continue
            # A hash within range may share a key with the query in several sub-tables: keep one.
            _, first = np.unique(qr.astype(np.int64) * (1 << 40) + ii, return_index=True)
            out_q.append(qr[first].astype(np.int64))
            out_i.append(ii[first])
            out_d.append(dd[first])
        tail0 = self.indexed
        if tail0 < self.ntotal:
            # the tail is scanned against every query: a block of queries at a time, within BATCH_ENTRIES
            block = max(1, BATCH_ENTRIES // (self.ntotal - tail0))
            for b0 in range(0, q.shape[0], block):
                qr, ii, dd = hamming_block(codes[tail0:], q[b0 : b0 + block], radius)
                out_q.append(qr + b0)
                out_i.append(ii + tail0)
                out_d.append(dd)
        if not out_q:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
        qr, ii, dd = np.concatenate(out_q), np.concatenate(out_i), np.concatenate(out_d)
        order = np.lexsort((ii, qr))
        return qr[order] + row0, ii[order], dd[order]

    # --- persistence: codes in faiss's own format, the sub-tables as plain .npy arrays (no pickle)
    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index_binary(self.flat, str(folder / "pdq.faissindex"))
        manifest = []
        for k, seg in enumerate(self.segments):
            for i in range(len(seg.parts)):
                np.save(folder / f"seg{k}_perm{i}.npy", seg.perms[i], allow_pickle=False)
                np.save(folder / f"seg{k}_off{i}.npy", seg.offsets[i], allow_pickle=False)
            manifest.append({"start": seg.start, "size": seg.size, "parts": seg.parts})
        (folder / "segments.json").write_text(json.dumps({"bits": BITS, "segments": manifest}))

    @classmethod
    def load(cls, folder: Path, threads: int | None = None) -> "PdqIndex":
        folder = Path(folder)
        idx = cls(threads)
        flat = faiss.read_index_binary(str(folder / "pdq.faissindex"))
        if not isinstance(flat, faiss.IndexBinaryFlat) or flat.d != BITS:
            raise ValueError(f"{folder / 'pdq.faissindex'}: not a {BITS}-bit IndexBinaryFlat")
        idx.flat = flat
        manifest = json.loads((folder / "segments.json").read_text())
        for k, m in enumerate(manifest["segments"]):
            parts = [tuple(p) for p in m["parts"]]
            perms = [np.load(folder / f"seg{k}_perm{i}.npy", allow_pickle=False) for i in range(len(parts))]
            offs = [np.load(folder / f"seg{k}_off{i}.npy", allow_pickle=False) for i in range(len(parts))]
            idx.segments.append(Segment(m["start"], m["size"], parts, perms, offs))
        return idx
