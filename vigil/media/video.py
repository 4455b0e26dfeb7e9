"""Video media: vPDQ (through python-threatexchange's VPDQSignal) and MD5, matched against the banks.

A video is hashed once per distinct file: vpdq decodes it, keeps one PDQ hash (with its quality and
timestamp) per second of video and drops every frame as soon as it is hashed; the file's bytes are
streamed through MD5. Nothing of a frame is kept but its hash, and frame hashes never leave this
module: a match is recorded as percentages of frames, with the video's MD5 as its identity.

Matching is python-threatexchange's VPDQIndex with the reference thresholds: two frames match at
PDQ distance <= 31, frames of quality < 50 are ignored, and a bank video matches when at least 80%
of the query's (distinct, usable) frames are found in it (bank share: any, as upstream). A copy
trimmed to half thus matches its original (100% of its frames, 50% of the original's); the original
queried against a half-length bank entry does not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from vigil.ingest.contract import VPDQ_RE

# Extensions that name video containers; files with another unknown extension are sniffed.
VIDEO_EXTENSIONS = frozenset(
    (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".flv", ".wmv", ".mpg", ".mpeg", ".ts", ".3gp", ".ogv")
)
# Extensions Pillow reads: never sniffed (an export of a million images pays no extra open per file).
IMAGE_EXTENSIONS = frozenset((".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".avif"))
# ISO-BMFF brands that are still images, not videos (HEIC/AVIF share MP4's `ftyp` box).
IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis")
# One frame hash per second of video: the reference rate (VPDQSignal.hash_from_file's default);
# bank hashes are made at this rate, so a query hashed otherwise would not line up with them.
SECONDS_PER_HASH = 1.0
# MD5 is streamed in blocks this large, so a long video is never held in memory.
MD5_BLOCK = 1 << 20

# The columns a video match adds to media_matches (null on image matches).
MATCH_FIELDS = [
    pa.field("query_match_percent", pa.float64()),  # share of the media's usable frames found in the bank video
    pa.field("bank_match_percent", pa.float64()),  # share of the bank video's usable frames found in the media
    pa.field("query_frames", pa.int32()),  # usable (quality >= 50, distinct) frames of the media
    pa.field("bank_frames", pa.int32()),
]


def is_video_path(path: str | Path) -> bool:
    """A video container, by extension, else by its first bytes (never by decoding it)."""
    suffix = Path(path).suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return True
    if suffix in IMAGE_EXTENSIONS:
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    if head[4:8] == b"ftyp":
        return head[8:12] not in IMAGE_BRANDS
    return (head.startswith(b"\x1a\x45\xdf\xa3")  # Matroska / WebM
            or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
            or head.startswith(b"FLV")
            or head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"))  # MPEG-PS / -1


def valid_vpdq(value: str) -> str:
    """VPDQSignal's serialisation, validated by shape (cheap, no decoding); ValueError otherwise."""
    if not isinstance(value, str) or not VPDQ_RE.match(value):
        raise ValueError("not a vPDQ signal (a JSON list of \"pdq_hex,quality,timestamp\" strings)")
    return value.lower()


def usable_frames(signal: str) -> int:
    """Distinct frame hashes of quality >= 50: the frames vPDQ matching counts."""
    from threatexchange.extensions.vpdq.vpdq_util import VPDQ_QUALITY_THRESHOLD, prepare_vpdq_feature

    return len(prepare_vpdq_feature(signal, VPDQ_QUALITY_THRESHOLD))


@dataclass(frozen=True)
class VideoHash:
    vpdq: str  # VPDQSignal's serialisation
    md5: str  # of the file's bytes
    frames: int  # frame hashes made (one per second of video)


def file_md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(MD5_BLOCK):
            h.update(block)
    return h.hexdigest()


def hash_video(path: Path) -> VideoHash:
    """vPDQ and MD5 of one video file (frames decoded, hashed and dropped inside vpdq)."""
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    md5 = file_md5(path)
    signal = VPDQSignal.hash_from_file(path, seconds_per_hash=SECONDS_PER_HASH)
    return VideoHash(signal, md5, len(json.loads(signal)))


def hash_video_one(path: str) -> tuple[str, VideoHash | None, str]:
    """(path, hash or None, why not): an unreadable video is a data problem, never a crash."""
    try:
        return path, hash_video(Path(path)), ""
    except FileNotFoundError:
        return path, None, "file not found"
    except Exception as e:  # vpdq raises a bare Exception("Fail to create VPDQ hash") on undecodable input
        return path, None, f"cannot hash video ({type(e).__name__}: {e})"


# --- matching -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VideoMatch:
    entry: int  # index into bank.vpdq
    query_match_percent: float
    bank_match_percent: float
    query_frames: int
    bank_frames: int
    distance: int  # closest frame distance between the two videos


def vpdq_index(bank):
    """The bank's vPDQ entries in python-threatexchange's VPDQIndex, built once per bank."""
    from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex

    cached = getattr(bank, "_vpdq_index", None)
    if cached is not None and cached[0] == len(bank.vpdq):
        return cached[1]
    index = VPDQIndex()
    for k, (sig, _, _) in enumerate(bank.vpdq):
        try:
            index.add(sig, k)
        except ValueError:  # no usable frame (CSV banks reject these; a fetched one may hold them)
            continue
    bank._vpdq_index = (len(bank.vpdq), index)
    return index


def _codes(features) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(f.pdq_hex for f in features)), dtype=np.uint8).reshape(-1, 32)


def closest_frame_distance(a, b) -> int:
    x = np.bitwise_xor(_codes(a)[:, None, :].view(np.uint64), _codes(b)[None, :, :].view(np.uint64))
    return int(np.bitwise_count(x).sum(axis=2).min())


def match_vpdq(bank, signal: str) -> list[VideoMatch]:
    """Every bank video this vPDQ signal matches, by the reference thresholds."""
    from threatexchange.extensions.vpdq.vpdq_util import VPDQ_QUALITY_THRESHOLD, prepare_vpdq_feature

    if not bank.vpdq:
        return []
    query = prepare_vpdq_feature(signal, VPDQ_QUALITY_THRESHOLD)
    if not query:
        return []
    index = vpdq_index(bank)
    out = []
    for m in index.query(signal):
        entry = m.metadata
        features = prepare_vpdq_feature(bank.vpdq[entry][0], VPDQ_QUALITY_THRESHOLD)
        info = m.similarity_info
        out.append(VideoMatch(entry, info.query_match_percent, info.compared_match_percent, len(query),
                              len(features), closest_frame_distance(query, features)))
    return out


def frames_phrase(query_pct: float, bank_pct: float) -> str:
    return f"vPDQ: {query_pct:.0f}% of query frames, {bank_pct:.0f}% of bank frames"


# --- the stage's hook ----------------------------------------------------------------------------
def split_video_items(items: pa.Table, export_dir: Path) -> tuple[pa.Table, pa.Table]:
    """(video items, the rest): items with a vPDQ given, or whose path names a video file."""
    if items.num_rows == 0:
        return items.slice(0, 0), items
    from vigil.media.stage import resolve_in_export  # the stage's one rule for export paths

    paths = items.column("path").to_pylist()
    given = items.column("vpdq").to_pylist() if "vpdq" in items.column_names else [None] * len(paths)
    cache: dict[str, bool] = {}

    def video(rel: str | None) -> bool:
        if not rel:
            return False
        if rel not in cache:
            try:
                cache[rel] = is_video_path(resolve_in_export(export_dir, rel))
            except ValueError:
                cache[rel] = Path(rel).suffix.lower() in VIDEO_EXTENSIONS
        return cache[rel]

    mask = np.array([bool(g) or video(p) for p, g in zip(paths, given)], dtype=bool)
    return items.filter(pa.array(mask)), items.filter(pa.array(~mask))


def match_video_items(videos: pa.Table, export_dir: Path, bank, problem) -> tuple[list[dict], dict]:
    """Hash each distinct video file once, match vPDQ and MD5; rows for media_matches, and counts.

    A file's own hashes come first; a `vpdq`/`md5` the export gives stands in where there is no
    readable file. MD5 entries of either type (`md5`, `video_md5`) match a video's MD5 exactly.
    """
    from vigil.media.stage import resolve_in_export
    from vigil.progress import track

    v = videos.to_pydict()
    n = videos.num_rows
    files: dict[str, str] = {}  # export-relative path -> absolute path, or "" when it leaves the export
    for rel in v["path"]:
        if rel and rel not in files:
            try:
                files[rel] = str(resolve_in_export(export_dir, rel))
            except ValueError:
                files[rel] = ""
    hashed: dict[str, tuple[VideoHash | None, str]] = {}
    for rel, p in track(list(files.items()), "hashing videos", total=len(files)):
        hashed[rel] = (None, "path leaves the export folder") if not p else hash_video_one(p)[1:]

    rows: list[dict] = []
    for k in range(n):
        rel, signal, md5, source = v["path"][k], v["vpdq"][k], v["md5"][k], "export"
        if rel:
            h, why = hashed[rel]
            if h is None:
                problem(v["platform"][k], v["account_id"][k], v["post_id"][k], rel,
                        f"media {v['media_id'][k]}: {why}", v["_file"][k], v["_line"][k])
            else:
                signal, md5, source = h.vpdq, h.md5, "file"
        base = {"platform": v["platform"][k], "account_id": v["account_id"][k], "post_id": v["post_id"][k],
                "media_id": v["media_id"][k], "source": source, "transform": "video"}
        if signal:
            for m in match_vpdq(bank, signal):
                _, b, c = bank.vpdq[m.entry]
                rows.append(base | {"signal_type": "vpdq", "signal": md5, "bank": b, "category": c,
                                    "bank_signal": hashlib.md5(bank.vpdq[m.entry][0].encode()).hexdigest(),
                                    "distance": m.distance, "query_match_percent": m.query_match_percent,
                                    "bank_match_percent": m.bank_match_percent, "query_frames": m.query_frames,
                                    "bank_frames": m.bank_frames})
        if md5:
            for st, table in (("md5", bank.md5), ("video_md5", bank.video_md5)):
                for b, c in table.get(md5, []):
                    rows.append(base | {"signal_type": st, "signal": md5, "bank": b, "category": c,
                                        "bank_signal": md5, "distance": 0, "transform": "exact"})
    frames = sum(h.frames for h, _ in hashed.values() if h is not None)
    return rows, {
        "video_items": n,
        "video_files": len(files),
        "video_files_hashed": sum(1 for h, _ in hashed.values() if h is not None),
        "video_frames_hashed": frames,
        "bank_vpdq": len(bank.vpdq),
        "bank_video_md5": sum(len(x) for x in bank.video_md5.values()),
    }


def video_evidence(query_pcts: list[float], bank_pcts: list[float]) -> str:
    """The frames phrase of an account's best video match (most of the query's frames found)."""
    if not query_pcts:
        return ""
    best = max(range(len(query_pcts)), key=lambda i: (query_pcts[i], bank_pcts[i]))
    n = len(query_pcts)
    return (f"; {n} video match{'es' if n > 1 else ''}, best "
            + frames_phrase(query_pcts[best], bank_pcts[best]))
