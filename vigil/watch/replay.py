"""An export as one time-ordered stream of contract records (each with its `table`).

The stream is what the watcher consumes as JSON lines and what the Jetstream stand-in replays.
The export is read through the ordinary ingest (validated, typed), so a replay holds exactly the
records a batch run uses; rows are then ordered by their own time in DuckDB, not in Python.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

TIMED = {"accounts": "created_at", "posts": "created_at", "edges": "created_at", "recommendations": "shown_at"}


def _plain(v):
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.timezone.utc)
        return v.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if x is not None}
    return v


def export_records(export_dir: Path, tables=tuple(TIMED)) -> Iterator[dict]:
    """Every valid record of the export, oldest first (untimed records first), `table` added."""
    from vigil.ingest import ingest_export
    from vigil.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="vigil-replay-") as tmp:
        ws = Workspace(Path(tmp) / "ws")
        ingest_export(Path(export_dir), ws, Path(tmp) / "rejects.jsonl")
        con = duckdb.connect()
        parts = []
        for t in tables:
            p = Path(tmp) / "ws" / f"{t}.parquet"
            if p.exists():
                con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{p.as_posix()}')")
                parts.append(f"SELECT '{t}' AS t, row_number() OVER () AS rn, {TIMED[t]} AS ts FROM {t}")
        if not parts:
            return
        order = con.execute(" UNION ALL ".join(parts) + " ORDER BY ts NULLS FIRST, t, rn").fetchall()
        rows = {t: None for t in tables}
        for t in tables:
            if f"SELECT '{t}'" in " ".join(parts):
                cur = con.execute(f"SELECT * FROM {t}")
                names = [d[0] for d in cur.description]
                rows[t] = [dict(zip(names, r)) for r in cur.fetchall()]
        for t, rn, _ in order:
            r = {k: _plain(v) for k, v in rows[t][rn - 1].items() if v is not None and not k.startswith("_")}
            yield {"table": t, **r}


def write_jsonl(export_dir: Path, out: Path) -> int:
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for r in export_records(export_dir):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n
