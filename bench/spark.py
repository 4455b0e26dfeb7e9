"""Signals on both engines over one ingested workspace: time and peak memory, and Spark's
scaling with the number of input partitions (local[2]).

    .venv/bin/python bench/spark.py [--accounts 3000] [--master local[2]]

Generates a small world (`vigil generate`'s generator), ingests it once on the embedded path,
then runs the signals stage embedded (the baseline) and on Spark at 1, 2, 4 and 8 partitions.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, help="an export folder with lexicon.yaml (default: the sample world)")
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    world = args.world or Path(__file__).resolve().parents[1] / ".." / "shared" / "worlds" / "sample"

    from vigil import ingest, signals
    from vigil.engines.spark.session import spark_session
    from vigil.engines.spark.signals import spark_signals
    from vigil.workspace import Workspace

    # The JVM first: launching it after the stages' native libraries are loaded can crash in fork.
    spark = spark_session(args.master, shuffle_partitions=2)
    tmp = Path(tempfile.mkdtemp(prefix="vigil-bench-spark-"))
    try:
        ws = Workspace(tmp / "ws")
        ingest.ingest_export(world, ws, tmp / "rejects.jsonl")
        lexicon = signals.load_lexicon(world / "lexicon.yaml")
        rows = []
        t = time.perf_counter()
        signals.run_signals(ws, lexicon)
        base = time.perf_counter() - t
        rows.append(("embedded", "-", base, rss_mb()))
        for parts in (1, 2, 4, 8):
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(max(1, ws.path("posts").stat().st_size // parts)))
            t = time.perf_counter()
            spark_signals(spark, ws, world / "lexicon.yaml")
            rows.append((f"spark {args.master}", parts, time.perf_counter() - t, rss_mb()))
        print(f"{'engine':<18}{'parts':>6}{'seconds':>10}{'vs embedded':>13}{'driver peak MB':>16}")
        for eng, parts, s, mb in rows:
            print(f"{eng:<18}{parts!s:>6}{s:>10.2f}{s / base:>13.2f}{mb:>16.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
