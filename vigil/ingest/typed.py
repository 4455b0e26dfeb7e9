"""Turning typed-but-foreign columns (CSV text, Parquet's own types) into the parse layout.

A value that cannot be converted becomes null and its row is marked doubtful, so the reference
validator sees the original record and names the reason.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.ingest import records
from vigil.ingest.contract import INT, MEDIA, STRLIST, TS, Field, parse_type

_INT_TEXT = r"^[+-]?\d+(\.0*)?$"


def text_to_parse_type(f: Field, col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A CSV text column (empty = absent) -> the field's parse type, and rows that failed."""
    n = len(col)
    col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
    if f.kind == INT:
        ok = pc.match_substring_regex(col, _INT_TEXT)
        bad = _true(pc.and_(pc.is_valid(col), pc.invert(pc.fill_null(ok, False))))
        digits = pc.replace_substring_regex(pc.if_else(ok, col, pa.scalar(None, pa.string())), r"\.0*$", "")
        try:
            return digits.cast(pa.int64()), bad
        except (pa.ArrowInvalid, OverflowError):
            vals = []
            for i, s in enumerate(digits.to_pylist()):
                try:
                    vals.append(None if s is None else records._check_int("x", s, records.CSV))
                except records.Reject:
                    vals.append(None)
                    bad[i] = True
            return pa.array(vals, pa.int64()), bad
    if f.kind in (STRLIST, MEDIA):
        return json_cells(f, col.to_pylist())
    return col, np.zeros(n, dtype=bool)


def json_cells(f: Field, cells: list) -> tuple[pa.Array, np.ndarray]:
    """List fields written as JSON text (or native lists): checked one cell at a time."""
    bad = np.zeros(len(cells), dtype=bool)
    vals = []
    for i, cell in enumerate(cells):
        if cell is None:
            vals.append(None)
            continue
        try:
            v = records._check_value(f, cell, records.CSV) if isinstance(cell, str) else _native(f, cell)
        except records.Reject:
            v, bad[i] = None, True
        vals.append(v)
    return pa.array(vals, parse_type(f)), bad


def _native(f: Field, cell):
    if not isinstance(cell, (list, tuple)):
        raise records.Reject("not a list", f.name)
    items = list(cell)
    if f.kind == MEDIA:
        items = [dict(x) if isinstance(x, dict) else x for x in items]
        return records._check_media(f.name, items)
    return records._check_strlist(f.name, items)


def native_to_parse_type(f: Field, col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A Parquet column of any type -> the field's parse type; values of another type are doubtful."""
    n = len(col)
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_null(t):
        return pa.nulls(n, parse_type(f)), np.zeros(n, dtype=bool)
    if f.kind == TS and pa.types.is_timestamp(t):
        return col, np.zeros(n, dtype=bool)
    if f.kind == INT:
        if pa.types.is_integer(t):
            try:
                return col.cast(pa.int64()), np.zeros(n, dtype=bool)
            except pa.ArrowInvalid:
                pass
        return _wrong_type(f, col)
    if f.kind in (STRLIST, MEDIA):
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_list(t) or pa.types.is_large_list(t):
            return json_cells(f, col.to_pylist())
        return _wrong_type(f, col)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string()), np.zeros(n, dtype=bool)
    return _wrong_type(f, col)


def _wrong_type(f: Field, col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    return pa.nulls(len(col), parse_type(f)), _true(pc.is_valid(col))


def _true(arr) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool).copy()

