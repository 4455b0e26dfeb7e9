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
    """An abstract picture: a two-colour gradient with a few random shapes.

    All of a picture's random numbers come from two draws (not one per coordinate): a world draws
    a million of these, and a scalar draw costs more than the shape it places."""
    c = rng.integers(0, 256, size=6)
    n_shapes = int(rng.integers(3, 9))
    u = rng.random((n_shapes, 16))
    t = np.linspace(0, 1, size)[:, None]
    line = (c[:3] * (1 - t) + c[3:] * t).astype(np.uint8)  # size x 3
    strip = Image.fromarray(np.ascontiguousarray(line[:, None, :] if u[0, 15] < 0.5 else line[None, :, :]), "RGB")
    img = strip.resize((size, size), Image.Resampling.NEAREST)  # stretched in C, not built in numpy
    d = ImageDraw.Draw(img)

    def between(v, lo, hi):  # an integer in [lo, hi) from a uniform draw
        return int(lo + v * (hi - lo))

    for r in u:
        x0, y0 = between(r[0], -size // 4, size), between(r[1], -size // 4, size)
        w, h = between(r[2], size // 8, size // 1.5), between(r[3], size // 8, size // 1.5)
        box = [x0, y0, x0 + w, y0 + h]
        col = (between(r[4], 0, 256), between(r[5], 0, 256), between(r[6], 0, 256))
        shape = between(r[7], 0, 4)
        if shape == 0:
            d.ellipse(box, fill=col)
        elif shape == 1:
            d.rectangle(box, fill=col)
        elif shape == 2:
            d.polygon([(between(r[8 + 2 * k], 0, size), between(r[9 + 2 * k], 0, size)) for k in range(3)], fill=col)
        else:
            d.line(box, fill=col, width=between(r[14], 3, 14))
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
