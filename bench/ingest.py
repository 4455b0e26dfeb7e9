"""Ingest throughput and peak memory on a generated export, beside a plain `json.loads` baseline.

Why a benchmark and not a test: throughput depends on the machine, so the number is printed
next to a baseline measured in the same run (the ratio is what carries between machines).

    flock /tmp/vigil-heavy.lock .venv/bin/python bench/ingest.py            # 1M accounts, ~15M edges
    .venv/bin/python bench/ingest.py --accounts 100000                      # a quick run
    .venv/bin/python bench/ingest.py --bad-rate 0 --no-baseline             # clean data, vigil only
    .venv/bin/python bench/ingest.py --accounts 100000 --csv                # CSV: fast reader vs the exact one

The export (accounts.jsonl, edges.jsonl; --bad-rate of the edge lines corrupted the ways real
exports are: cut off, single quotes, numeric ids, unknown kinds, missing fields) is generated
once with DuckDB and cached under bench/_data/ (gitignored). Each measurement runs in its own
subprocess, so its peak RSS is its own. With --csv the same records are written as CSV
(edges.csv, accounts.csv) and vigil runs twice, with the fast CSV reader (Arrow over plain blocks)
and with the exact one (Python's csv module, line by line), for their ratio in the same run. On a shared machine the wall time says little: the
`cpu s` column is the work itself, and `rows/cpu-s` x cores is the rate on idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "_data"

# Corruptions injected at --bad-rate, the kinds a real export has (and the sample world shows).
_BAD_LINES = (
    """'{"platform":"photogram","src":"' || src || '","dst":"' || dst || '","kind":"follow",'""",  # truncated
    """'{''platform'':''photogram'',''src'':''' || src || ''',''dst'':''' || dst || '''}'""",  # single quotes
    """'{"platform":"photogram","src":' || src || ',"dst":"' || dst || '","kind":"like"}'""",  # number id
    """'{"platform":"photogram","src":"' || src || '","dst":"' || dst || '","kind":"befriend"}'""",  # bad kind
    """'{"platform":"photogram","dst":"' || dst || '","kind":"follow"}'""",  # missing src
)


def generate(out: Path, accounts: int, edges: int, bad_rate: float, seed: int = 1) -> Path:
    """Write accounts.jsonl and edges.jsonl (DuckDB, all cores); reuse them when already there."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    done = out / "DONE"
    if done.exists():
        return out
    con = duckdb.connect()
    con.execute("SET enable_progress_bar=false")
    con.execute(f"SELECT setseed({1.0 / (seed + 1)})")
    ts = "strftime(TIMESTAMP '2015-01-01' + to_seconds(({x} * 7919) % 330000000), '%Y-%m-%dT%H:%M:%SZ')"
    con.execute(f"""
        COPY (SELECT to_json({{
            'platform': 'photogram',
            'account_id': (1000000000 + i * 7)::VARCHAR,
            'handle': 'user_' || i::VARCHAR,
            'display_name': 'Person ' || (i % 9973)::VARCHAR,
            'bio': ['painter and coffee', 'runner, 10k PB', 'music producer #beats', 'cat person', ''][1 + i % 5],
            'created_at': {ts.format(x='i')},
            'links': CASE WHEN i % 10 = 0 THEN ['https://example.org/u' || i::VARCHAR] ELSE NULL END,
            'followers_count': (i * 31) % 5000,
            'following_count': (i * 17) % 900,
            'profile_image_pdq': md5(i::VARCHAR) || md5((i + 1)::VARCHAR),
            'lang': ['en', 'es', 'pt', 'de'][1 + i % 4]
        }}) AS line FROM range({accounts}) t(i))
        TO '{out / 'accounts.jsonl'}' (FORMAT CSV, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')""")
    bad_cases = " ".join(f"WHEN {k} THEN {expr}" for k, expr in enumerate(_BAD_LINES))
    con.execute(f"""
        COPY (
          WITH e AS (
            SELECT j,
                   (1000000000 + (floor(random() * {accounts})::BIGINT) * 7)::VARCHAR AS src,
                   (1000000000 + (floor(pow(random(), 2) * {accounts})::BIGINT) * 7)::VARCHAR AS dst,
                   ['follow', 'follow', 'follow', 'like', 'comment', 'mention', 'repost', 'message'][1 + (j % 8)] AS kind,
                   random() AS r
            FROM range({edges}) t(j))
          SELECT CASE WHEN r < {bad_rate} THEN (CASE (j % {len(_BAD_LINES)}) {bad_cases} END)
                      ELSE to_json({{'platform': 'photogram', 'src': src, 'dst': dst, 'kind': kind,
                                    'created_at': {ts.format(x='j')}}})::VARCHAR END AS line
          FROM e)
        TO '{out / 'edges.jsonl'}' (FORMAT CSV, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')""")
    done.write_text(json.dumps({"accounts": accounts, "edges": edges, "bad_rate": bad_rate}))
    return out


def to_csv(jsonl_export: Path, out: Path) -> Path:
    """The same records as CSV (list fields as JSON text); corrupt lines are dropped (not JSON)."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    if (out / "DONE").exists():
        return out
    con = duckdb.connect()
    con.execute("SET enable_progress_bar=false")
    when = "strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at"  # RFC 3339, as the export had it
    for name, columns in (("accounts", f"* REPLACE (to_json(links) AS links, {when})"), ("edges", f"* REPLACE ({when})")):
        con.execute(f"""COPY (SELECT {columns} FROM read_json('{jsonl_export / f"{name}.jsonl"}',
                                format='newline_delimited', ignore_errors=true))
                        TO '{out / f"{name}.csv"}' (FORMAT CSV, HEADER true)""")
    (out / "DONE").write_text("csv")
    return out


def _run_vigil(export: str, out: str, exact_csv: bool = False) -> dict:
    """Child process: vigil's ingest; reports rows, rejects, seconds and its own peak RSS."""
    from vigil.ingest import csvfile, ingest_export

    csvfile.FAST_PATH = not exact_csv
    from vigil.workspace import Workspace

    t0 = time.perf_counter()
    report = ingest_export(Path(export), Workspace(Path(out) / "workspace"), Path(out) / "rejects.jsonl")
    secs = time.perf_counter() - t0
    rows = sum(report.counts.values()) + report.rejects
    return {"rows": rows, "ingested": sum(report.counts.values()), "rejects": report.rejects, "seconds": secs,
            **_usage()}


BASELINE_BATCH = 100_000  # the baseline keeps records in a list, cleared at this size (else it would need ~10 GB)


def _run_baseline(export: str) -> dict:
    """Child process: the plain way, `json.loads` per line into a list (no validation, no output)."""
    t0 = time.perf_counter()
    rows = bad = 0
    for name in ("accounts.jsonl", "edges.jsonl"):
        batch = []
        with open(Path(export) / name, encoding="utf-8") as f:
            for line in f:
                try:
                    batch.append(json.loads(line))
                except ValueError:
                    bad += 1
                rows += 1
                if len(batch) >= BASELINE_BATCH:
                    batch = []
    secs = time.perf_counter() - t0
    return {"rows": rows, "ingested": rows - bad, "rejects": bad, "seconds": secs, **_usage()}


def _usage() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": ru.ru_maxrss / 1024, "cpu_seconds": ru.ru_utime + ru.ru_stime}


def _child(kind: str, export: Path, out: Path) -> dict:
    """Run one measurement in a fresh process, so that its peak RSS is its own."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(export), str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=None, help="default: 15 per account")
    ap.add_argument("--bad-rate", type=float, default=0.001, help="share of corrupted edge lines")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--csv", action="store_true", help="the export as CSV; also time the exact CSV reader")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "EXPORT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, export, out = args.child
        result = (_run_vigil(export, out, exact_csv=kind == "vigil-exact") if kind.startswith("vigil")
                  else _run_baseline(export))
        print(json.dumps(result))
        return
    edges = args.edges if args.edges is not None else 15 * args.accounts
    export = DATA / f"a{args.accounts}_e{edges}_b{args.bad_rate}"
    t0 = time.perf_counter()
    generate(export, args.accounts, edges, args.bad_rate)
    print(f"export: {export} (ready in {time.perf_counter() - t0:.1f} s)")
    out = DATA / "run"
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    if args.csv:
        export = to_csv(export, export.parent / (export.name + "_csv"))
        results = {"vigil ingest": _child("vigil", export, out),
                   "exact csv reader": _child("vigil-exact", export, out)}
        shutil.rmtree(out, ignore_errors=True)
        _print(results, results["exact csv reader"], "vs exact")
        return
    results = {"vigil ingest": _child("vigil", export, out)}
    if not args.no_baseline:
        results["json.loads + list"] = _child("baseline", export, out)
    shutil.rmtree(out, ignore_errors=True)
    _print(results, results.get("json.loads + list"), "vs baseline")


def _print(results: dict, base: dict | None, against: str) -> None:
    load = os.getloadavg()[0]
    print(f"\ncores: {os.cpu_count()}, load average (1 min) at the end: {load:.1f}"
          " (other processes share the cores: cpu s shows the work itself)")
    print(f"{'method':<20}{'rows':>12}{'rejects':>9}{'wall s':>9}{'cpu s':>8}{'rows/s':>12}"
          f"{'rows/cpu-s':>12}{'peak RSS MB':>13}{against:>13}")
    for name, r in results.items():
        rate = r["rows"] / r["seconds"]
        ratio = f"{rate / (base['rows'] / base['seconds']):.1f}x" if base else "-"
        print(f"{name:<20}{r['rows']:>12,}{r['rejects']:>9,}{r['seconds']:>9.2f}{r['cpu_seconds']:>8.1f}{rate:>12,.0f}"
              f"{r['rows'] / r['cpu_seconds']:>12,.0f}{r['peak_rss_mb']:>13,.0f}{ratio:>13}")


if __name__ == "__main__":
    main()
