"""Profile pictures of a generated world: drawn, written and hashed in chunks, on all cores.

A person's accounts share (copies of) one picture, so the unit of work is a person: a person with
one account, or all the accounts of a person with several. Units go in fixed-size chunks, each
with its own random stream (derived from the world's seed and the chunk's number), so a world is
the same whether its chunks run in this process or in a pool of any size, and only one chunk's
pictures are in memory at a time (a million-account world holds hundreds of thousands of them).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vigil.progress import task
from vigil.synth import media as M
from vigil.synth.population import AVATAR_DEFAULT, AVATAR_OWN, AVATAR_STOCK, K, Population

# People per chunk: big enough that a chunk's start-up is noise, small enough to spread over cores.
CHUNK_UNITS = 4000
# Below this many own pictures the pool's start-up (a fresh interpreter per worker) costs more
# than it saves.
POOL_MIN_PICTURES = 30000
MAX_WORKERS = 8

REL_CODES = ("", "copy", "mirror", "different")


@dataclass
class Pictures:
    path: list[str | None]
    pdq: list[str | None]  # known for accounts given by hash and for accounts of multi-account people
    relation: dict[int, str]  # account -> copy | mirror | different (relative to the person's first picture)
    default_pdq: str = ""


@dataclass
class _Chunk:
    """What one chunk's worker needs: plain arrays, so it pickles small."""

    seed: tuple[int, int]
    export: str
    images: bool
    accounts: np.ndarray  # own-picture accounts of the chunk's people, grouped by person
    starts: np.ndarray  # where each person's group begins in `accounts` (plus the end)
    as_file: np.ndarray  # per entry of `accounts`
    paths: list[str]  # per entry: where its file goes (relative to export)
    identity: np.ndarray  # per entry: a buyer's real-name profile
    linked: np.ndarray  # per entry: its person's buyer bio links the real-name profile


def _save(export: Path, path: str, img, rng) -> None:
    img.convert("RGB").save(export / path, "JPEG", quality=int(rng.integers(60, 92)))


def _file_pdq(export: Path, path: str) -> str:
    from PIL import Image

    with Image.open(export / path) as im:
        return M.pdq_of(im)[0]


def _draw_chunk(c: _Chunk) -> tuple[np.ndarray, list, list, np.ndarray]:
    """(accounts, paths, pdqs, relation codes) of one chunk's people."""
    rng = np.random.default_rng(list(c.seed))
    export = Path(c.export)
    n = len(c.accounts)
    paths: list[str | None] = [None] * n
    pdqs: list[str | None] = [None] * n
    rel = np.zeros(n, dtype=np.int8)
    for g in range(len(c.starts) - 1):
        lo, hi = int(c.starts[g]), int(c.starts[g + 1])
        if c.identity[lo] < 0:  # a person with one account: a picture of its own
            if c.as_file[lo]:
                paths[lo] = c.paths[lo]
                _save(export, c.paths[lo], M.draw_abstract(rng, 128), rng)
            else:
                pdqs[lo] = M.random_hex(rng, 1, 32)[0]
            continue
        base_img = None
        for e in range(lo, hi):
            if e == lo:  # the person's first picture
                if c.images:
                    base_img = M.draw_abstract(rng, 192)
                    if c.as_file[e]:
                        paths[e] = c.paths[e]
                        _save(export, paths[e], base_img, rng)
                        pdqs[e] = _file_pdq(export, paths[e])
                    else:
                        pdqs[e] = M.pdq_of(M.recompress(base_img, 85))[0]
                else:
                    pdqs[e] = M.random_hex(rng, 1, 32)[0]
                continue
            # A later account of the same person: a copy, a mirrored copy, or another picture.
            want_copy, mirror, gentle = 0.7, 0.1, False
            if c.identity[e] == 1:
                want_copy, mirror, gentle = (0.5, 0.1, False) if c.linked[e] else (1.0, 0.0, True)
            r = rng.random()
            kind = "different" if r >= want_copy else ("mirror" if rng.random() < mirror else "copy")
            rel[e] = REL_CODES.index(kind)
            if c.images:
                img = (M.draw_abstract(rng, 192) if kind == "different"
                       else M.copy_of(base_img, rng, kind == "mirror", gentle))
                if c.as_file[e]:
                    paths[e] = c.paths[e]
                    _save(export, paths[e], img, rng)
                    pdqs[e] = _file_pdq(export, paths[e])
                else:
                    pdqs[e] = M.pdq_of(img)[0]
            elif kind == "copy":
                k = int(np.clip(rng.gamma(4.0, 7.0), 2, 80)) if not gentle else int(rng.integers(4, 24))
                pdqs[e] = M.flip_bits(pdqs[lo], k, rng)
            else:
                pdqs[e] = M.random_hex(rng, 1, 32)[0]
    return c.accounts, paths, pdqs, rel


def _workers(n_pictures: int) -> int:
    if n_pictures < POOL_MIN_PICTURES:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_WORKERS, cores))


def profile_pictures(rng, pop: Population, p, export: Path, by_person: dict[int, list[int]],
                     buyer_link: dict[int, bool]) -> Pictures:
    images = p.images
    paths: list[str | None] = [None] * pop.n
    pdqs: list[str | None] = [None] * pop.n
    relation: dict[int, str] = {}
    media_dir = export / "media"
    default_img = M.draw_default_avatar()
    default_pdq = M.pdq_of(M.recompress(default_img, 90))[0]
    stock_img = M.draw_abstract(np.random.default_rng(int(rng.integers(1 << 31))))
    stock_pdq = M.pdq_of(M.recompress(stock_img, 90))[0]
    mode = np.asarray([pl.image_mode for pl in pop.platforms])[pop.plat]
    as_file = images & ((mode == "file") | ((mode == "mixed") & (rng.random(pop.n) < 0.5)))
    names = [pl.name for pl in pop.platforms]
    if images:
        media_dir.mkdir(parents=True, exist_ok=True)
        for nm in names:
            (media_dir / nm).mkdir(exist_ok=True)
        default_img.save(media_dir / "default_avatar.png")

    def rel_path(i: int) -> str:
        return f"media/{names[pop.plat[i]]}/{pop.ids[i]}.jpg"

    # The shared pictures: the platform default, and one stock picture many accounts use.
    default = np.flatnonzero(pop.avatar == AVATAR_DEFAULT)
    for i in default:
        if as_file[i]:
            paths[i] = "media/default_avatar.png"
        pdqs[i] = default_pdq
    for i in np.flatnonzero(pop.avatar == AVATAR_STOCK):
        if as_file[i]:
            paths[i] = rel_path(i)
            _save(export, paths[i], M.copy_of(stock_img, rng, False), rng)
            pdqs[i] = _file_pdq(export, paths[i])
        else:
            pdqs[i] = M.flip_bits(stock_pdq, int(rng.integers(0, 12)), rng)

    # Own pictures, person by person (a person's accounts in account order, the first is the base).
    own = np.flatnonzero(pop.avatar == AVATAR_OWN)
    multi = np.zeros(pop.n, dtype=bool)
    multi[[i for accs in by_person.values() for i in accs]] = True
    unit = np.where(multi[own], pop.person[own], -1 - own)  # a person, or an account of its own
    order = np.lexsort((own, unit))
    own_sorted, unit_sorted = own[order], unit[order]
    first_entry = np.flatnonzero(np.r_[True, unit_sorted[1:] != unit_sorted[:-1]])
    # Units in the order of their first account, so chunks follow the accounts.
    unit_order = np.argsort(own_sorted[first_entry], kind="stable")
    bounds = np.r_[first_entry, len(own_sorted)]
    lengths = np.diff(bounds)[unit_order]
    starts_u = first_entry[unit_order]
    entries = np.concatenate([np.arange(s, s + k) for s, k in zip(starts_u, lengths)]) if len(starts_u) else np.zeros(0, np.int64)
    accounts = own_sorted[entries]
    group_start = np.r_[0, np.cumsum(lengths)]
    identity = np.where(pop.kind[accounts] == K["buyer_identity"], 1, 0).astype(np.int8)
    identity[~multi[accounts]] = -1
    person_linked = {int(pop.person[j]) for j, v in buyer_link.items() if v}
    linked = np.fromiter((int(pop.person[a]) in person_linked for a in accounts), dtype=bool, count=len(accounts))

    base_seed = int(rng.integers(1 << 62))
    n_units = len(lengths)
    chunks = []
    for k, u0 in enumerate(range(0, n_units, CHUNK_UNITS)):
        u1 = min(n_units, u0 + CHUNK_UNITS)
        e0, e1 = int(group_start[u0]), int(group_start[u1])
        acc = accounts[e0:e1]
        chunks.append(_Chunk(seed=(base_seed, k), export=str(export), images=bool(images), accounts=acc,
                             starts=group_start[u0:u1 + 1] - e0, as_file=as_file[acc],
                             paths=[rel_path(int(a)) for a in acc] if images else [""] * len(acc),
                             identity=identity[e0:e1], linked=linked[e0:e1]))
    workers = _workers(len(accounts)) if images else 1
    with task("profile pictures", total=len(accounts)) as bar:
        def take(result) -> None:
            acc, ps, hs, rel = result
            for a, pth, h, r in zip(acc.tolist(), ps, hs, rel.tolist()):
                paths[a], pdqs[a] = pth, h
                if r:
                    relation[a] = REL_CODES[r]
            bar.advance(len(acc))

        if workers == 1:
            for c in chunks:
                take(_draw_chunk(c))
        else:
            # A fresh interpreter per worker (not fork): the parent holds Arrow's threads.
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for result in pool.imap(_draw_chunk, chunks):
                    take(result)
    return Pictures(paths, pdqs, relation, default_pdq)
