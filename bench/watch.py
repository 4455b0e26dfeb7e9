"""`vigil watch` on a replayed world: sustained events/s, alert latency, memory over time.

Why a benchmark and not a test: speed depends on the machine, so the watcher's rate is printed
next to a baseline measured in the same process (one batch `investigate` over the same export);
the ratio "watch time / batch time" says what the micro-batch re-runs cost over one batch run.
Alert latency is wall time from an event's arrival to the flush of the first alert it could
have produced (the micro-batch it fell into); memory is the process's RSS sampled at each
checkpoint.

    .venv/bin/python bench/watch.py                      # 400 accounts, a minute or so
    .venv/bin/python bench/watch.py --accounts 2000 --batch-events 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's vigil, whatever the environment has installed


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(int(q * len(xs)), len(xs) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=400)
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--batch-events", type=int, default=5000)
    args = ap.parse_args()

    from vigil.pipeline import RunOptions, investigate
    from vigil.progress import bars
    from vigil.synth import generate_world
    from vigil.watch import engine
    from vigil.watch.replay import write_jsonl
    from vigil.watch.sources import run_jsonl

    with tempfile.TemporaryDirectory(prefix="vigil-bench-watch-") as tmp, bars(False):
        tmp = Path(tmp)
        w = generate_world(tmp / "world", accounts=args.accounts, seed=args.seed, images=False)
        stream = tmp / "stream.jsonl"
        n = write_jsonl(w.export_dir, stream)

        t0 = time.perf_counter()
        investigate(RunOptions(export_dir=w.export_dir, lexicon=w.lexicon, hashes=[w.hashbank], seeds=w.seeds,
                               out_dir=tmp / "batch"))
        batch_s = time.perf_counter() - t0

        memory: list[tuple[int, float]] = []
        watcher = engine.Watcher(engine.WatchOptions(state=tmp / "state", alerts=tmp / "alerts.jsonl",
                                                     lexicon=w.lexicon, hashes=[w.hashbank], seeds=w.seeds,
                                                     batch_events=args.batch_events))
        checkpoint = watcher.checkpoint

        def sampled():
            out = checkpoint()
            memory.append((watcher.events, rss_mb()))
            return out
        watcher.checkpoint = sampled
        t0 = time.perf_counter()
        run_jsonl(watcher, str(stream), None)
        watch_s = time.perf_counter() - t0
        alerts = sum(1 for _ in open(tmp / "alerts.jsonl"))

    print(f"{'what':<34}{'value':>14}")
    print(f"{'events':<34}{n:>14,}")
    print(f"{'batch investigate (baseline)':<34}{batch_s:>13.2f}s")
    print(f"{'watch, whole stream':<34}{watch_s:>13.2f}s")
    print(f"{'ratio watch / batch':<34}{watch_s / batch_s:>14.2f}")
    print(f"{'sustained events/s':<34}{n / watch_s:>14,.0f}")
    print(f"{'alerts':<34}{alerts:>14,}")
    print(f"{'alert latency p50':<34}{pct(watcher.latencies, 0.5):>13.2f}s")
    print(f"{'alert latency p99':<34}{pct(watcher.latencies, 0.99):>13.2f}s")
    print("memory over time (events -> RSS MB): " + json.dumps([(e, round(m)) for e, m in memory]))


if __name__ == "__main__":
    main()
