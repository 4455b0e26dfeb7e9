"""Profile pictures: one PDQ hash per account, and which pictures carry no identity.

The same profile picture on two accounts ties them together (how buyers' other profiles are found),
unless the picture is one that many unrelated accounts use: a platform's default avatar or a stock
image. Such a picture is marked `is_shared` so that linking ignores it.
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
import math

import numpy as np
import pyarrow as pa

from vigil import schemas
from vigil.media.hashing import ImageHash, hexes_to_codes
from vigil.media.mih import PdqIndex

# Two profile pictures are "the same picture" within the contract's PDQ match distance.
SHARE_RADIUS = PDQ_THRESHOLD
# A picture used by at least this many accounts is a default avatar or stock image rather than one
# person's photo: one operator's cluster of accounts (a seller and backups on several platforms)
# stays well below 20, while a default avatar's use grows with the platform.
SHARED_MIN_ACCOUNTS = 20
# ...and on a large export, at least this share of all accounts with a picture (1 in 2,000): a
# picture that 500 of 1M accounts use is a platform default, not an identity.
SHARED_MIN_FRACTION = 0.0005


# Distinct profile hashes searched exhaustively for neighbours (~10-20 s on 2 cores at this size).
FULL_SEARCH_MAX = 100_000


# The contract layout plus the export-relative image path the hash came from (null: the export's
# hash), and the picture's eight rotation/mirror hashes (DIHEDRAL_NAMES order; null: no file was
# hashed). The linker compares pictures mirror-aware from these, without opening a file again.
PROFILE_HASHES = schemas.PROFILE_HASHES.append(pa.field("path", pa.string())).append(
    pa.field("dihedral", pa.list_(pa.string())))


def shared_threshold(n_accounts: int) -> int:
    return max(SHARED_MIN_ACCOUNTS, math.ceil(SHARED_MIN_FRACTION * n_accounts))


def neighbour_counts(hexes: list[str], radius: int = SHARE_RADIUS, full_search_max: int | None = None) -> np.ndarray:
    """For each hash: how many of the hashes (itself included) lie within `radius`.

    Identical hashes (one default-avatar file) are searched once and weighted by their count. Up to
    FULL_SEARCH_MAX distinct hashes every one is searched (exact). Beyond that, a self-join at radius
    31 costs minutes, so only the neighbourhoods of pictures used at least twice are searched: their
    counts, and those of every hash near them, are exact; a picture used once with no repeated
    picture near it keeps the count of its own copies (1) — a default avatar is never such a picture.
    """
    if not hexes:
        return np.zeros(0, dtype=np.int64)
    limit = FULL_SEARCH_MAX if full_search_max is None else full_search_max
    uniq, inverse, mult = np.unique(np.asarray(hexes), return_inverse=True, return_counts=True)
    codes = hexes_to_codes(uniq.tolist())
    index = PdqIndex()
    index.add(codes)
    if len(uniq) <= limit:
        todo = np.arange(len(uniq))
    else:
        seeds = np.flatnonzero(mult >= 2)
        _, near, _ = index.range_search(codes[seeds], radius)
        todo = np.unique(np.concatenate([seeds, near]))
    per_unique = mult.astype(np.int64)
    if todo.size:
        q, i, _ = index.range_search(codes[todo], radius)
        per_unique[todo] = np.bincount(q, weights=mult[i], minlength=todo.size).astype(np.int64)
    return per_unique[inverse]


def profile_hashes(profiles: dict, hashed: dict[str, tuple[ImageHash | None, str]]) -> pa.Table:
    """One row per account with a usable profile picture hash (file first, the export's hash else)."""
    plat, acc, pdq, quality, source, path, dihedral = [], [], [], [], [], [], []
    for p, a, rel, given in zip(profiles["platform"], profiles["account_id"], profiles["profile_image"],
                                profiles["profile_image_pdq"]):
        h = hashed.get(rel, (None, ""))[0] if rel else None
        if h is not None:
            plat.append(p), acc.append(a), pdq.append(h.pdq), quality.append(h.quality), source.append("file")
            path.append(rel), dihedral.append(list(h.dihedral) or None)
        elif given:
            plat.append(p), acc.append(a), pdq.append(given.lower()), quality.append(None), source.append("export")
            path.append(rel or None), dihedral.append(None)
    counts = neighbour_counts(pdq)
    limit = shared_threshold(len(pdq))
    return pa.table(
        {
            "platform": plat,
            "account_id": acc,
            "pdq": pdq,
            "quality": pa.array(quality, pa.int32()),
            "source": source,
            "shared_count": pa.array(counts.tolist(), pa.int64()),
            "is_shared": pa.array((counts >= limit).tolist(), pa.bool_()),
            "path": pa.array(path, pa.string()),
            "dihedral": pa.array(dihedral, pa.list_(pa.string())),
        },
        schema=PROFILE_HASHES,
    )
