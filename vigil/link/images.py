"""Profile pictures as evidence: PDQ hashes, a search index over them, mirror-aware distances.

A person reuses one photo across platforms, but each platform crops and recompresses it and
some people mirror it, so copies sit well above PDQ's exact-copy threshold of 31 bits while
unrelated pictures sit near 128. A picture that many accounts use (a default avatar, a stock
photo) says nothing about who holds the account and is marked shared, never compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import faiss
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.link.profiles import MAX_ACCOUNTS_PER_PERSON, Profiles
from vigil.media.mih import PdqIndex, pairs_within
from vigil.media.profiles import FULL_SEARCH_MAX, SHARE_RADIUS

PDQ_BITS = 256
# A quality-0 hash comes from a flat image: every flat image hashes alike, so it says nothing.
# Low but non-zero quality is kept: drawings and small avatars score low yet copies still match,
# and their random-pair distances (the u of the image levels) are measured like any others.
MIN_QUALITY = 1
# Within SHARE_RADIUS two pictures are the same picture: the media stage's radius, so its
# per-picture neighbour counts (`shared_count`) answer the linker's question too.


def pack(hex_hash: str | None) -> np.ndarray | None:
    """64 hex digits -> 32 bytes, in the bit order the export and the media stage use."""
    if not hex_hash or len(hex_hash) != 64:
        return None
    try:
        return np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8)
    except ValueError:
        return None


def hamming(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.bitwise_count(np.bitwise_xor(a, b)).sum())


def hamming_rows(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances between codes[a[k]] and codes[b[k]] for every k, vectorised."""
    return np.bitwise_count(np.bitwise_xor(codes[a], codes[b])).sum(axis=1, dtype=np.int64)


@dataclass
class ProfileImages:
    """One hash per account (or none), which hashes are shared, and a range-search index."""

    prof: Profiles
    hashes: list[np.ndarray | None]
    shared: np.ndarray  # bool per account
    source: list[str | None]
    # The picture's eight rotation/mirror hashes, from the media stage (which hashed each file once).
    dihedral: dict[int, list[np.ndarray]] = field(default_factory=dict)
    # ...or still in `profile_hashes` (account row -> row of its hex `dihedral` column), packed into
    # `dihedral` when a pair first needs them: only blocked accounts' pictures are ever turned,
    # and eight arrays per account of a million-account export add up.
    dihedral_rows: dict[int, int] = field(default_factory=dict)
    dihedral_column: pa.ChunkedArray | None = None
    _index: faiss.IndexBinaryFlat | None = None
    _index_rows: np.ndarray | None = None
    _exact: PdqIndex | None = None
    _ints: list[int | None] | None = None
    _dihedral_ints: dict[int, list[int]] = field(default_factory=dict)

    def codes(self) -> np.ndarray:
        """(accounts, 32) uint8: every account's hash, zeros where it has none."""
        out = np.zeros((len(self.hashes), 32), dtype=np.uint8)
        for i, h in enumerate(self.hashes):
            if h is not None:
                out[i] = h
        return out

    def has(self, i: int) -> bool:
        return self.hashes[i] is not None and not self.shared[i]

    def index(self) -> tuple[faiss.IndexBinaryFlat, np.ndarray]:
        if self._index is None:
            rows = np.array([i for i in range(len(self.hashes)) if self.has(i)], dtype=np.int64)
            idx = faiss.IndexBinaryFlat(PDQ_BITS)
            if len(rows):
                idx.add(np.stack([self.hashes[i] for i in rows]))
            self._index, self._index_rows = idx, rows
        return self._index, self._index_rows

    def forget_index(self) -> None:
        """The indexed pictures changed (some became shared): both indexes are rebuilt on next use."""
        self._index = self._index_rows = self._exact = None

    def near(self, queries: list[np.ndarray], radius: int) -> list[list[tuple[int, int]]]:
        """For each query hash, the (account row, distance) pairs within `radius` bits: a scan
        of every indexed picture, whatever the radius."""
        idx, rows = self.index()
        return range_rows(idx, rows, queries, radius)

    def near_exact(self, queries: list[np.ndarray], radius: int) -> list[list[tuple[int, int]]]:
        """`near` through multi-index hashing: the same pairs, at a cost that a radius near PDQ's
        threshold keeps to a few thousand probes per query instead of one comparison per picture
        (far above it MIH prunes nothing, see bench/link_pictures.py)."""
        if not queries:
            return []
        _, rows = self.index()
        if self._exact is None:
            self._exact = PdqIndex()
            if len(rows):
                self._exact.add(np.stack([self.hashes[i] for i in rows]))
        out: list[list[tuple[int, int]]] = [[] for _ in queries]
        if not len(rows):
            return out
        q, ids, dist = self._exact.range_search(np.stack(queries), radius)
        for k, i, d in zip(q.tolist(), rows[ids].tolist(), dist.tolist()):
            out[k].append((i, d))
        return out

    def variants(self, i: int) -> list[np.ndarray]:
        """The hash and, when the media stage hashed the image file, the hashes of its 8
        rotations/mirrors (a shared picture's are never compared)."""
        out = [self.hashes[i]] if self.hashes[i] is not None else []
        if not self.shared[i]:
            out += self._turned(i)
        return out

    def distance(self, i: int, j: int) -> tuple[int | None, bool]:
        """Smallest distance between the two pictures over mirrors/rotations, and whether it was one."""
        if not (self.has(i) and self.has(j)):
            return None, False
        ints = self.as_ints()
        base = (ints[i] ^ ints[j]).bit_count()
        best, turned = base, False
        for a, b in ((i, j), (j, i)):
            for v in self._turned_ints(a):
                d = (v ^ ints[b]).bit_count()
                if d < best:
                    best, turned = d, True
        return best, turned and best < base

    def as_ints(self) -> list[int | None]:
        """Every hash as one Python int: a pair's distance is one XOR and a popcount, where numpy
        pays its call overhead on 32-byte arrays hundreds of thousands of times."""
        if self._ints is None:
            self._ints = [None if h is None else int.from_bytes(h.tobytes(), "big") for h in self.hashes]
        return self._ints

    def _turned_ints(self, i: int) -> list[int]:
        """`variants(i)[1:]` as ints (the rotations/mirrors of a picture that is not shared)."""
        if self.shared[i]:
            return []
        got = self._dihedral_ints.get(i)
        if got is None:
            got = self._dihedral_ints[i] = [int.from_bytes(v.tobytes(), "big") for v in self._turned(i)]
        return got

    def _turned(self, i: int) -> list[np.ndarray]:
        got = self.dihedral.get(i)
        if got is None:
            k = self.dihedral_rows.get(i)
            hexes = self.dihedral_column[k].as_py() if k is not None else None
            if not hexes:
                return []
            got = self.dihedral[i] = [v for v in map(pack, hexes) if v is not None]
        return got


def range_rows(idx: faiss.IndexBinaryFlat, rows: np.ndarray, queries: list[np.ndarray],
               radius: int) -> list[list[tuple[int, int]]]:
    """For each query hash, the (row, distance) of every indexed hash within `radius` bits
    (`rows[k]`: the account of the index's k-th hash). Any engine's search runs this."""
    if not queries or idx.ntotal == 0:
        return [[] for _ in queries]
    lims, dist, labels = idx.range_search(np.stack(queries), radius + 1)
    return [
        [(int(rows[labels[k]]), int(dist[k])) for k in range(lims[q], lims[q + 1])]
        for q in range(len(queries))
    ]


def load_profile_images(prof: Profiles, accounts: pa.Table, profile_hashes: pa.Table | None) -> ProfileImages:
    """Hashes from the media stage's `profile_hashes` where present, else from the export's own
    `profile_image_pdq`; shared pictures from the media stage's verdict or, failing that, from
    how many accounts carry the same hash or the same image file. Rotation/mirror hashes come from
    `profile_hashes.dihedral`: image files are the media stage's to read, once per run."""
    n = len(prof)
    hexes: list[str | None] = [None] * n
    source: list[str | None] = [None] * n
    shared = np.zeros(n, dtype=bool)
    if "profile_image_pdq" in accounts.column_names:
        for i, h in enumerate(accounts.column("profile_image_pdq").to_pylist()):
            if h:
                hexes[i], source[i] = h.lower(), "export"
    dihedral_rows: dict[int, int] = {}
    dihedral_column = None
    if profile_hashes is not None and profile_hashes.num_rows:
        # Eight hex strings per picture stay in Arrow until a pair needs them (`ProfileImages._turned`).
        cols = profile_hashes.select([c for c in profile_hashes.column_names if c != "dihedral"]).to_pydict()
        none = [None] * profile_hashes.num_rows
        qual = cols.get("quality") or none
        is_shared = cols.get("is_shared") or none
        has_dih = none
        if "dihedral" in profile_hashes.column_names:
            dihedral_column = profile_hashes.column("dihedral")
            has_dih = pc.fill_null(pc.greater(pc.list_value_length(dihedral_column), 0), False).to_pylist()
        for k, (p, a, h, q, s, src, dih) in enumerate(zip(cols["platform"], cols["account_id"], cols["pdq"], qual,
                                                          is_shared, cols.get("source") or none, has_dih)):
            i = prof.index.get((p, a))
            if i is None:
                continue
            if q is not None and q < MIN_QUALITY:
                hexes[i] = None
                continue
            if h:
                hexes[i], source[i] = h.lower(), src or "media"
            if s:
                shared[i] = True
            if dih:
                dihedral_rows[i] = k
    hashes = [pack(h) for h in hexes]
    # Fallback (and belt and braces): the same hash or the same image file on many accounts.
    hash_use = Counter(h for h in hexes if h)
    file_use = Counter(p for p in prof.profile_image if p)
    for i in range(n):
        if (hexes[i] and hash_use[hexes[i]] > MAX_ACCOUNTS_PER_PERSON) or (
            prof.profile_image[i] and file_use[prof.profile_image[i]] > MAX_ACCOUNTS_PER_PERSON
        ):
            shared[i] = True
    imgs = ProfileImages(prof=prof, hashes=hashes, shared=shared, source=source, dihedral_rows=dihedral_rows,
                         dihedral_column=dihedral_column)
    mark_near_duplicates_shared(imgs, _few_neighbours(prof, profile_hashes))
    return imgs


def _few_neighbours(prof: Profiles, profile_hashes: pa.Table | None) -> np.ndarray | None:
    """Accounts whose picture the media stage found within SHARE_RADIUS of at most
    MAX_ACCOUNTS_PER_PERSON pictures (its own included), where that count is exact (every distinct
    hash searched): among a subset of those pictures it cannot be crowded either."""
    if profile_hashes is None or "shared_count" not in profile_hashes.column_names or not profile_hashes.num_rows:
        return None
    if len(pc.unique(profile_hashes.column("pdq"))) > FULL_SEARCH_MAX:
        return None
    few = np.zeros(len(prof), dtype=bool)
    cols = profile_hashes.select(["platform", "account_id", "shared_count"]).to_pydict()
    for p, a, c in zip(cols["platform"], cols["account_id"], cols["shared_count"]):
        i = prof.index.get((p, a))
        if i is not None and c is not None and c <= MAX_ACCOUNTS_PER_PERSON:
            few[i] = True
    return few


def _neighbour_counts(codes: np.ndarray) -> np.ndarray:
    """For every code, the codes within SHARE_RADIUS (itself included): every picture searched, as
    one self-join that finds each pair once (half the work of searching each against all)."""
    a, b = pairs_within(codes, SHARE_RADIUS)
    return 1 + np.bincount(a, minlength=len(codes)) + np.bincount(b, minlength=len(codes))


def mark_near_duplicates_shared(imgs: ProfileImages, few_neighbours: np.ndarray | None = None) -> None:
    """A picture within SHARE_RADIUS of more accounts than one person runs is a stock image.

    Exact repeats were caught already; recompressed copies of a stock picture differ by a few
    bits. Searching every hash against every other is quadratic, so only pictures that may be
    crowded are searched: all of them without the media stage's counts, else those it counted
    more than MAX_ACCOUNTS_PER_PERSON neighbours for (`few_neighbours` false). Without those
    counts the search runs only on small exports; on large ones `is_shared` is the authority.
    """
    idx, indexed = imgs.index()
    if idx.ntotal == 0:
        return
    if few_neighbours is None and idx.ntotal > 200_000:
        return
    codes = np.stack([imgs.hashes[i] for i in indexed])
    if few_neighbours is None:
        rows, counts = indexed, _neighbour_counts(codes)
    else:
        rows = indexed[~few_neighbours[indexed]]
        if not len(rows):
            return
        # Multi-index hashing finds the same neighbours as a flat scan (exact at any radius)
        # without comparing every picture with every other.
        near = PdqIndex()
        near.add(codes)
        q, _, _ = near.range_search(np.stack([imgs.hashes[i] for i in rows]), SHARE_RADIUS)
        counts = np.bincount(q, minlength=len(rows))
    crowded = rows[counts > MAX_ACCOUNTS_PER_PERSON]
    if len(crowded):
        for i in crowded:
            imgs.shared[i] = True
        imgs.forget_index()
