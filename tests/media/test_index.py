"""The PDQ index is exact: the same pairs as brute force, for planted neighbours at 0..40 bits."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from vigil.media import mih
from vigil.media.mih import PdqIndex, hamming_numpy


def plant(rng, n_bank: int, n_query: int, max_d: int = 40):
    bank = rng.integers(0, 256, (n_bank, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (n_query, 32), dtype=np.uint8)
    slots = rng.choice(n_bank, size=n_query * 3, replace=False).reshape(n_query, 3)
    for qi in range(n_query):
        for k, slot in enumerate(slots[qi]):
            d = (qi * 3 + k) % (max_d + 1)  # every distance 0..40 is planted
            bits = np.unpackbits(queries[qi])
            bits[rng.choice(256, d, replace=False)] ^= 1
            bank[slot] = np.packbits(bits)
    return bank, queries


def brute(bank: np.ndarray, queries: np.ndarray, radius: int) -> set:
    return {(qi, int(i)) for qi in range(len(queries)) for i in np.flatnonzero(hamming_numpy(bank, queries[qi]) <= radius)}


def pairs(idx: PdqIndex, queries: np.ndarray, radius: int) -> set:
    q, i, d = idx.range_search(queries, radius)
    assert len(set(zip(q.tolist(), i.tolist()))) == len(q), "each pair reported once"
    return set(zip(q.tolist(), i.tolist()))


@pytest.mark.parametrize("radius", [0, 10, 31, 40])
def test_exact_against_brute_force(radius, monkeypatch):
    monkeypatch.setattr(mih, "TAIL_MAX", 2_000)  # force MIH segments (not just the flat tail)
    rng = np.random.default_rng(radius)
    bank, queries = plant(rng, 20_000, 300)
    idx = PdqIndex()
    idx.add(bank)
    assert idx.indexed == len(bank)
    got = pairs(idx, queries, radius)
    want = brute(bank, queries, radius)
    assert got == want
    assert len(want) >= 300 * 3 * min(radius + 1, 41) // 41  # the planted ones are in there


def test_distances_are_the_true_hamming_distances():
    rng = np.random.default_rng(7)
    bank, queries = plant(rng, 5_000, 50)
    idx = PdqIndex()
    idx.add(bank)
    q, i, d = idx.range_search(queries, 31)
    for qq, ii, dd in zip(q, i, d):
        assert dd == hamming_numpy(bank[ii : ii + 1], queries[qq])[0]


def test_agrees_with_faiss_flat_range_search():
    """faiss's own exhaustive index (its radius is exclusive, hence 32) finds the same pairs."""
    rng = np.random.default_rng(11)
    bank, queries = plant(rng, 10_000, 100)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(bank)
    lims, _, ids = flat.range_search(queries, 32)
    want = {(q, int(i)) for q in range(len(queries)) for i in ids[lims[q] : lims[q + 1]]}
    idx = PdqIndex()
    idx.add(bank)
    assert pairs(idx, queries, 31) == want


def test_incremental_add_indexes_only_new_data_and_stays_exact(monkeypatch):
    monkeypatch.setattr(mih, "TAIL_MAX", 1_000)
    rng = np.random.default_rng(5)
    bank, queries = plant(rng, 12_000, 200)
    idx = PdqIndex()
    built = []
    real_build = mih.Segment.build

    def counting_build(codes, start, tables=None):
        built.append(len(codes))
        return real_build(codes, start, tables)

    monkeypatch.setattr(mih.Segment, "build", staticmethod(counting_build))
    for chunk in np.array_split(bank, 24):  # 24 adds of 500
        idx.add(chunk)
        assert pairs(idx, queries, 31) == brute(bank[: idx.ntotal], queries, 31)
    # LSM merging: total work is O(n log n), far from rebuilding everything on each add
    assert sum(built) < 24 * len(bank) / 4
    assert max(built) <= len(bank)


def test_save_and_load_in_faiss_format(tmp_path, monkeypatch):
    monkeypatch.setattr(mih, "TAIL_MAX", 2_000)
    rng = np.random.default_rng(9)
    bank, queries = plant(rng, 9_000, 100)
    idx = PdqIndex()
    idx.add(bank[:6_000])
    idx.save(tmp_path / "ix")
    assert isinstance(faiss.read_index_binary(str(tmp_path / "ix" / "pdq.faissindex")), faiss.IndexBinaryFlat)
    assert not list((tmp_path / "ix").glob("*.pkl"))
    back = PdqIndex.load(tmp_path / "ix")
    assert back.ntotal == 6_000 and back.indexed == idx.indexed
    assert pairs(back, queries, 31) == pairs(idx, queries, 31)
    back.add(bank[6_000:])  # a loaded index keeps growing incrementally
    assert pairs(back, queries, 31) == brute(bank, queries, 31)


def test_table_choice_keeps_offsets_bounded():
    for n in (10, 10_000, 1_000_000, 10_000_000):
        m = mih.choose_tables(n)
        offsets_bytes = sum((1 << w) + 1 for _, w in mih._split(m)) * 4
        assert 8 <= m <= 32
        assert offsets_bytes <= mih.OFFSETS_BYTES_PER_HASH * n + (64 << 20)


@pytest.mark.parametrize("n_bank", [1, 700, mih.TAIL_MAX - 1, mih.TAIL_MAX, mih.TAIL_MAX + 1, 3_000, 65_535, 65_537])
def test_every_bank_size_equals_brute_force(n_bank):
    """Around the tail/segment boundary (and the old 65,536 one) the vectorised search is exact."""
    rng = np.random.default_rng(n_bank)
    bank, queries = plant(rng, max(n_bank, 600), 200)
    bank = bank[:n_bank]
    idx = PdqIndex()
    idx.add(bank)
    assert (idx.indexed == n_bank) == (n_bank >= mih.TAIL_MAX)  # only a short tail stays unindexed
    for radius in (0, 31, 45):
        assert pairs(idx, queries, radius) == brute(bank, queries, radius)


def test_tail_and_segments_together_equal_brute_force():
    rng = np.random.default_rng(3)
    bank, queries = plant(rng, 5_000, 150)
    idx = PdqIndex()
    idx.add(bank[:4_500])
    idx.add(bank[4_500:])  # a 500-hash tail beside a segment
    assert 0 < idx.ntotal - idx.indexed < mih.TAIL_MAX
    assert pairs(idx, queries, 31) == brute(bank, queries, 31)


@pytest.mark.parametrize("n_bank", [500, 5_000])
def test_dihedral_variants_are_found_like_brute_force(n_bank):
    """Queries are the eight dihedral hashes of drawn pictures; the bank holds some of them, flipped a little."""
    import pdqhash

    from vigil.synth.media import draw_abstract

    rng = np.random.default_rng(n_bank)
    bank = rng.integers(0, 256, (n_bank, 32), dtype=np.uint8)
    queries = []
    for k in range(6):
        px = np.asarray(draw_abstract(np.random.default_rng(k), size=64).convert("RGB"))
        vectors, _ = pdqhash.compute_dihedral(px)
        codes = np.packbits(np.asarray(vectors, dtype=np.uint8), axis=1)
        queries.append(codes)
        for v, slot in enumerate(rng.choice(n_bank, 3, replace=False)):
            bits = np.unpackbits(codes[(k + v) % 8])
            bits[rng.choice(256, int(rng.integers(0, 40)), replace=False)] ^= 1
            bank[slot] = np.packbits(bits)
    queries = np.concatenate(queries)
    idx = PdqIndex()
    idx.add(bank)
    got = pairs(idx, queries, 31)
    assert got == brute(bank, queries, 31) and got


@pytest.mark.parametrize("radius", [0, 10, 31, 40])
def test_self_join_equals_brute_force(radius, monkeypatch):
    """pairs_within: every pair of a bank within the radius once, copies and planted neighbours
    at every distance included, also when a sub-table's candidates span several blocks."""
    monkeypatch.setattr(mih, "PAIR_BATCH", 5_000)
    rng = np.random.default_rng(radius)
    bank, queries = plant(rng, 6_000, 200)
    codes = np.concatenate([bank, queries, queries[:20]])  # queries[:20] twice: identical codes
    a, b = mih.pairs_within(codes, radius)
    want = {(int(i), int(j)) for i in range(len(codes))
            for j in np.flatnonzero(hamming_numpy(codes, codes[i]) <= radius) if i < j}
    assert list(zip(a.tolist(), b.tolist())) == sorted(want)
    assert len(want) >= 20 + 200 * 3 * min(radius + 1, 41) // 41
def near_copies(rng, bank: np.ndarray, per_hash: int, max_d: int = 40) -> np.ndarray:
    """`per_hash` queries per bank hash, each a copy with 0..max_d bits flipped."""
    out = []
    for k, code in enumerate(bank):
        for j in range(per_hash):
            bits = np.unpackbits(code)
            bits[rng.choice(256, (k * per_hash + j) % (max_d + 1), replace=False)] ^= 1
            out.append(np.packbits(bits))
    return np.stack(out)


@pytest.mark.parametrize("radius", [0, 17, 31, 40])
def test_flipped_layout_equals_probing_and_brute_force(radius, monkeypatch):
    """Many more queries than hashes (post media against a small bank) go through the flipped
    layout: the same pairs, distances and order as query-side probing, and as brute force."""
    monkeypatch.setattr(mih, "TAIL_MAX", 500)
    rng = np.random.default_rng(100 + radius)
    bank = rng.integers(0, 256, (800, 32), dtype=np.uint8)
    queries = np.concatenate([near_copies(rng, bank, 5), rng.integers(0, 256, (1_000, 32), dtype=np.uint8)])
    idx = PdqIndex()
    idx.add(bank)
    (seg,) = idx.segments
    assert not seg.use_flipped(idx.codes(), len(bank), radius) and not seg.flipped
    flipped = idx.range_search(queries, radius)
    assert radius in seg.flipped  # built once, kept for the next search
    assert seg.use_flipped(idx.codes(), 1, radius)
    monkeypatch.setattr(mih, "FLIP_MIN_QUERIES_PER_HASH", 10**9)
    probing = mih.PdqIndex()
    probing.add(bank)
    probed = probing.range_search(queries, radius)
    assert not probing.segments[0].flipped
    for a, b in zip(flipped, probed):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert set(zip(flipped[0].tolist(), flipped[1].tolist())) == brute(bank, queries, radius)


def test_batches_cover_every_query_once(monkeypatch):
    """Batch sizes follow the expected work per query; whatever the size, every query is searched once."""
    rng = np.random.default_rng(21)
    bank, queries = plant(rng, 3_000, 400)
    idx = PdqIndex()
    idx.add(bank)
    want = brute(bank, queries, 31)
    for entries in (1, 5_000, mih.BATCH_ENTRIES):
        monkeypatch.setattr(mih, "BATCH_ENTRIES", entries)
        monkeypatch.setattr(mih, "QUERY_BATCH_MIN", 1)
        assert pairs(idx, queries, 31) == want
