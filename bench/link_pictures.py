"""Link's picture blocking at growing export sizes: the flat range search at the link radius beside
media's multi-index search at the PDQ match threshold, on the same hashes, with the growth exponent.

Why: at 1M accounts the picture block was ~130 s of link's candidates phase. The linker searches
every in-scope account's picture and its 8 rotations/mirrors against every account's picture at
the link radius (IMAGE_RADIUS_BOUNDS[1] bits, far above PDQ's 31), and at that radius no index
prunes random 256-bit hashes, so the search is a scan: queries x pictures, and the scope grows
with the export. This prints what that costs per size and what the exact MIH search at the PDQ
threshold (vigil.media.mih.PdqIndex) costs on the same data, and how many planted copies each
finds: the gap is what a change of blocking would trade. The last column is the trade the linker
made (vigil.link.candidates.picture_queries): the scan for as many queries as WIDE_PICTURE_COMPARISONS
allows, MIH at the threshold for the rest.

    .venv/bin/python bench/link_pictures.py                          # 100k and 300k pictures
    .venv/bin/python bench/link_pictures.py --sizes 100000,300000,1000000

Synthetic hashes only (uniform random codes, with planted copies at chosen distances); no image
is read. Both searches run in this process with faiss's default threads; the flat one is the linker's own
`range_rows`.
"""

from __future__ import annotations

import argparse
import math
import time

import faiss
import numpy as np

from vigil.link.candidates import WIDE_PICTURE_COMPARISONS
from vigil.link.images import pack, range_rows
from vigil.link.stage import IMAGE_RADIUS_BOUNDS
from vigil.media.mih import PdqIndex
from vigil.media.threshold import PDQ_THRESHOLD
from vigil.synth.media import flip_bits

# Share of an export's accounts in the link scope (2,882 of ~160k accounts in the 100k world).
SCOPE_SHARE = 0.018
# A query is the picture and its 8 rotations/mirrors.
VARIANTS = 9
# Planted copies per size, spread over these distances from their query (the link's image bins).
COPY_DISTANCES = (10, 25, 40, 55, 70)


def world(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
    """n random pictures, the scope's queries (VARIANTS per account, random variants), and the
    planted (query row, picture row, distance) copies."""
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (max(1, int(n * SCOPE_SHARE)) * VARIANTS, 32), dtype=np.uint8)
    planted = []
    for k, d in enumerate(np.resize(COPY_DISTANCES, min(len(queries), 100))):
        q, row = k * VARIANTS, int(rng.integers(n))
        codes[row] = pack(flip_bits(queries[q].tobytes().hex(), int(d), rng))
        planted.append((q, row, int(d)))
    return codes, queries, planted


def found(hits: set[tuple[int, int]], planted: list[tuple[int, int, int]]) -> int:
    return sum((q, row) in hits for q, row, _ in planted)


def flat_search(codes: np.ndarray, queries: np.ndarray, radius: int) -> set[tuple[int, int]]:
    """Link's own search (vigil.link.images.range_rows over a flat index of every picture)."""
    idx = faiss.IndexBinaryFlat(256)
    idx.add(codes)
    near = range_rows(idx, np.arange(len(codes)), list(queries), radius)
    return {(q, row) for q, hits in enumerate(near) for row, _ in hits}


def mih_search(codes: np.ndarray, queries: np.ndarray, radius: int) -> set[tuple[int, int]]:
    idx = PdqIndex()
    idx.add(codes)
    q, labels, _ = idx.range_search(queries, radius)
    return set(zip(q.tolist(), labels.tolist()))


def tiered_search(codes: np.ndarray, queries: np.ndarray, radius: int) -> set[tuple[int, int]]:
    """What link's blocking does now (vigil.link.candidates.picture_queries): the flat scan for the
    first accounts' queries within WIDE_PICTURE_COMPARISONS, MIH at PDQ's threshold for the rest."""
    wide = min(len(queries), WIDE_PICTURE_COMPARISONS // len(codes) // VARIANTS * VARIANTS)
    hits = flat_search(codes, queries[:wide], radius) if wide else set()
    return hits | {(q + wide, row) for q, row in mih_search(codes, queries[wide:], PDQ_THRESHOLD)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,300000", help="Pictures in the export, comma-separated.")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(args.seed)
    link_radius = IMAGE_RADIUS_BOUNDS[1]
    rows = []
    print(f"{'pictures':>10} {'queries':>9} {'flat r=' + str(link_radius) + ' s':>12} {'found':>7} "
          f"{'mih r=' + str(PDQ_THRESHOLD) + ' s':>11} {'found':>7} {'ratio':>7} {'tiered s':>9} {'found':>7}")
    for n in sizes:
        codes, queries, planted = world(n, rng)
        t = time.perf_counter()
        flat_hits = flat_search(codes, queries, link_radius)
        flat_s = time.perf_counter() - t
        t = time.perf_counter()
        mih_hits = mih_search(codes, queries, PDQ_THRESHOLD)
        mih_s = time.perf_counter() - t
        t = time.perf_counter()
        tiered_hits = tiered_search(codes, queries, link_radius)
        tiered_s = time.perf_counter() - t
        rows.append((n, flat_s, mih_s, tiered_s))
        print(f"{n:>10,} {len(queries):>9,} {flat_s:>12.2f} {found(flat_hits, planted):>3}/{len(planted):<3} "
              f"{mih_s:>11.2f} {found(mih_hits, planted):>3}/{len(planted):<3} {flat_s / max(mih_s, 1e-9):>7.1f} "
              f"{tiered_s:>9.2f} {found(tiered_hits, planted):>3}/{len(planted):<3}",
              flush=True)
    if len(rows) >= 2:
        (n0, f0, m0, t0), (n1, f1, m1, t1) = rows[0], rows[-1]
        span = math.log(n1 / n0)
        print(f"growth exponent {n0:,} -> {n1:,}: flat {math.log(f1 / f0) / span:.2f}, "
              f"mih {math.log(max(m1, 1e-9) / max(m0, 1e-9)) / span:.2f}, "
              f"tiered {math.log(max(t1, 1e-9) / max(t0, 1e-9)) / span:.2f}")


if __name__ == "__main__":
    main()
