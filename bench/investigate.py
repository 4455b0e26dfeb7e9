"""`vigil investigate` end to end at growing sizes: seconds and peak RSS per stage, and how each
stage grows (its log-log exponent between the smallest and the largest size).

Why a benchmark and not a test: wall time depends on the machine. What carries between machines
is the growth exponent (1.0: linear in the export; 2.0: quadratic) and the ratios between sizes,
all measured in this one run. The bar (issue 13) is every stage <= 1.15 and a 1M-account export
in <= 120 s under 6 GiB on 2 cores.

    .venv/bin/python bench/investigate.py                          # 10k, 30k, 100k accounts
    .venv/bin/python bench/investigate.py --sizes 10000,100000,300000
    .venv/bin/python bench/investigate.py --no-images --sizes 100000,300000,1000000
    flock /tmp/vigil-heavy.lock .venv/bin/python bench/investigate.py --sizes 100000,1000000

Worlds come from `vigil generate --accounts N` (accounts on the main platform; the export holds
~1.5 N with the other platforms) and are cached under bench/_data/investigate/ (gitignored);
generation is timed and printed too, since at 1M it is the slow part. Each investigate runs in its
own subprocess, so its peak RSS is its own: per stage, the main process's peak during that stage
(summary.json's stage_peak_memory_mb), and for the run, the largest process of the tree (media
hashing workers included). On a shared machine wall time is noisy: compare exponents, and rerun.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "_data" / "investigate"
# From 20k accounts link runs in its own process beside the stages from signals to audit (vigil.link.early):
# its row is that process's wall time, `link_wait` what the run waited for it after audit, so the
# stages no longer add up to the total.
STAGES = ("ingest", "signals", "media", "graph", "terms", "audit", "link", "link_wait", "write")
# Below this many seconds at the largest size a stage's exponent is mostly start-up and noise.
EXPONENT_MIN_SECONDS = 1.0
# The bar of issue 13.
MAX_EXPONENT = 1.15
BAR_ACCOUNTS, BAR_SECONDS, BAR_GIB = 1_000_000, 120.0, 6.0


def world(n: int, seed: int, images: bool = True) -> tuple[Path, float | None]:
    """The generated world for n accounts (cached) and the seconds generating it took (None: cached).
    Without images the profile pictures are given as hashes (`profile_image_pdq`), as a platform's
    export that carries hashes rather than files would."""
    out = DATA / (f"a{n}_s{seed}" if images else f"a{n}_s{seed}_noimg")
    if (out / "truth").is_dir() and (out / "hashbank.csv").is_file():
        return out, None
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vigil.cli", "generate", str(out), "--accounts", str(n), "--seed", str(seed),
                    "--images" if images else "--no-images", "--no-progress"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out, time.perf_counter() - t0


def investigate(w: Path, out: Path) -> tuple[dict, float, float]:
    """summary.json of one run, its wall seconds, and the peak RSS (MB) of its largest process."""
    cmd = [sys.executable, "-m", "vigil.cli", "investigate", str(w / "export"), "--lexicon", str(w / "lexicon.yaml"),
           "--hashes", str(w / "hashbank.csv"), "--out", str(out), "--no-progress"]
    if (w / "seeds.csv").exists():
        cmd += ["--seeds", str(w / "seeds.csv")]
    t0 = time.perf_counter()
    with open(out.parent / f"{out.name}.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"investigate failed on {w} (exit {os.waitstatus_to_exitcode(status)})")
    summary = json.loads((out / "summary.json").read_text())
    # The run resets its own peak mark per stage, so its wait4 peak may be only the last stage's.
    return summary, wall, max(usage.ru_maxrss / 1024.0, summary.get("peak_memory_mb", 0.0))


def concurrent_peak_mb(summary: dict) -> float:
    """An upper bound of the memory held at once while link ran beside the other stages."""
    peaks = summary.get("stage_peak_memory_mb", {})
    if "link_wait" not in summary.get("timings_s", {}):
        return 0.0
    return peaks.get("link", 0.0) + max(peaks.get(st, 0.0) for st in ("signals", "media", "graph", "terms", "audit",
                                                                      "link_wait"))


def exponent(n0: int, n1: int, y0: float, y1: float) -> float:
    return math.log(max(y1, 1e-9) / max(y0, 1e-9)) / math.log(n1 / n0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,30000,100000", help="Accounts on the main platform, comma-separated.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-images", action="store_true",
                    help="Worlds without image files: profile pictures come as hashes, nothing is decoded.")
    ap.add_argument("--json", type=Path, help="Also write every number to this file.")
    args = ap.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    if len(sizes) < 2:
        raise SystemExit("--sizes: at least two sizes, to measure growth")

    runs = {}
    for n in sizes:
        w, gen_s = world(n, args.seed, images=not args.no_images)
        summary, wall, tree_peak = investigate(w, DATA / f"out_{w.name}")
        runs[n] = {"generate_s": gen_s, "wall_s": wall, "tree_peak_mb": tree_peak, "summary": summary}
        print(f"{n:>9,} accounts: generate {'cached' if gen_s is None else f'{gen_s:.0f} s'}, "
              f"investigate {wall:.1f} s, peak {tree_peak:,.0f} MB", flush=True)

    n0, n1 = sizes[0], sizes[-1]
    rows = {n: runs[n]["summary"]["counts"].get("accounts", n) for n in sizes}
    print("\nexport accounts (all platforms): " + ", ".join(f"{rows[n]:,}" for n in sizes))
    head = f"{'stage':<8}" + "".join(f"{f's @{n // 1000}k':>10}" for n in sizes) + f"{'exp s':>7}" \
        + "".join(f"{f'MB @{n // 1000}k':>11}" for n in sizes) + f"{'exp MB':>7}" + f"{'1M s (extrap.)':>16}"
    print(head)
    print("-" * len(head))
    worst = []
    for st in (*STAGES, "total"):
        t = [runs[n]["summary"]["timings_s"].get(st) for n in sizes]
        if t[-1] is None:
            continue
        m = [runs[n]["summary"].get("stage_peak_memory_mb", {}).get(st) for n in sizes]
        if st == "total":
            m = [max(runs[n]["tree_peak_mb"], concurrent_peak_mb(runs[n]["summary"])) for n in sizes]
        e = exponent(rows[n0], rows[n1], t[0], t[-1])
        e_txt = f"{e:>7.2f}" if t[-1] >= EXPONENT_MIN_SECONDS else f"{'(~)':>7}"
        if st != "total" and t[-1] >= EXPONENT_MIN_SECONDS:
            worst.append((e, st))
        em = exponent(rows[n0], rows[n1], m[0], m[-1]) if m[0] and m[-1] else float("nan")
        extrap = t[-1] * (BAR_ACCOUNTS / n1) ** max(e, 1.0)
        print(f"{st:<8}" + "".join(f"{x:>10.2f}" for x in t) + e_txt
              + "".join(f"{x:>11,.0f}" if x else f"{'-':>11}" for x in m) + f"{em:>7.2f}" + f"{extrap:>16.0f}")
    print("\nexp s: log(s@largest / s@smallest) / log(accounts ratio), stages taking >= "
          f"{EXPONENT_MIN_SECONDS:.0f} s at the largest size; bar <= {MAX_EXPONENT}.")
    print("MB: the main process's peak during the stage (link: its own process); total: the largest process "
          "of the run, or the link process's peak plus the main process's while they ran together if larger.")
    print(f"1M s: the largest size's seconds carried to {BAR_ACCOUNTS:,} main accounts at the stage's "
          f"exponent (at least 1); bar {BAR_SECONDS:.0f} s, {BAR_GIB:.0f} GiB.")
    over = sorted(((e, st) for e, st in worst if e > MAX_EXPONENT), reverse=True)
    print("worst-scaling stages: " + (", ".join(f"{st} ({e:.2f})" for e, st in over) if over else "none over the bar"))
    if args.json:
        args.json.write_text(json.dumps({str(n): runs[n] for n in sizes}, indent=1, default=str))


if __name__ == "__main__":
    main()
