"""Ingest a platform export folder into the workspace: every contract table, every format.

Blocks are parsed by a small pool of worker threads (Arrow and DuckDB release the GIL) while
the calling thread writes finished pieces in input order, so memory stays bounded by the few
blocks in flight and the output keeps the file's line order.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from vigil import progress, schemas
from vigil.errors import OperatorError
from vigil.ingest.pieces import Piece
from vigil.workspace import Workspace

TABLES = tuple(schemas.INPUT_TABLES)  # accounts, posts, edges, recommendations
FORMATS = (".jsonl", ".jsonl.gz", ".csv", ".csv.gz", ".parquet")
WORKERS = max(1, min(4, os.cpu_count() or 1))
IN_FLIGHT = 4 * WORKERS  # blocks parsed ahead of the writer: workers stay busy while it writes; memory stays bounded
ROW_GROUP_ROWS = 1 << 19  # pieces are gathered into row groups this big before writing


class ExportError(OperatorError):
    """The export cannot be ingested at all (as opposed to a bad record, which is rejected)."""


@dataclass
class IngestReport:
    counts: dict[str, int] = field(default_factory=dict)
    rejects: int = 0
    rejects_by_file: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, list[str]] = field(default_factory=dict)  # file -> required columns its header lacks


class RejectLog:
    """rejects.jsonl: one line per record not used, with its file, line and reason."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.f = open(path, "w", encoding="utf-8")
        self.by_file: dict[str, int] = {}
        self.total = 0

    def write(self, rejects: list[dict]) -> None:
        for r in rejects:
            self.f.write(json.dumps(r, ensure_ascii=False) + "\n")
            self.by_file[r["file"]] = self.by_file.get(r["file"], 0) + 1
        self.total += len(rejects)

    def close(self) -> None:
        self.f.close()


def find_table_files(export_dir: Path, table: str) -> list[Path]:
    """Every file of a table (an export split over formats is read whole, in FORMATS order)."""
    return [export_dir / f"{table}{ext}" for ext in FORMATS if (export_dir / f"{table}{ext}").is_file()]


def check_export(export_dir: Path) -> Path:
    """The export folder exists and holds the one mandatory table (checked before anything is written)."""
    export_dir = Path(export_dir)
    if not export_dir.is_dir():
        raise ExportError(f"{export_dir}: not a folder", file=export_dir,
                          hint="give the folder that holds accounts.jsonl (or .csv, .parquet)")
    if not find_table_files(export_dir, "accounts"):
        raise ExportError(
            f"{export_dir}: no accounts table (the one mandatory table): expected one of "
            + ", ".join(f"accounts{e}" for e in FORMATS), file=export_dir,
            hint="is this the export folder? it must hold the accounts table")
    return export_dir


def ingest_export(export_dir: Path, ws: Workspace, rejects_path: Path,
                  pieces: Callable[[Path, str], Iterator[Piece]] | None = None) -> IngestReport:
    """Read every contract table of `export_dir` into `ws`; bad records go to `rejects_path`.

    `pieces(path, table)` gives a file's parsed pieces in line order, absolute lines (default:
    parsed here; the Spark engine passes the pieces its executors parsed)."""
    pieces = pieces or _pieces
    export_dir = check_export(export_dir)
    report = IngestReport()
    log = RejectLog(Path(rejects_path))
    try:
        for table in TABLES:
            files = find_table_files(export_dir, table)
            report.files[table] = [p.name for p in files]
            with ws.writer(table, schemas.INPUT_TABLES[table]) as writer:
                batcher = _RowGroups(writer)
                for path in files:
                    missing = missing_columns(path, table)
                    if missing:
                        _refuse(path, table, missing, report, log)
                        continue
                    for piece in pieces(path, table):
                        batcher.add(piece.table)
                        log.write(piece.rejects)
                batcher.flush()
            report.counts[table] = writer.rows
    finally:
        log.close()
    report.rejects, report.rejects_by_file = log.total, dict(log.by_file)
    return report


def missing_columns(path: Path, table: str) -> list[str]:
    """Required columns a CSV or Parquet file's header lacks (JSON lines have no header: each record
    is checked on its own). A header is checked once, so a table missing a column is one problem,
    not one reject per row."""
    from vigil.ingest.records import TABLES as FIELDS

    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        import csv
        import io

        from vigil.ingest.jsonl import open_gzip

        with (open_gzip(path) if name.endswith(".gz") else open(path, "rb")) as f:
            first = io.TextIOWrapper(f, encoding="utf-8-sig", errors="replace", newline="").readline()
        if not first.strip():
            return []
        columns = {c.strip() for c in next(csv.reader([first]))}
    elif name.endswith(".parquet"):
        import pyarrow.parquet as pq

        columns = set(pq.read_schema(path).names)
    else:
        return []
    return [f.name for f in FIELDS[table] if f.required and f.name not in columns]


def _refuse(path: Path, table: str, missing: list[str], report: IngestReport, log: RejectLog) -> None:
    """A header without a required column: the file is refused whole. `accounts` is the one
    mandatory table, so the run stops; any other table is skipped with one reject and a loud
    warning, the run goes on and the command exits non-zero (the investigator must know that a
    whole table was not used)."""
    reason = (f"{table} header lacks required column(s) {', '.join(missing)}: "
              f"the whole file was not read (the contract's {table} columns are needed)")
    if table == "accounts":
        raise ExportError(f"{path}:1: {reason}", file=path, line=1, field=missing[0],
                          hint=f"add the column(s) {', '.join(missing)} to the header (line 1)")
    log.write([{"file": path.name, "line": 1, "field": ",".join(missing), "reason": reason, "record": ""}])
    report.refused[path.name] = missing
    progress.console.log(f"[bold red]WARNING[/] {path}:1: {reason}")


class _RowGroups:
    def __init__(self, writer):
        self.writer, self.tables, self.rows = writer, [], 0

    def add(self, t: pa.Table) -> None:
        if t.num_rows:
            self.tables.append(t)
            self.rows += t.num_rows
            if self.rows >= ROW_GROUP_ROWS:
                self.flush()

    def flush(self) -> None:
        if self.tables:
            self.writer.write(pa.concat_tables(self.tables))
            self.tables, self.rows = [], 0


def _pieces(path: Path, table: str) -> Iterator[Piece]:
    name = path.name
    size = path.stat().st_size
    with progress.task(f"ingest {name}", total=size) as bar:
        if name.endswith((".jsonl", ".jsonl.gz")):
            from vigil.ingest.jsonl import JsonBlockParser, read_blocks

            parser = JsonBlockParser(table, name)
            yield from _in_parallel(parser, read_blocks(path, done=lambda n: bar.update(completed=n)))
        elif name.endswith((".csv", ".csv.gz")):
            from vigil.ingest.csvfile import CsvReader

            reader = CsvReader(path, table)
            yield from _advance(_in_parallel(reader, reader.works()), bar, size)
        else:
            from vigil.ingest.parquetfile import parquet_pieces

            yield from _advance(parquet_pieces(path, table), bar, size)


def _advance(pieces: Iterator[Piece], bar, size: int) -> Iterator[Piece]:
    yield from pieces
    bar.update(completed=size)


def _in_parallel(parse: Callable[[object], Piece], blocks) -> Iterator[Piece]:
    """Parse blocks on worker threads; yield their pieces in input order, lines made absolute
    (a piece that knows its absolute lines already says it covers 0 lines)."""
    pool = _pool()
    pending: deque = deque()
    offset = 0

    def next_piece() -> Piece:
        nonlocal offset
        piece = pending.popleft().result().shift(offset)
        offset += piece.lines
        return piece

    try:
        for block in blocks:
            pending.append(pool.submit(parse, block))
            while len(pending) >= IN_FLIGHT:
                yield next_piece()
        while pending:
            yield next_piece()
    finally:
        for fut in pending:  # an error (or an abandoned generator): leave no work queued
            fut.cancel()


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One pool for the process: its threads keep their DuckDB connections between files."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(WORKERS, thread_name_prefix="ingest")
    return _POOL
