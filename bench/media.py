"""PDQ range search at scale: vigil's MIH index beside faiss IndexBinaryFlat and numpy brute force.

    flock /tmp/vigil-heavy.lock .venv/bin/python bench/media.py            # 10k queries x 10M hashes
    .venv/bin/python bench/media.py --bank 1000000 --multihash            # smaller, + IndexBinaryMultiHash
    .venv/bin/python bench/media.py --grid --grid-queries 1000000 --grid-banks 20000,1000000
                                    # the platform's shape: millions of media x a bank of 10^4..10^7

--grid: every (queries, bank) pair, vigil's index answering all queries beside faiss IndexBinaryFlat
on a sample of them (extrapolated), both on `--threads` cores, pairs checked equal on the sample.

Random 256-bit hashes plus one planted neighbour per query at a distance drawn from 0..40, so about
3/4 of the queries have a true match within 31. Baselines run in the same process on a sample of the
queries and are extrapolated to all queries; recall and precision of the index are measured against
them on that sample. Also: images hashed per second (PDQ + MD5) on the reference photos, and video frames hashed and
videos matched per second (bench/media_video.py; `--video-only` runs just that table).
"""

from __future__ import annotations

import argparse
import os
import time

import sys
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's vigil, not an installed one

from vigil.media import mih
from vigil.media.hashing import hash_file
from vigil.media.mih import PdqIndex, hamming_numpy
from vigil.media.stage import hash_files
from vigil.paths import shared_dir

from media_video import video_table  # bench/ is on sys.path when a script in it runs


def make_data(n_bank: int, n_query: int, seed: int, max_planted: int = 40):
    rng = np.random.default_rng(seed)
    bank = rng.integers(0, 256, (n_bank, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (n_query, 32), dtype=np.uint8)
    slots = rng.choice(n_bank, size=n_query, replace=False)
    dists = rng.integers(0, max_planted + 1, n_query)
    bits = np.unpackbits(queries, axis=1)
    for q in range(n_query):
        b = bits[q].copy()
        b[rng.choice(256, dists[q], replace=False)] ^= 1
        bank[slots[q]] = np.packbits(b)
    return bank, queries


def make_grid_data(n_bank: int, n_query: int, seed: int, max_planted: int = 40):
    """Like make_data, vectorised for millions of queries: min(n_bank, n_query) queries get a neighbour."""
    rng = np.random.default_rng(seed)
    bank = rng.integers(0, 256, (n_bank, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (n_query, 32), dtype=np.uint8)
    k = min(n_bank, n_query)
    slots = rng.choice(n_bank, size=k, replace=False)
    for s in range(0, k, 100_000):
        e = min(k, s + 100_000)
        d = rng.integers(0, max_planted + 1, e - s)
        ranks = np.argsort(rng.random((e - s, 256), dtype=np.float32), axis=1)
        flip = np.packbits(ranks < d[:, None], axis=1)
        bank[slots[s:e]] = queries[s:e] ^ flip
    return bank, queries


def build_index(bank: np.ndarray, threads: int) -> tuple[PdqIndex, float]:
    """vigil's index over `bank`, and the seconds its build took."""
    idx = PdqIndex(threads=threads)
    t = time.perf_counter()
    idx.add(bank)
    return idx, time.perf_counter() - t


def grid(a) -> None:
    faiss.omp_set_num_threads(a.threads)
    rows = []
    for n_bank in [int(x) for x in a.grid_banks.split(",")]:
        for n_query in [int(x) for x in a.grid_queries.split(",")]:
            bank, queries = make_grid_data(n_bank, n_query, a.seed)
            idx, build_s = build_index(bank, a.threads)
            del bank
            t = time.perf_counter()
            q, i, _ = idx.range_search(queries, a.radius)
            mih_s = time.perf_counter() - t
            sample = np.arange(min(a.flat_sample, n_query))
            t = time.perf_counter()
            lims, _, ids = idx.flat.range_search(queries[sample], a.radius + 1)
            flat_s = (time.perf_counter() - t) * n_query / len(sample)
            m = q < len(sample)
            same = set(zip(q[m].tolist(), i[m].tolist())) == pairs_from_lims(lims, ids, sample.tolist())
            rows.append((n_query, n_bank, build_s, mih_s, flat_s, len(q), same))
            print(f"  {n_query:,} x {n_bank:,}: vigil {mih_s:.2f} s (build {build_s:.2f} s), flat ~{flat_s:.1f} s", flush=True)
            del idx, queries, q, i
    print(f"\nPDQ range search <= {a.radius}, {a.threads} threads; faiss IndexBinaryFlat run on {a.flat_sample} "
          f"queries per cell and extrapolated")
    print(f"{'queries':>10} {'bank':>11} {'build s':>8} {'vigil s':>8} {'flat s':>9} {'x flat':>7} {'pairs':>10} {'= flat':>6}")
    for n_query, n_bank, build_s, mih_s, flat_s, npairs, same in rows:
        print(f"{n_query:>10,} {n_bank:>11,} {build_s:>8.2f} {mih_s:>8.2f} {flat_s:>9.1f} {flat_s / mih_s:>7.1f} "
              f"{npairs:>10,} {str(same):>6}")
    print(f"peak RSS {peak_rss_mib():,.0f} MiB; TAIL_MAX={mih.TAIL_MAX}, BATCH_ENTRIES={mih.BATCH_ENTRIES}")


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pairs_from_lims(lims, ids, rows) -> set:
    return {(r, int(i)) for k, r in enumerate(rows) for i in ids[lims[k] : lims[k + 1]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bank", type=int, default=10_000_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--radius", type=int, default=31)
    ap.add_argument("--flat-sample", type=int, default=300, help="queries answered by IndexBinaryFlat")
    ap.add_argument("--numpy-sample", type=int, default=5, help="queries answered by numpy brute force")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--multihash", action="store_true", help="also time faiss.IndexBinaryMultiHash (memory-heavy)")
    ap.add_argument("--image-rounds", type=int, default=5)
    ap.add_argument("--small-images", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--video-only", action="store_true", help="only the video table (bench/media_video.py)")
    ap.add_argument("--grid", action="store_true", help="time every --grid-queries x --grid-banks pair")
    ap.add_argument("--grid-queries", default="1000000,5000000")
    ap.add_argument("--grid-banks", default="20000,1000000,10000000")
    a = ap.parse_args()
    if a.video_only:
        print("\n".join(video_table()))
        return
    if a.grid:
        return grid(a)
    r = a.radius
    rows = []

    t = time.perf_counter()
    bank, queries = make_data(a.bank, a.queries, a.seed)
    print(f"data: {a.bank:,} bank hashes ({bank.nbytes / 2**20:,.0f} MiB), {a.queries:,} queries, "
          f"{time.perf_counter() - t:.1f} s", flush=True)

    idx, build_s = build_index(bank, a.threads)
    del bank
    codes = idx.codes()
    print(f"vigil MIH: {len(idx.segments[0].parts) if idx.segments else 0} sub-tables, built in {build_s:.1f} s", flush=True)

    t = time.perf_counter()
    q, i, d = idx.range_search(queries, r)
    mih_s = time.perf_counter() - t
    rows.append(("vigil MIH (numpy over faiss storage)", a.queries, mih_s, mih_s))
    print(f"vigil MIH: {a.queries:,} queries in {mih_s:.2f} s, {len(q):,} pairs within {r}", flush=True)
    mih_pairs = set(zip(q.tolist(), i.tolist()))

    # faiss exhaustive search over the very same codes (its radius is exclusive: r + 1)
    faiss.omp_set_num_threads(a.threads)
    sample = np.arange(min(a.flat_sample, a.queries))
    t = time.perf_counter()
    lims, _, ids = idx.flat.range_search(queries[sample], r + 1)
    flat_s = time.perf_counter() - t
    flat_pairs = pairs_from_lims(lims, ids, sample.tolist())
    rows.append(("faiss IndexBinaryFlat", len(sample), flat_s, flat_s * a.queries / len(sample)))

    got = {p for p in mih_pairs if p[0] < len(sample)}
    recall = len(got & flat_pairs) / max(1, len(flat_pairs))
    precision = len(got & flat_pairs) / max(1, len(got))

    ns = np.arange(min(a.numpy_sample, a.queries))
    t = time.perf_counter()
    np_pairs = set()
    for qq in ns:
        hit = np.flatnonzero(hamming_numpy(codes, queries[qq]) <= r)
        np_pairs |= {(int(qq), int(h)) for h in hit}
    np_s = time.perf_counter() - t
    rows.append(("numpy brute force", len(ns), np_s, np_s * a.queries / len(ns)))
    np_agree = {p for p in mih_pairs if p[0] < len(ns)} == np_pairs

    if a.multihash:
        mh = faiss.IndexBinaryMultiHash(256, 16, 16)
        mh.nflip = r // 16
        t = time.perf_counter()
        mh.add(codes)
        mh_build = time.perf_counter() - t
        t = time.perf_counter()
        lims, _, ids = mh.range_search(queries[sample], r + 1)
        mh_s = time.perf_counter() - t
        rows.append((f"faiss IndexBinaryMultiHash 16x16 (build {mh_build:.0f} s)", len(sample), mh_s,
                     mh_s * a.queries / len(sample)))
        assert pairs_from_lims(lims, ids, sample.tolist()) == flat_pairs
        del mh

    print()
    print(f"PDQ range search <= {r}: {a.queries:,} queries x {a.bank:,} hashes, {a.threads} threads")
    print(f"{'method':<48} {'queries run':>11} {'seconds':>9} {'for all':>9} {'x vigil':>8}")
    for name, n, s, full in rows:
        print(f"{name:<48} {n:>11,} {s:>9.2f} {full:>9.2f} {full / mih_s:>8.1f}")
    print(f"recall vs IndexBinaryFlat on {len(sample)} queries: {recall:.4f} ({len(flat_pairs)} true pairs), "
          f"precision {precision:.4f}; numpy brute force agrees on {len(ns)} queries: {np_agree}")
    if a.bank >= 10_000_000 and a.queries >= 10_000 and r >= 31:
        print(f"bar: 10k x 10M at <= 31 in <= 10 s on 2 cores -> {mih_s:.2f} s: {'met' if mih_s <= 10 else 'NOT met'}")

    # images hashed per second: big reference photos, and the sample world's small profile pictures
    imgs = sorted((shared_dir() / "reference" / "pdq" / "images").rglob("*.*"))
    if imgs:
        t = time.perf_counter()
        for _ in range(a.image_rounds):
            for p in imgs:
                hash_file(p)
        one = len(imgs) * a.image_rounds / (time.perf_counter() - t)
        sizes = [os.path.getsize(p) for p in imgs]
        print(f"hashing (PDQ + MD5), {len(imgs)} reference photos ({min(sizes) // 1024}-{max(sizes) // 1024} KiB, "
              f"up to 1600x1004): {one:.0f} images/s in one process")
    small = sorted((shared_dir() / "worlds" / "sample" / "media").rglob("*.jpg"))[: a.small_images]
    if small:
        t = time.perf_counter()
        for p in small:
            hash_file(p)
        one = len(small) / (time.perf_counter() - t)
        t = time.perf_counter()
        hash_files([str(p) for p in small], workers=a.threads)
        pool = len(small) / (time.perf_counter() - t)
        print(f"hashing (PDQ + MD5), {len(small)} sample-world profile pictures: {one:.0f} images/s in one "
              f"process, {pool:.0f} images/s with hash_files ({a.threads} worker processes, start-up included)")
    print(f"TAIL_MAX={mih.TAIL_MAX}, BATCH_ENTRIES={mih.BATCH_ENTRIES}")
    print("\n".join(video_table()))


if __name__ == "__main__":
    main()
