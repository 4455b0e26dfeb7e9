"""Results unchanged: run `vigil investigate` from two source trees on one world and compare exactly.

Why a script and not a test: the 'before' side is another commit's code (checked out with
`git archive` into a temporary folder and run from there), and one sample run takes about a minute.

    .venv/bin/python bench/compare_results.py [--world ../shared/worlds/sample] [--before HEAD~1] [--after WORKTREE]

Compared exactly: accounts.csv (roles, scores, reasons), links.csv, recommendation_audit.json and
terms.csv; timings are printed side by side, for information only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("accounts.csv", "links.csv", "recommendation_audit.json", "terms.csv")


def checkout(rev: str, into: Path) -> Path:
    """The tree of `rev` under `into` (no .git, no venv: the current venv runs it)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    # Compiled extensions are built in place and git-ignored: the archived tree borrows this one's.
    for so in (ROOT / "vigil").rglob("*.so"):
        shutil.copy2(so, into / so.relative_to(ROOT))
    return into


def investigate(src: Path, world: Path, out: Path) -> float:
    export = world / "export" if (world / "export").is_dir() else world  # `vigil generate` worlds keep it apart
    cmd = [sys.executable, "-m", "vigil.cli", "investigate", str(export), "--lexicon", str(world / "lexicon.yaml"),
           "--hashes", str(world / "hashbank.csv"), "--out", str(out)]
    if (world / "seeds.csv").exists():
        cmd += ["--seeds", str(world / "seeds.csv")]
    env = dict(os.environ, PYTHONPATH=str(src))
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=src, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def load(path: Path):
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    with open(path, newline="", encoding="utf-8") as f:
        return sorted(map(tuple, csv.reader(f)))


def without_bootstrap(obj):
    """The audit minus its bootstrap intervals (`*_ci`), which vary from run to run of the same code."""
    if isinstance(obj, dict):
        return {k: without_bootstrap(v) for k, v in obj.items() if not k.endswith("_ci")}
    if isinstance(obj, list):
        return [without_bootstrap(v) for v in obj]
    return obj


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, default=ROOT.parent / "shared" / "worlds" / "sample")
    ap.add_argument("--before", default="HEAD", help="git revision for the 'before' side")
    ap.add_argument("--after", default=None, help="git revision for the 'after' side (default: the working tree)")
    ap.add_argument("--keep", type=Path, default=None, help="keep both outputs here")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(a.keep or tmp)
        before_src = checkout(a.before, tmp / "before_src")
        after_src = checkout(a.after, tmp / "after_src") if a.after else ROOT
        t_before = investigate(before_src, a.world.resolve(), tmp / "before_out")
        t_after = investigate(after_src, a.world.resolve(), tmp / "after_out")
        s_b = json.loads((tmp / "before_out" / "summary.json").read_text())
        s_a = json.loads((tmp / "after_out" / "summary.json").read_text())
        print(f"{'stage':<10} {'before s':>9} {'after s':>9}")
        for st in s_b["timings_s"]:
            print(f"{st:<10} {s_b['timings_s'][st]:>9.2f} {s_a['timings_s'].get(st, float('nan')):>9.2f}")
        print(f"{'wall':<10} {t_before:>9.2f} {t_after:>9.2f}")
        print(f"{'peak MB':<10} {s_b['peak_memory_mb']:>9.0f} {s_a['peak_memory_mb']:>9.0f}")
        bad = 0
        for name in COMPARED:
            same = load(tmp / "before_out" / name) == load(tmp / "after_out" / name)
            bad += not same
            print(f"{name:<28} {'equal' if same else 'DIFFERENT'}")
            if name.endswith(".json") and not same:
                rest = without_bootstrap(load(tmp / "before_out" / name)) == without_bootstrap(load(tmp / "after_out" / name))
                bad -= rest
                print(f"{name + ' without *_ci':<28} {'equal' if rest else 'DIFFERENT'} (bootstrap intervals differ)")
        return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
