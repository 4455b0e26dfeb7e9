"""Video hashing and matching: frames hashed per second, and videos matched per second.

    .venv/bin/python bench/media_video.py                  # ~15 s: 4 clips x 10 s, a 300-video bank
    .venv/bin/python bench/media.py --video-only           # the same table from bench/media.py

Clips are abstract ffmpeg lavfi animations made in a tmp folder. Hashing: vpdq decodes every frame
and hashes one a second (`SECONDS_PER_HASH`), so both decoded and hashed frames/s are shown.
Matching: python-threatexchange's VPDQIndex (what vigil.media.video uses) against its own brute force
(`VPDQSignal.compare_hash` per bank video) on a sample of queries and bank videos, in the same process; the bank is the clips'
hashes plus random ones (30 frames each), so nearly every query frame is a miss, as in real use.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

BRUTE_BANK_SAMPLE = 20
SOURCES = ("testsrc2", "mandelbrot", "life=seed=7:ratio=0.3", "cellauto=rule=110:seed=3")


def make_clips(folder: Path, seconds: int, size: str, rate: int) -> list[Path]:
    out = []
    for k, src in enumerate(SOURCES):
        name, _, opts = src.partition("=")
        p = folder / f"clip{k}.mp4"
        spec = f"{name}=size={size}:rate={rate}" + (f":{opts}" if opts else "")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", spec,
                        "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(p)], check=True)
        out.append(p)
    return out


def random_vpdq(rng: random.Random, frames: int) -> str:
    return json.dumps([f"{rng.getrandbits(256):064x},100,{t:.1f}" for t in range(frames)])


def video_table(seconds: int = 10, size: str = "256x192", rate: int = 25, bank_size: int = 300,
                brute_sample: int = 1, seed: int = 1) -> list[str]:
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal

    from vigil.media.banks import HashBank
    from vigil.media.video import hash_video, match_vpdq

    if shutil.which("ffmpeg") is None:
        return ["video: skipped (ffmpeg is not installed)"]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = make_clips(Path(tmp), seconds, size, rate)
        t = time.perf_counter()
        hashes = [hash_video(p) for p in clips]
        hash_s = time.perf_counter() - t
    hashed = sum(h.frames for h in hashes)
    decoded = len(clips) * seconds * rate
    lines.append(f"video hashing (vPDQ + MD5), {len(clips)} clips of {seconds} s at {size}, {rate} fps: "
                 f"{decoded / hash_s:,.0f} frames decoded/s, {hashed / hash_s:,.1f} frame hashes/s, "
                 f"{len(clips) * seconds / hash_s:,.0f} s of video per s")

    rng = random.Random(seed)
    bank = HashBank()
    bank.add([("vpdq", h.vpdq, "clips", f"clip{k}") for k, h in enumerate(hashes)])
    bank.add([("vpdq", random_vpdq(rng, 30), "random", "") for _ in range(bank_size - len(hashes))])
    t = time.perf_counter()
    match_vpdq(bank, hashes[0].vpdq)  # builds the index
    build_s = time.perf_counter() - t
    queries = [h.vpdq for h in hashes] * 5
    t = time.perf_counter()
    found = [match_vpdq(bank, q) for q in queries]
    index_s = (time.perf_counter() - t) / len(queries)
    assert all(len(f) == 1 for f in found)
    sample = bank.vpdq[:BRUTE_BANK_SAMPLE]  # pure Python: timed on part of the bank, scaled to all of it
    t = time.perf_counter()
    for q in queries[:brute_sample]:
        [VPDQSignal.compare_hash(q, sig) for sig, _, _ in sample]
    brute_s = (time.perf_counter() - t) / brute_sample * len(bank.vpdq) / len(sample)
    lines.append(f"video matching vs a {bank_size:,}-video bank (index built in {build_s:.2f} s):")
    lines.append(f"  {'method':<44} {'videos/s':>9} {'x brute':>8}")
    lines.append(f"  {'vigil (python-threatexchange VPDQIndex)':<44} {1 / index_s:>9,.1f} {brute_s / index_s:>8.1f}")
    lines.append(f"  {'VPDQSignal.compare_hash per bank video':<44} {1 / brute_s:>9,.2f} {1.0:>8.1f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--size", default="256x192")
    ap.add_argument("--rate", type=int, default=25)
    ap.add_argument("--bank", type=int, default=300)
    a = ap.parse_args()
    print("\n".join(video_table(a.seconds, a.size, a.rate, a.bank)))


if __name__ == "__main__":
    main()
