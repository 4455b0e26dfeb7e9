"""CSV tables: RFC 4180 records (quoted fields may span lines), list fields as JSON text.

The line of a record is the physical line it starts on (the header is line 1), so a reject
points at the line an editor shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from vigil.ingest.contract import TABLES
from vigil.ingest.jsonl import open_gzip
from vigil.ingest.pieces import Piece, PieceBuilder, column_extras
from vigil.ingest.records import CSV
from vigil.ingest.typed import text_to_parse_type

BATCH_ROWS = 1 << 16
csv.field_size_limit(1 << 26)


class _PhysicalLines:
    """Feeds csv.reader line by line, remembering the text of the record being read."""

    def __init__(self, f):
        self.f, self.consumed, self.first = f, [], True

    def __iter__(self):
        # newline="": lines end at \n, \r\n or a bare \r, as the csv module counts them;
        # undecodable bytes survive as surrogates, so the record they sit in can be rejected.
        text = io.TextIOWrapper(self.f, encoding="utf-8-sig", errors="surrogateescape", newline="")
        for line in text:
            self.consumed.append(line)
            yield line

    def take(self) -> str:
        text = "".join(self.consumed)
        self.consumed = []
        return text


def csv_pieces(path: Path, table: str) -> Iterator[Piece]:
    with (open_gzip(path) if path.name.endswith(".gz") else open(path, "rb")) as f:
        lines = _PhysicalLines(f)
        reader = csv.reader(lines, strict=False)
        try:
            header = next(reader)
        except StopIteration:
            return
        lines.take()
        header = [h.strip() for h in header]
        batch: list[tuple[int, list[str], str]] = []
        line_no = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:  # e.g. a NUL byte: the record is rejected, reading goes on
                batch.append((line_no, None, f"{e}|" + lines.take()))
                line_no = reader.line_num + 1
                continue
            batch.append((line_no, row, lines.take()))
            line_no = reader.line_num + 1
            if len(batch) >= BATCH_ROWS:
                yield _piece(batch, header, table, path.name)
                batch = []
        if batch:
            yield _piece(batch, header, table, path.name)


def _piece(batch, header: list[str], table: str, file: str) -> Piece:
    out = PieceBuilder(table, file)
    good: list[tuple[int, list[str], str]] = []
    # undecodable bytes became surrogates: look for them record by record only if the batch has any
    suspect = _surrogates("".join(text for _, _, text in batch))
    width = len(header)
    for line, row, text in batch:
        if row is not None and len(row) == width and not suspect:
            good.append((line, row, text.rstrip("\r\n")))
            continue
        record = text.rstrip("\r\n")
        if row is None:
            reason, _, record = text.partition("|")
            out.reject(line, f"bad csv ({reason})", None, record.rstrip("\r\n"))
        elif not row or (len(row) == 1 and not row[0].strip() and len(header) > 1):
            out.reject(line, "empty line", None, record)
        elif len(row) != len(header):
            out.reject(line, f"wrong number of fields ({len(row)}, header has {len(header)})", None, record)
        elif _surrogates(text):
            out.reject(line, "invalid utf-8", None, record.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        else:
            good.append((line, row, record))
    if good:
        cols_text = list(zip(*(r for _, r, _ in good)))
        n = len(good)
        parsed, pre = {}, np.zeros(n, dtype=bool)
        by_name = {h: i for i, h in reversed(list(enumerate(header)))}
        for f in TABLES[table]:
            if f.name in by_name:
                col, bad = text_to_parse_type(f, pa.array(cols_text[by_name[f.name]], pa.string()))
                parsed[f.name] = col
                pre |= bad
        known = {f.name for f in TABLES[table]}
        extra_names = [h for h in header if h not in known and h in by_name and by_name[h] == header.index(h)]
        extra_tb = pa.table({h: _empty_null(cols_text[by_name[h]]) for h in extra_names}) if extra_names else None
        extra = column_extras(extra_tb, extra_names) if extra_names else pa.nulls(n, pa.string())
        tb = pa.table(parsed) if parsed else pa.table({"_": pa.nulls(n)})
        lines_arr = np.array([g[0] for g in good], dtype=np.int64)

        def reference(r: int) -> None:
            line, row, record = good[r]
            obj = {h: (v if v != "" else None) for h, v in zip(header, row)}
            out.reference_obj(obj, line, record, CSV)

        out.add_parsed(tb, lines_arr, extra=extra, reference=reference, pre_doubt=pre)
    return out.finish()


def _empty_null(values) -> pa.Array:
    return pa.array([v if v != "" else None for v in values], pa.string())


def _surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True
