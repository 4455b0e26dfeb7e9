"""Parquet tables: read in row batches; a record's "line" is its 1-based row number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vigil.ingest.contract import TABLES
from vigil.ingest.pieces import Piece, PieceBuilder, column_extras
from vigil.ingest.records import PARQUET
from vigil.ingest.typed import native_to_parse_type

BATCH_ROWS = 1 << 17


def parquet_pieces(path: Path, table: str) -> Iterator[Piece]:
    pf = pq.ParquetFile(path)
    known = {f.name for f in TABLES[table]}
    first = 1
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        yield _piece(pa.Table.from_batches([batch]), table, path.name, first, known)
        first += batch.num_rows


def parquet_piece(tb: pa.Table, table: str, file: str, first: int) -> Piece:
    """One batch of rows (`first`: the 1-based row number of its first row), as `parquet_pieces`
    parses it: the Spark engine parses ranges of a file's batches with it."""
    return _piece(tb, table, file, first, {f.name for f in TABLES[table]})


def _piece(tb: pa.Table, table: str, file: str, first: int, known: set[str]) -> Piece:
    out = PieceBuilder(table, file)
    n = tb.num_rows
    parsed, pre = {}, np.zeros(n, dtype=bool)
    for f in TABLES[table]:
        if f.name in tb.column_names:
            col, bad = native_to_parse_type(f, tb.column(f.name).combine_chunks())
            parsed[f.name] = col
            pre |= bad
    extra_names = [c for c in tb.column_names if c not in known]
    extra = column_extras(tb, extra_names)
    line_nos = np.arange(first, first + n, dtype=np.int64)

    def reference(r: int) -> None:
        row = tb.slice(r, 1).to_pylist()[0]
        out.reference_obj(row, first + r, str(row), PARQUET)

    out.add_parsed(pa.table(parsed) if parsed else pa.table({"_": pa.nulls(n)}), line_nos,
                   extra=extra, reference=reference, pre_doubt=pre)
    return out.finish()
