"""Ingest as a Spark job: the export's files cut into tasks, each parsed on an executor by the
embedded parsers (JsonBlockParser, csv_pieces, the Parquet piece), so every accepted row and
every reject is the embedded ingest's own, byte for byte.

The tasks are the embedded reader's own units, so the parsers see the same input they would
embedded (where rows go to Arrow or to the reference validator depends on how a block is cut):
- plain JSON Lines: the byte ranges of the embedded reader's blocks (`read_blocks`), found on
  the driver by reading a few bytes around each cut, so any block of a big file is one task;
- Parquet: ranges of the embedded reader's row batches (a record's line is its row number);
- gzip (not seekable) and CSV (a quoted field may span lines, so a cut cannot be found without
  reading what comes before it): one task per file, read as the embedded reader reads it.
A task parses with block-relative line numbers (a JSON block's first line is only known once the
blocks before it are counted); the driver makes them absolute as it writes the pieces in input
order, through the embedded `ingest_export` (refused files, row groups, rejects.jsonl: one code).

Executors write their pieces to a staging folder in the workspace and return only line counts,
so no task's output passes through the driver's memory at once. On a cluster the export folder
and the workspace must be mounted at the same path on every worker (as for media, README: Spark).
"""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

# Parquet row batches per task: a few, so one task's start is spread over enough rows.
PARQUET_BATCHES_PER_TASK = 4
# Spark partitions per core: the tasks (a JSON block is 8 MiB) are grouped into a few partitions
# of consecutive tasks, since each Spark task costs ~0.1 s to start; a few per core still even
# out tasks of unequal size (a whole CSV file beside one block).
PARTITIONS_PER_CORE = 2
STAGING = "_spark_ingest"
JSONL_BLOCK, JSONL_GZIP, CSV_FILE, PARQUET_ROWS = "jsonl", "jsonl.gz", "csv", "parquet"
TASK_OUT = pa.schema([("task", pa.int64()), ("lines", pa.int64()), ("pieces", pa.int64())])


@dataclass(frozen=True)
class Task:
    """One unit of parsing: a byte range of a JSON Lines file, a whole gzip or CSV file, or a
    range of a Parquet file's rows."""

    kind: str
    path: str
    table: str
    start: int = 0  # JSON Lines: byte offset; Parquet: first row (0-based)
    end: int = 0  # exclusive
    newline: bool = False  # JSON Lines: the file's last line lacks its newline (added, as embedded)


def plan_tasks(export_dir: Path, block_bytes: int, batch_rows: int) -> list[Task]:
    """Every parsing task of the export, in input order (tables, files, blocks); files whose header
    lacks a required column are left to `ingest_export`, which refuses them."""
    from vigil.ingest.export import TABLES, find_table_files, missing_columns
    from vigil.ingest.jsonl import block_ranges

    tasks: list[Task] = []
    for table in TABLES:
        for path in find_table_files(export_dir, table):
            if missing_columns(path, table):
                if table == "accounts":
                    return []  # the run stops there: nothing to parse
                continue
            name = path.name
            if name.endswith(".jsonl"):
                tasks += [Task(JSONL_BLOCK, str(path), table, s, e, nl) for s, e, nl in block_ranges(path, block_bytes)]
            elif name.endswith(".jsonl.gz"):
                tasks.append(Task(JSONL_GZIP, str(path), table))
            elif name.endswith((".csv", ".csv.gz")):
                tasks.append(Task(CSV_FILE, str(path), table))
            else:
                import pyarrow.parquet as pq

                rows = pq.ParquetFile(path).metadata.num_rows
                step = batch_rows * PARQUET_BATCHES_PER_TASK
                tasks += [Task(PARQUET_ROWS, str(path), table, lo, min(lo + step, rows)) for lo in range(0, rows, step)]
    return tasks


def _pieces_of(task: Task, block_bytes: int, batch_rows: int):
    """The Pieces of one task, as the embedded reader makes them (JSON lines block-relative)."""
    path = Path(task.path)
    if task.kind == JSONL_BLOCK:
        from vigil.ingest.jsonl import JsonBlockParser

        with open(path, "rb") as f:
            f.seek(task.start)
            block = f.read(task.end - task.start)
        yield JsonBlockParser(task.table, path.name)(block + b"\n" if task.newline else block)
    elif task.kind == JSONL_GZIP:
        from vigil.ingest.jsonl import JsonBlockParser, read_blocks

        parser, offset = JsonBlockParser(task.table, path.name), 0
        for block in read_blocks(path, block_bytes):
            piece = parser(block).shift(offset)
            offset += piece.lines
            yield piece
    elif task.kind == CSV_FILE:
        from vigil.ingest.csvfile import csv_pieces

        yield from csv_pieces(path, task.table)
    else:
        yield from _parquet_pieces(path, task, batch_rows)


def _parquet_pieces(path: Path, task: Task, batch_rows: int):
    """The embedded reader's row batches [start, end) of a Parquet file (batches run across row
    groups, so the groups holding the range are read and cut at the same rows)."""
    import pyarrow.parquet as pq

    from vigil.ingest.parquetfile import parquet_piece

    pf = pq.ParquetFile(path)
    groups, first, at = [], None, 0
    for g in range(pf.metadata.num_row_groups):
        n = pf.metadata.row_group(g).num_rows
        if at + n > task.start and at < task.end:
            groups.append(g)
            first = at if first is None else first
        at += n
    rows = pf.read_row_groups(groups).slice(task.start - first, task.end - task.start)
    for lo in range(0, rows.num_rows, batch_rows):
        batch = rows.slice(lo, batch_rows).combine_chunks()
        yield parquet_piece(batch, task.table, path.name, task.start + lo + 1)


def _runner(tasks: list[Task], staging: str, block_bytes: int, batch_rows: int):
    def run(batches):
        for b in batches:
            for k in b.column(0).to_pylist():
                lines = count = 0
                with open(os.path.join(staging, f"{k:08d}.pkl"), "wb") as f:
                    for piece in _pieces_of(tasks[k], block_bytes, batch_rows):
                        pickle.dump(piece, f, protocol=pickle.HIGHEST_PROTOCOL)
                        lines += piece.lines
                        count += 1
                yield pa.RecordBatch.from_arrays([pa.array([k], pa.int64()), pa.array([lines], pa.int64()),
                                                  pa.array([count], pa.int64())], schema=TASK_OUT)
    return run


def _staged(path: Path):
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def spark_ingest(spark, export_dir: Path, ws, rejects_path: Path, block_bytes: int | None = None,
                 batch_rows: int | None = None):
    """Parse the export on the cluster; write the tables and rejects.jsonl as `ingest_export` does.
    `block_bytes`, `batch_rows`: the embedded readers' JSON block and Parquet batch sizes (their
    defaults); the same sizes give the same pieces. Returns (IngestReport, stats)."""
    from vigil.engines.spark.tables import arrow_ddl, collect_arrow
    from vigil.ingest import jsonl, parquetfile
    from vigil.ingest.export import check_export, ingest_export

    export_dir = check_export(Path(export_dir))
    block_bytes = block_bytes or jsonl.BLOCK_BYTES
    batch_rows = batch_rows or parquetfile.BATCH_ROWS
    tasks = plan_tasks(export_dir, block_bytes, batch_rows)
    staging = ws.root / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if tasks:
            parts = min(len(tasks), spark.sparkContext.defaultParallelism * PARTITIONS_PER_CORE)
            df = spark.range(0, len(tasks), 1, numPartitions=parts)  # consecutive tasks per partition
            run = _runner(tasks, str(staging), block_bytes, batch_rows)
            done = collect_arrow(df.mapInArrow(run, arrow_ddl(TASK_OUT)))
            lines = dict(zip(done.column("task").to_pylist(), done.column("lines").to_pylist()))
            if sorted(lines) != list(range(len(tasks))):
                raise RuntimeError(f"Spark ingest: {len(tasks) - len(lines)} of {len(tasks)} tasks returned nothing")
        by_file: dict[str, list[int]] = {}
        for k, t in enumerate(tasks):
            by_file.setdefault(t.path, []).append(k)

        def pieces(path: Path, table: str):
            offset = 0
            for k in by_file.get(str(path), []):
                shift = tasks[k].kind == JSONL_BLOCK  # the one kind parsed with block-relative lines
                for piece in _staged(staging / f"{k:08d}.pkl"):
                    if shift:
                        piece.shift(offset)
                        offset += piece.lines
                    yield piece

        report = ingest_export(export_dir, ws, rejects_path, pieces=pieces)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    kinds = [t.kind for t in tasks]
    return report, {"engine": "spark", "tasks": len(tasks), "tasks_by_kind": {k: kinds.count(k) for k in sorted(set(kinds))}}
