"""The `media` stage: hash the export's images and videos, match every hash against the banks, and
describe each account's profile picture for linking. Videos (vPDQ, MD5) go through vigil.media.video.

Writes `media_matches` (one row per media x bank entry matched), `media_accounts` (one row per
account with any match, for the graph stage and review), `profile_hashes` (one row per account with
a profile picture) and `media_problems` (image files that could not be hashed, with the reason).
Bad bank rows are appended to the run's rejects.jsonl.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil import schemas
from vigil.media.banks import HashBank
from vigil.media.hashing import DIHEDRAL_NAMES, QUALITY_THRESHOLD, ImageHash, hash_one as _hash_one, hexes_to_codes
from vigil.media.profiles import profile_hashes
from vigil.media.video import MATCH_FIELDS as VIDEO_FIELDS, match_video_items, split_video_items, video_evidence
from vigil.progress import track
from vigil.workspace import Workspace

# Files hashed per worker task: large enough to amortise process hand-off, small enough for a bar.
HASH_CHUNK = 32
# Below this many files a process pool costs more than it saves: its workers spend ~2 s importing
# pdqhash/threatexchange, and one process hashes 600-900 small images/s (bench/media.py). On the
# loaded 2-core dev box the pool was slower still at 2,600 files (604/s vs 904/s).
POOL_MIN_FILES = 5_000

MEDIA_MATCHES = pa.schema([*schemas.MEDIA_MATCHES, pa.field("transform", pa.string()), pa.field("quality", pa.int32()),
                           pa.field("source", pa.string()), *VIDEO_FIELDS])
MEDIA_ACCOUNTS = pa.schema(
    schemas.PLATFORM_KEY
    + [
        ("n_matches", pa.int64()),
        ("n_media", pa.int64()),
        ("n_posts", pa.int64()),
        ("profile_match", pa.bool_()),
        ("min_distance", pa.int32()),
        ("banks", pa.list_(pa.string())),
        ("categories", pa.list_(pa.string())),
        ("evidence", pa.string()),
    ]
)
MEDIA_PROBLEMS = pa.schema(
    schemas.PLATFORM_KEY
    + [("post_id", pa.string()), ("path", pa.string()), ("reason", pa.string()), ("_file", pa.string()), ("_line", pa.int64())]
)


def resolve_in_export(export_dir: Path, rel: str) -> Path:
    """The file an export path names; ValueError if it leaves the export folder."""
    root = Path(export_dir).resolve()
    p = (root / rel).resolve()
    if not p.is_relative_to(root):
        raise ValueError("path leaves the export folder")
    return p


def hash_files(paths: list[str], dihedral: bool = False, workers: int | None = None,
                dihedral_for: frozenset[str] | set[str] = frozenset()) -> dict[str, tuple[ImageHash | None, str]]:
    """Hash each distinct file once (a default avatar used by 10,000 accounts is read once).
    `dihedral_for`: files whose eight rotation/mirror hashes are wanted even when `dihedral` is off
    (profile pictures: the linker compares them mirror-aware and must not read the file again)."""
    todo = sorted(set(paths))
    workers = workers or min(2, os.cpu_count() or 1)
    out: dict[str, tuple[ImageHash | None, str]] = {}
    jobs = [(p, dihedral or p in dihedral_for) for p in todo]
    if workers > 1 and len(todo) >= POOL_MIN_FILES:
        # forkserver, not fork: the parent has DuckDB/Arrow threads, and a forked copy of a
        # threaded process can die in libc (seen here). Like spawn, it re-imports a script's
        # __main__: scripts calling run_media need the usual `if __name__ == "__main__":` guard.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as ex:
            for p, h, err in track(ex.map(_hash_one, jobs, chunksize=HASH_CHUNK), "hashing images", total=len(jobs)):
                out[p] = (h, err)
    else:
        for p, h, err in track(map(_hash_one, jobs), "hashing images", total=len(jobs)):
            out[p] = (h, err)
    return out


def pdq_search(bank: HashBank, hexes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query row, bank entry, distance) of every PDQ hex within its bank's threshold."""
    return bank.match_pdq(hexes_to_codes(hexes))


def md5_join(bank: HashBank, md5: list[str | None]) -> list[tuple[int, str, str]]:
    """(row, bank, category) of every exact MD5 match: rows in order, a hash's banks in bank order."""
    if not bank.md5 or not md5:
        return []
    col = pa.array(md5, pa.string())
    found = np.flatnonzero(pc.is_in(col, value_set=pa.array(list(bank.md5), pa.string())).to_numpy(zero_copy_only=False))
    return [(k, b, c) for k in found.tolist() for b, c in bank.match_md5(md5[k])]


@dataclass(frozen=True)
class MediaEngine:
    """Where the stage's heavy parts run: hashing the files, the PDQ search, the MD5 join. The
    stage around them (which media, which hash, the best transform, the tables) is one code for
    every engine; vigil.engines.spark.media gives the same three on a cluster."""

    hash_files: Callable[..., dict[str, tuple[ImageHash | None, str]]] = hash_files
    pdq_search: Callable[[HashBank, list[str]], tuple[np.ndarray, np.ndarray, np.ndarray]] = pdq_search
    md5_join: Callable[[HashBank, list[str | None]], list[tuple[int, str, str]]] = md5_join


EMBEDDED = MediaEngine()


def read_media_items(ws: Workspace) -> pa.Table:
    """One row per post media item."""
    if not ws.has("posts"):
        return pa.table({k: pa.array([], pa.string()) for k in
                         ("platform", "account_id", "post_id", "media_id", "pdq", "md5", "path", "vpdq", "_file")} | {"_line": pa.array([], pa.int64())})
    con = ws.connect()
    return con.sql(
        """
        SELECT platform, account_id, post_id, m.media_id AS media_id, m.pdq AS pdq, m.md5 AS md5,
               m.path AS path, m.vpdq AS vpdq, _file, _line
        FROM (SELECT platform, account_id, post_id, _file, _line, UNNEST(media) AS m
              FROM posts WHERE media IS NOT NULL AND len(media) > 0)
        """
    ).to_arrow_table()


def read_profiles(ws: Workspace) -> pa.Table:
    cols = ["platform", "account_id", "profile_image", "profile_image_pdq", "_file", "_line"]
    if not ws.has("accounts"):
        return pa.table({c: pa.array([], pa.int64() if c == "_line" else pa.string()) for c in cols})
    con = ws.connect()
    return con.sql(
        f"SELECT {', '.join(cols)} FROM accounts WHERE profile_image IS NOT NULL OR profile_image_pdq IS NOT NULL"
    ).to_arrow_table()


def run_media(ws: Workspace, export_dir: Path, bank: HashBank, dihedral: bool = False,
              engine: MediaEngine = EMBEDDED) -> dict:
    """Match every post media and profile picture against the banks; returns the stage's counts.

    Known material is found without anyone looking at it: image files are read only to hash them,
    and a hash the export already gives is matched as it is (without rotations: those need pixels).
    """
    export_dir = Path(export_dir)
    videos, items = split_video_items(read_media_items(ws), export_dir)
    profiles = read_profiles(ws).to_pydict()
    problems: dict[str, list] = {f.name: [] for f in MEDIA_PROBLEMS}

    def problem(platform, account_id, post_id, path, reason, file_, line):
        for k, v in zip(problems, (platform, account_id, post_id, path, reason, file_, line)):
            problems[k].append(v)

    # 1. every image file the export names, hashed once
    wanted: dict[str, str] = {}  # export-relative path -> absolute path
    bad_path: dict[str, str] = {}
    for rel in [*items.column("path").to_pylist(), *profiles["profile_image"]]:
        if not rel or rel in wanted or rel in bad_path:
            continue
        try:
            wanted[rel] = str(resolve_in_export(export_dir, rel))
        except ValueError as e:
            bad_path[rel] = str(e)
    profile_files = {wanted[rel] for rel in profiles["profile_image"] if rel in wanted}
    hashed_abs = engine.hash_files(list(wanted.values()), dihedral=dihedral, dihedral_for=profile_files)
    hashed: dict[str, tuple[ImageHash | None, str]] = {rel: hashed_abs[a] for rel, a in wanted.items()}
    hashed.update({rel: (None, why) for rel, why in bad_path.items()})

    # 2. profile pictures
    ph = profile_hashes(profiles, hashed)
    ws.write("profile_hashes", ph)
    for plat, acc, rel, f, line in zip(profiles["platform"], profiles["account_id"], profiles["profile_image"],
                                       profiles["_file"], profiles["_line"]):
        if rel and hashed[rel][0] is None:
            problem(plat, acc, None, rel, f"profile_image: {hashed[rel][1]}", f, line)

    # 3. one row per media to match (post media, then profile pictures), columnar for big exports
    media = _media_rows(items, ph, hashed, problem)
    n = len(media["pdq"])
    has_pdq = np.array([p is not None for p in media["pdq"]], dtype=bool)
    low_quality = has_pdq & (media["quality"] >= 0) & (media["quality"] < QUALITY_THRESHOLD)
    eligible = has_pdq & ~low_quality  # a file hash of quality < 50 is too unreliable to match on
    q_item = np.flatnonzero(eligible)
    q_pdq = media["pdq"][q_item].tolist()
    q_transform = ["orig"] * len(q_pdq)
    n_hash_only_dihedral = 0
    if dihedral:
        n_hash_only_dihedral = int((eligible & ~media["from_file"]).sum())  # rotations need the image
        extra = [(k, name, v) for k in q_item.tolist() if k in media["dihedral"]
                 for name, v in zip(DIHEDRAL_NAMES[1:], media["dihedral"][k][1:])]
        q_item = np.concatenate([q_item, np.array([e[0] for e in extra], dtype=np.int64)])
        q_pdq += [e[2] for e in extra]
        q_transform += [e[1] for e in extra]

    # 4. match: PDQ through the index (best transform per media and bank entry), MD5 exactly
    hits_item, hits = [], []  # media row; (signal_type, signal, bank, category, bank_signal, distance, transform)
    if q_pdq and bank.n_pdq:
        qrow, entry, dist = engine.pdq_search(bank, q_pdq)
        item = q_item[qrow]
        # the query row last: among equal distances the first transform, whatever order the search gave
        order = np.lexsort((qrow, dist, entry, item))
        item, entry, dist, qrow = item[order], entry[order], dist[order], qrow[order]
        first = np.ones(len(item), dtype=bool)
        first[1:] = (item[1:] != item[:-1]) | (entry[1:] != entry[:-1])
        for k, e, d, qr in zip(item[first].tolist(), entry[first].tolist(), dist[first].tolist(), qrow[first].tolist()):
            hits_item.append(k)
            hits.append(("pdq", media["pdq"][k], bank.pdq_bank[e], bank.pdq_category[e], bank.pdq_signal[e], d, q_transform[qr]))
    if bank.md5 and n:
        for k, b, c in engine.md5_join(bank, media["md5"].tolist()):
            hits_item.append(k)
            hits.append(("md5", media["md5"][k], b, c, media["md5"][k], 0, "exact"))
    idx = pa.array(hits_item, pa.int64())
    cols = list(zip(*hits)) if hits else [[]] * 7
    out = {
        "platform": media["platform"].take(idx), "account_id": media["account_id"].take(idx),
        "post_id": media["post_id"].take(idx), "media_id": media["media_id"].take(idx),
        "signal_type": cols[0], "signal": cols[1], "bank": cols[2], "category": cols[3], "bank_signal": cols[4],
        "distance": pa.array(cols[5], pa.int32()), "transform": cols[6],
        "quality": pa.array([int(media["quality"][k]) if media["quality"][k] >= 0 else None for k in hits_item], pa.int32()),
        "source": ["file" if media["from_file"][k] else "export" for k in hits_item],
    }
    out |= {f.name: pa.nulls(len(hits_item), f.type) for f in VIDEO_FIELDS}
    video_rows, video_stats = match_video_items(videos, export_dir, bank, problem)
    matches = pa.concat_tables([pa.table(out, schema=MEDIA_MATCHES), pa.Table.from_pylist(video_rows, schema=MEDIA_MATCHES)])
    ws.write("media_matches", matches)
    ws.write("media_accounts", account_matches(matches))
    ws.write("media_problems", pa.table(problems, schema=MEDIA_PROBLEMS))
    n_rejects = append_rejects(ws, bank.rejects)

    return {
        "media_items": items.num_rows + videos.num_rows,
        "image_files": len(wanted) + len(bad_path),
        "image_files_hashed": sum(1 for h, _ in hashed.values() if h is not None),
        "image_problems": len(problems["reason"]),
        "low_quality_unmatched": int(low_quality.sum()),
        "media_with_hash": int(has_pdq.sum()),
        "pdq_queries": len(q_pdq),
        "bank_pdq": bank.n_pdq,
        "bank_md5": bank.n_md5,
        "bank_rejects": n_rejects,
        "matches": matches.num_rows,
        "accounts_matched": len(set(zip(matches.column("platform").to_pylist(), matches.column("account_id").to_pylist()))),
        "profile_hashes": ph.num_rows,
        "profile_shared": int(pc.sum(ph.column("is_shared")).as_py() or 0),
        "dihedral": dihedral,
        "dihedral_hash_only": n_hash_only_dihedral,
        **video_stats,
    }


def _media_rows(items: pa.Table, ph: pa.Table, hashed: dict, problem) -> dict:
    """Post media and profile pictures as parallel columns: hash (from the file where the export
    names one, else the export's), quality (-1: unknown, the export gave only the hash), source."""
    n_items = items.num_rows
    pdq = np.concatenate([items.column("pdq").to_numpy(zero_copy_only=False),
                          ph.column("pdq").to_numpy(zero_copy_only=False)]).astype(object)
    md5 = np.concatenate([items.column("md5").to_numpy(zero_copy_only=False),
                          np.full(ph.num_rows, None, dtype=object)]).astype(object)
    quality = np.full(len(pdq), -1, dtype=np.int32)
    from_file = np.zeros(len(pdq), dtype=bool)
    dihedral: dict[int, tuple[str, ...]] = {}
    paths = items.column("path").to_pylist() + ph.column("path").to_pylist()
    items_meta = None
    for k in [k for k, rel in enumerate(paths) if rel]:
        h, why = hashed[paths[k]]
        if h is None:
            if k < n_items:  # profile-picture problems are reported once, by account
                items_meta = items_meta or items.select(["platform", "account_id", "post_id", "media_id", "_file", "_line"]).to_pydict()
                m = {c: items_meta[c][k] for c in items_meta}
                problem(m["platform"], m["account_id"], m["post_id"], paths[k], f"media {m['media_id']}: {why}", m["_file"], m["_line"])
            continue
        pdq[k], quality[k], from_file[k] = h.pdq, h.quality, True
        if k < n_items:
            md5[k] = h.md5
        if h.dihedral:
            dihedral[k] = h.dihedral
    n_ph = ph.num_rows
    return {
        "platform": pa.concat_arrays([items.column("platform").combine_chunks(), ph.column("platform").combine_chunks()]),
        "account_id": pa.concat_arrays([items.column("account_id").combine_chunks(), ph.column("account_id").combine_chunks()]),
        "post_id": pa.concat_arrays([items.column("post_id").combine_chunks().cast(pa.string()), pa.nulls(n_ph, pa.string())]),
        "media_id": pa.concat_arrays([items.column("media_id").combine_chunks().cast(pa.string()),
                                      pa.array(["profile_image"] * n_ph, pa.string())]),
        "pdq": pdq, "md5": md5, "quality": quality, "from_file": from_file, "dihedral": dihedral,
    }


def account_matches(matches: pa.Table) -> pa.Table:
    """Per account: how much of its media matched which banks, with a readable evidence line."""
    agg: dict[tuple[str, str], dict] = {}
    m = matches.to_pydict()
    for i in range(matches.num_rows):
        key = (m["platform"][i], m["account_id"][i])
        a = agg.setdefault(key, {"n": 0, "media": set(), "posts": set(), "profile": False, "min": 256,
                                 "banks": set(), "cats": set()})
        a["n"] += 1
        a["media"].add((m["post_id"][i], m["media_id"][i]))
        if m["post_id"][i] is None:
            a["profile"] = True
        else:
            a["posts"].add(m["post_id"][i])
        a["min"] = min(a["min"], m["distance"][i])
        a["banks"].add(m["bank"][i])
        if m["signal_type"][i] == "vpdq":
            a.setdefault("vq", []).append(m["query_match_percent"][i])
            a.setdefault("vb", []).append(m["bank_match_percent"][i])
        if m["category"][i]:
            a["cats"].add(m["category"][i])
    cols: dict[str, list] = {f.name: [] for f in MEDIA_ACCOUNTS}
    for (plat, acc), a in sorted(agg.items()):
        ev = (f"{len(a['media'])} media matched hash banks {', '.join(sorted(a['banks']))}"
              + (f" ({', '.join(sorted(a['cats']))})" if a["cats"] else "")
              + f", closest PDQ/MD5 distance {a['min']}" + ("; profile picture matched" if a["profile"] else "")
              + video_evidence(a.get("vq", []), a.get("vb", [])))
        for k, v in (("platform", plat), ("account_id", acc), ("n_matches", a["n"]), ("n_media", len(a["media"])),
                     ("n_posts", len(a["posts"])), ("profile_match", a["profile"]), ("min_distance", a["min"]),
                     ("banks", sorted(a["banks"])), ("categories", sorted(a["cats"])), ("evidence", ev)):
            cols[k].append(v)
    return pa.table(cols, schema=MEDIA_ACCOUNTS)


def append_rejects(ws: Workspace, rejects: list[dict]) -> int:
    """Bad bank rows go beside the ingest's rejects (the results folder holds the workspace)."""
    if not rejects:
        return 0
    target = ws.root.parent / "rejects.jsonl"
    with open(target, "a", encoding="utf-8") as f:
        for r in rejects:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rejects)
