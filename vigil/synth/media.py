"""Hashes and abstract pictures of a generated world.

Profile pictures are abstract drawings (shapes over gradients), never photos of people. A person
with accounts on two platforms reuses a picture the way people do: cropped, recompressed, resized,
sometimes mirrored; the PDQ distance between the copies is whatever PDQ says, not a planted
number. Post media carry hashes only: most random, some near-copies of hash-bank entries (a few
bits flipped within the match radius, some just beyond it), and some exact MD5 copies.
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
import io

import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageFilter

PDQ_BITS = 256
MATCH_RADIUS = PDQ_THRESHOLD  # the reference PDQ threshold; near-copies are drawn on both sides of it
CROP_MAX = 0.03  # share cut per side when a picture is re-uploaded; PDQ is not crop-robust beyond a few percent


def random_hex(rng: np.random.Generator, n: int, n_bytes: int) -> list[str]:
    """n random hex strings of n_bytes bytes each (vectorised)."""
    raw = rng.integers(0, 256, size=(n, n_bytes), dtype=np.uint8)
    return [r.tobytes().hex() for r in raw]


def hex_to_bits(h: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(h), dtype=np.uint8))


def bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def flip_bits(h: str, k: int, rng: np.random.Generator) -> str:
    bits = hex_to_bits(h)
    idx = rng.choice(PDQ_BITS, size=k, replace=False)
    bits[idx] ^= 1
    return bits_to_hex(bits)


def hamming(a: str, b: str) -> int:
    return int(np.count_nonzero(hex_to_bits(a) != hex_to_bits(b)))


def pdq_of(img: Image.Image) -> tuple[str, int]:
    """PDQ hex as threatexchange writes it (first bit of the vector = most significant)."""
    vec, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return bits_to_hex(np.asarray(vec)), int(quality)


# --- drawings ------------------------------------------------------------------------------


def draw_abstract(rng: np.random.Generator, size: int = 192) -> Image.Image:
    """An abstract picture: a two-colour gradient with a few random shapes."""
    c0, c1 = rng.integers(0, 256, size=(2, 3))
    t = np.linspace(0, 1, size)[:, None, None]
    if rng.random() < 0.5:
        grad = (c0 * (1 - t) + c1 * t).repeat(size, axis=1)
    else:
        grad = (c0 * (1 - t) + c1 * t).transpose(1, 0, 2).repeat(size, axis=0)
    img = Image.fromarray(grad.astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = rng.integers(-size // 4, size, size=2)
        w, h = rng.integers(size // 8, size // 1.5, size=2)
        box = [int(x0), int(y0), int(x0 + w), int(y0 + h)]
        col = tuple(int(c) for c in rng.integers(0, 256, size=3))
        shape = int(rng.integers(4))
        if shape == 0:
            d.ellipse(box, fill=col)
        elif shape == 1:
            d.rectangle(box, fill=col)
        elif shape == 2:
            pts = [tuple(int(v) for v in rng.integers(0, size, size=2)) for _ in range(3)]
            d.polygon(pts, fill=col)
        else:
            d.line(box, fill=col, width=int(rng.integers(3, 14)))
    return img


def draw_default_avatar(size: int = 192, tone: int = 200) -> Image.Image:
    """The platform's default picture: a grey head-and-shoulders silhouette."""
    img = Image.new("RGB", (size, size), (tone, tone, tone + 8))
    d = ImageDraw.Draw(img)
    s = size
    d.ellipse([s * 0.32, s * 0.16, s * 0.68, s * 0.52], fill=(tone - 90,) * 3)
    d.ellipse([s * 0.14, s * 0.58, s * 0.86, s * 1.25], fill=(tone - 90,) * 3)
    return img


def copy_of(img: Image.Image, rng: np.random.Generator, mirror: bool, gentle: bool = False) -> Image.Image:
    """How a person re-uploads a picture elsewhere: crop, resize, blur or recompress, maybe mirror.

    `gentle`: only resized and recompressed (the same photo uploaded again), for pairs whose
    picture is the only thing that ties them.
    """
    w, h = img.size
    c = rng.uniform(0.0, CROP_MAX / (3 if gentle else 1), size=4)
    box = (int(c[0] * w), int(c[1] * h), int(w - c[2] * w), int(h - c[3] * h))
    out = img.crop(box).resize((int(rng.integers(112, 256)),) * 2)
    if not gentle and rng.random() < 0.3:
        out = out.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 1.5))))
    if mirror:
        out = out.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return recompress(out, int(rng.integers(60 if gentle else 35, 92)))


def recompress(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")
