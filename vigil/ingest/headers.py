"""A table file whose header lacks a required column is one mistake, not one reject per row.

Without this check a `recommendations.csv` without `viewer_id` turned into tens of thousands of
identical rejects and a run that "succeeded" with no recommendations at all. The header of every
CSV and Parquet file is read before any record, and the run stops naming the file and the
columns, so the operator fixes the export once. (JSON lines carry no header: a record lacking a
field is that record's problem and is rejected with its line.)
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from vigil.ingest.contract import TABLES
from vigil.ingest.jsonl import open_gzip


def required_columns(table: str) -> list[str]:
    return [f.name for f in TABLES[table] if f.required]


def read_header(path: Path) -> list[str] | None:
    """The column names of a CSV or Parquet file; None for formats without a header."""
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        with (open_gzip(path) if name.endswith(".gz") else open(path, "rb")) as f:
            first = f.readline()
        text = first.decode("utf-8-sig", errors="replace")
        row = next(csv.reader(io.StringIO(text)), [])
        return [h.strip() for h in row]
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return None


def header_problems(path: Path, table: str) -> list[str]:
    """`file:1: ...` for a header without the table's required columns; empty when it is fine."""
    header = read_header(path)
    if header is None or (not header and path.stat().st_size == 0):
        return []
    missing = [c for c in required_columns(table) if c not in header]
    if not missing:
        return []
    return [f"{path.name}:1: the {table} header lacks required column(s) {', '.join(missing)} "
            f"(it has: {', '.join(header) or 'nothing'})"]
