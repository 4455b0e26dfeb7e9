"""Every Spark stage on both engines over one world: seconds and peak memory per stage, and
Spark's scaling with the number of input and shuffle partitions (local[2] by default).

    .venv/bin/python bench/spark.py                                   # a generated 3,000-account world
    .venv/bin/python bench/spark.py --accounts 30000
    flock /tmp/vigil-heavy.lock .venv/bin/python bench/spark.py --world /work/wt/_worlds/a100000_s1

The world (`vigil generate`'s generator, seed 1, cached under bench/_data/spark/) is run once
through every stage embedded, in pipeline order, on one workspace: those are the baseline times.
Then each stage in vigil.engines.spark.SPARK_STAGES (whatever stages it lists) runs on Spark
over that workspace at 1, 2, 4 and 8 partitions (`spark.sql.files.maxPartitionBytes` cut to
1/N of the stage's largest input table, `spark.sql.shuffle.partitions` = N, adaptive coalescing
off so N holds); every table it rewrote is compared with the embedded one ("equal").

Memory: the driver is this Python process (its peak RSS during the stage, the kernel's mark reset
as the stage starts); executors are the JVM and its Python workers (local mode: one JVM holds
the driver's JVM side and the executor), sampled every 100 ms, peak of their summed RSS.
Times on a shared machine are noisy: read the ratios, all measured in this one run.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "_data" / "spark"
PARTITIONS = (1, 2, 4, 8)
SAMPLE_EVERY_S = 0.1


def world(accounts: int, seed: int) -> Path:
    out = DATA / f"a{accounts}_s{seed}"
    if not (out / "hashbank.csv").is_file():
        subprocess.run([sys.executable, "-m", "vigil.cli", "generate", str(out), "--accounts", str(accounts),
                        "--seed", str(seed)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process (one pass over /proc)."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    out[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return out


class ExecutorPeak:
    """Peak summed RSS of the JVM and everything it started (the Python workers), sampled."""

    def __init__(self, jvm_pid: int | None):
        self.jvm = jvm_pid
        self.peak_kb = 0
        self._stop = threading.Event()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for pid, ppid in _parents().items():
            children.setdefault(ppid, []).append(pid)
        todo, seen = [self.jvm], []
        while todo:
            p = todo.pop()
            seen.append(p)
            todo += children.get(p, [])
        return seen

    def _run(self) -> None:
        tree, k = [self.jvm], 0
        while not self._stop.is_set():
            if k % 10 == 0:  # workers come and go slowly; the /proc walk is the sampler's cost
                tree = self._tree()
            k += 1
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in tree))
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self):
        if self.jvm:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.jvm:
            self._stop.set()
            self._thread.join()

    @property
    def mb(self) -> float | None:
        return self.peak_kb / 1024.0 if self.jvm else None


def timed(fn):
    """(seconds, driver peak MB) of fn()."""
    from vigil.pipeline import _peak_rss_since_reset_mb, _reset_peak_rss, peak_rss_mb

    reset = _reset_peak_rss()
    t = time.perf_counter()
    fn()
    s = time.perf_counter() - t
    own = _peak_rss_since_reset_mb() if reset else None
    return s, own if own is not None else peak_rss_mb()


def embedded_stages(w: Path, ws, rejects: Path, lexicon, bank) -> dict:
    """The pipeline's stages, in its order, as vigil.pipeline._run_stages calls them."""
    from vigil import audit, graph, ingest, link, media, signals
    from vigil.graph.model import load_model

    return {
        "ingest": lambda: ingest.ingest_export(w / "export", ws, rejects),
        "signals": lambda: signals.run_signals(ws, lexicon),
        "media": lambda: media.run_media(ws, w / "export", bank),
        "graph": lambda: graph.run_graph(ws, model=load_model(ws)),
        "terms": lambda: ws.write("terms", signals.discover_terms(ws, lexicon)),
        "audit": lambda: audit.run_audit(ws),
        "link": lambda: link.run_link(ws),
    }


def snapshot(ws_dir: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in ws_dir.glob("*.parquet")}


def rewritten_equal(ws_dir: Path, before: dict, baseline: Path) -> str:
    """Whether every table the Spark stage rewrote equals the embedded run's, row for row."""
    import pyarrow.parquet as pq

    changed = [n for n, m in snapshot(ws_dir).items() if before.get(n) != m]
    bad = [n for n in changed if (baseline / n).exists()
           and pq.read_table(ws_dir / n).to_pylist() != pq.read_table(baseline / n).to_pylist()]
    return "no: " + ",".join(bad) if bad else ("yes" if changed else "-")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=3000, help="accounts of the generated world (main platform)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--world", type=Path, help="a world folder (export/, lexicon.yaml, hashbank.csv) instead")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", default=",".join(map(str, PARTITIONS)), help="comma-separated partition counts")
    ap.add_argument("--no-warmup", action="store_true", help="skip the unreported first pass (large worlds)")
    args = ap.parse_args()
    partitions = [int(x) for x in args.partitions.split(",")]
    w = args.world or world(args.accounts, args.seed)

    # The JVM first: launching it after the stages' native libraries are loaded can crash in fork.
    from vigil.engines.spark.session import spark_session

    spark = spark_session(args.master, shuffle_partitions=2)
    spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
    gateway = getattr(spark.sparkContext, "_gateway", None)
    jvm_pid = getattr(getattr(gateway, "proc", None), "pid", None)

    from vigil import media, signals
    from vigil.engines.spark.run import SPARK_STAGES, run_spark_stage
    from vigil.media.threshold import PDQ_THRESHOLD
    from vigil.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="vigil-bench-spark-"))
    try:
        ws = Workspace(tmp / "ws")
        lexicon = signals.load_lexicon(w / "lexicon.yaml")
        bank = media.load_banks([w / "hashbank.csv"], pdq_threshold=PDQ_THRESHOLD)
        base: dict[str, tuple[float, float]] = {}
        for stage, fn in embedded_stages(w, ws, tmp / "rejects.jsonl", lexicon, bank).items():
            base[stage] = timed(fn)
            print(f"embedded {stage:<8} {base[stage][0]:8.2f} s", flush=True)
        baseline = tmp / "embedded-ws"
        shutil.copytree(ws.root, baseline)
        context = {"lexicon_path": w / "lexicon.yaml", "export_dir": w / "export", "bank": bank, "dihedral": False,
                   "rejects_path": tmp / "rejects-spark.jsonl", "lexicon": lexicon}
        accepted = set(inspect.signature(run_spark_stage).parameters)
        kwargs = {k: v for k, v in context.items() if k in accepted}
        biggest = max((p.stat().st_size for p in (tmp / "ws").glob("*.parquet")), default=1)
        rows = []
        # A first pass at 2 partitions warms the JVM and the Python workers; it is not reported.
        spark.conf.set("spark.sql.shuffle.partitions", "2")
        for stage in SPARK_STAGES if not args.no_warmup else ():
            run_spark_stage(stage, spark, ws, **kwargs)
        for parts in partitions:
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(max(1, biggest // parts)))
            spark.conf.set("spark.sql.shuffle.partitions", str(parts))
            for stage in SPARK_STAGES:
                before = snapshot(tmp / "ws")
                with ExecutorPeak(jvm_pid) as ex:
                    s, mb = timed(lambda: run_spark_stage(stage, spark, ws, **kwargs))
                rows.append((stage, parts, s, mb, ex.mb, rewritten_equal(tmp / "ws", before, baseline)))
                print(f"spark {stage:<8} {parts} partitions {s:8.2f} s", flush=True)
        n_acc = ws.rows("accounts")
        print(f"\n{w.name}: {n_acc:,} accounts, {ws.rows('posts'):,} posts; Spark {args.master}")
        print(f"{'stage':<9}{'engine':<10}{'parts':>6}{'seconds':>10}{'vs embedded':>13}{'driver MB':>11}"
              f"{'executors MB':>14}{'equal':>7}")
        for stage in SPARK_STAGES:
            s0, mb0 = base[stage]
            print(f"{stage:<9}{'embedded':<10}{'-':>6}{s0:>10.2f}{1.0:>13.2f}{mb0:>11.0f}{'-':>14}{'':>7}")
            for st, parts, s, mb, exmb, eq in rows:
                if st == stage:
                    ex = f"{exmb:.0f}" if exmb is not None else "?"
                    print(f"{'':<9}{'spark':<10}{parts:>6}{s:>10.2f}{s / max(s0, 1e-9):>13.2f}{mb:>11.0f}{ex:>14}{eq:>7}")
    finally:
        spark.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
