"""PDQ and MD5 of an image file, through python-threatexchange's signal types and pdqhash.

The file's bytes are read once, hashed, and dropped: nothing of the image is kept but its hashes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

# The reference hashers first shrink anything larger than 512 on a side with an off-the-shelf filter
# (pdq's DOWNSAMPLE_DIMS), because the Jarosz filters are too slow on big images. Like the reference
# Python hasher we keep the aspect ratio (a thumbnail): on the reference photos this reproduces its
# hashes exactly and stays within 10 bits of the C++ ones (tests/media/test_conformance.py).
DOWNSAMPLE_DIMS = 512
# Hashes of lower quality are too unreliable to match on (python-threatexchange's own cut-off).
QUALITY_THRESHOLD = PdqSignal.QUALITY_THRESHOLD
# Pillow refuses decompression bombs past this many pixels; an export could hold one.
Image.MAX_IMAGE_PIXELS = 200_000_000

# The order pdqhash.compute_dihedral returns its eight hashes in.
DIHEDRAL_NAMES = ("orig", "rot90", "rot180", "rot270", "flipv", "fliph", "rot90flipv", "rot90fliph")


@dataclass(frozen=True)
class ImageHash:
    pdq: str  # 64 hex digits
    quality: int  # 0..100
    md5: str  # of the file's bytes
    dihedral: tuple[str, ...] = ()  # the eight PDQ hashes of the rotations/mirrors, when asked for


def vector_to_hex(bits: np.ndarray) -> str:
    """pdqhash's 256 0/1 values -> the 64-hex-digit string (bit 0 is the most significant)."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hex_to_code(pdq: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(pdq), dtype=np.uint8)


def hexes_to_codes(hexes: list[str]) -> np.ndarray:
    """(n, 32) uint8 codes from validated hex strings."""
    if not hexes:
        return np.empty((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32)


def codes_to_hexes(codes: np.ndarray) -> list[str]:
    raw = np.ascontiguousarray(codes, dtype=np.uint8).tobytes().hex()
    return [raw[i : i + 64] for i in range(0, len(raw), 64)]


def _pixels(data: bytes) -> np.ndarray:
    """RGB pixels, no larger than DOWNSAMPLE_DIMS on either side."""
    with Image.open(io.BytesIO(data)) as im:
        if im.format == "JPEG":
            # Decode at a reduced DCT scale (never below the target size): the same hashes on the
            # reference photos, at a fraction of the decoding cost.
            im.draft("RGB", (DOWNSAMPLE_DIMS, DOWNSAMPLE_DIMS))
        im = im.convert("RGB")
        im.thumbnail((DOWNSAMPLE_DIMS, DOWNSAMPLE_DIMS))
        return np.asarray(im)


def hash_bytes(data: bytes, dihedral: bool = False) -> ImageHash:
    """PDQ (with quality) and MD5 of an image file's bytes."""
    md5 = VideoMD5Signal.hash_from_bytes(data)
    px = _pixels(data)
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(px)
        hexes = tuple(vector_to_hex(v) for v in vectors)
        return ImageHash(hexes[0], int(quality), md5, hexes)
    vector, quality = pdqhash.compute(px)
    return ImageHash(vector_to_hex(vector), int(quality), md5)


def hash_file(path: Path, dihedral: bool = False) -> ImageHash:
    return hash_bytes(Path(path).read_bytes(), dihedral=dihedral)


def hash_one(args: tuple[str, bool]) -> tuple[str, ImageHash | None, str]:
    """(path, hash or None, why not): a broken or missing image is a data problem, never a crash."""
    path, dihedral = args
    try:
        return path, hash_file(Path(path), dihedral=dihedral), ""
    except FileNotFoundError:
        return path, None, "file not found"
    except UnidentifiedImageError:
        return path, None, "cannot hash image (not an image format Pillow can read)"
    except Exception as e:
        return path, None, f"cannot hash image ({type(e).__name__}: {e})"


def valid_pdq(value: str) -> str:
    """Lower-cased, validated PDQ hex (python-threatexchange's rule); ValueError otherwise."""
    return PdqSignal.validate_signal_str(value.strip().lower())


def valid_md5(value: str) -> str:
    return VideoMD5Signal.validate_signal_str(value)
