"""The tables a run passes between stages.

Each stage reads and writes named Parquet tables in one folder, so that a stage is a function
over tables (portable to Spark) rather than over a process-wide object, and so that any table
can be inspected with DuckDB after the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from vigil import schemas

# Whole tables are written once and read many times: LZ4 decompresses at memory speed. Streamed
# tables (ingest's 15M-edge tables) skip compression: the writer sits on ingest's critical path,
# and dictionary encoding of the repeated ids already gives most of the size back.
WHOLE_TABLE_COMPRESSION = "lz4"
STREAMED_TABLE_COMPRESSION = "none"


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns a streamed table dictionary-encodes: all but the line numbers and timestamps, whose
    values hardly repeat, so that the writer's dictionary only costs hashing every value before it
    falls back to plain pages (at 100k accounts: edges written ~10% and read ~2x faster, no larger)."""
    return [f.name for f in schema if f.name != "_line" and not pa.types.is_timestamp(f.type)]


@dataclass
class Workspace:
    """A folder of Parquet tables, one file per table name."""

    root: Path
    _written: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.root / f"{name}.parquet"

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def write(self, name: str, table: pa.Table) -> Path:
        """Write a whole table atomically (a half-written table never looks complete), after
        checking it against its declaration in `vigil.schemas.TABLES`."""
        schemas.check_table(name, table.schema)
        target = self.path(name)
        tmp = target.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp, compression=WHOLE_TABLE_COMPRESSION)
        tmp.replace(target)
        self._written[name] = table.num_rows
        return target

    def writer(self, name: str, schema: pa.Schema) -> "TableWriter":
        """Stream record batches into a table in bounded memory."""
        return TableWriter(self, name, schema)

    def read(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """A table as written; a file that breaks its declaration (written by another tool or an
        older version) is refused here, naming table and column, not deep inside a stage."""
        if name in schemas.TABLES:
            schemas.check_table(name, pq.read_schema(self.path(name)))
        return pq.read_table(self.path(name), columns=columns)

    def read_or_empty(self, name: str, schema: pa.Schema) -> pa.Table:
        return self.read(name) if self.has(name) else schema.empty_table()

    def rows(self, name: str) -> int:
        return pq.ParquetFile(self.path(name)).metadata.num_rows if self.has(name) else 0

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with one view per table in the workspace."""
        con = duckdb.connect()
        for p in sorted(self.root.glob("*.parquet")):
            con.execute(f"CREATE VIEW \"{p.stem}\" AS SELECT * FROM read_parquet('{p.as_posix()}')")
        return con


class TableWriter:
    """Appends batches to one Parquet file; the table appears only when closed."""

    def __init__(self, ws: Workspace, name: str, schema: pa.Schema):
        schemas.check_table(name, schema)
        self.ws, self.name, self.schema = ws, name, schema
        self._tmp = ws.path(name).with_suffix(".parquet.tmp")
        self._writer = pq.ParquetWriter(self._tmp, schema, compression=STREAMED_TABLE_COMPRESSION,
                                        use_dictionary=dictionary_columns(schema))
        self.rows = 0

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        if not batch.schema.equals(self.schema):
            schemas.check_table(self.name, batch.schema)
        if batch.num_rows:
            self._writer.write(batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch]))
            self.rows += batch.num_rows

    def close(self) -> None:
        self._writer.close()
        self._tmp.replace(self.ws.path(self.name))
        self.ws._written[self.name] = self.rows

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._writer.close()
            self._tmp.unlink(missing_ok=True)
