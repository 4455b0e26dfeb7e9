"""How long `vigil --help` (and a stage command's --help) takes, beside a bare `python -c pass`.

Why a benchmark and not a test: start-up time depends on the machine and its disk cache, so the
commands are timed next to the interpreter's own start in the same run; the ratio is what carries.
(tests/test_cli_startup.py checks the cause instead: which libraries a --help imports.)

    .venv/bin/python bench/cli_startup.py               # 7 runs of each, after 1 warm-up
    .venv/bin/python bench/cli_startup.py --runs 15
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# `-m vigil.cli` is what the `vigil` script runs (its entry point is vigil.cli:app), without
# depending on where the venv put the script.
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "vigil --help": [sys.executable, "-m", "vigil.cli", "--help"],
    "vigil refit --help": [sys.executable, "-m", "vigil.cli", "refit", "--help"],
    "vigil serve --help": [sys.executable, "-m", "vigil.cli", "serve", "--help"],
}


def wall_time(cmd: list[str]) -> float:
    """Seconds from start to exit of one run; its output is thrown away, its failure is not."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="timed runs of each command (after one warm-up)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    medians = {}
    for name, cmd in CASES.items():
        wall_time(cmd)  # warm-up: the first run pays for a cold disk cache
        medians[name] = statistics.median(wall_time(cmd) for _ in range(args.runs))

    base = medians["python -c pass"]
    print(f"{'command':<28}{'median s':>10}{'x python':>10}   ({args.runs} runs each)")
    for name, secs in medians.items():
        print(f"{name:<28}{secs:>10.3f}{secs / base:>10.1f}")


if __name__ == "__main__":
    main()
