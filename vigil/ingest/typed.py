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
        return json_text_cells(f, col)
    return col, np.zeros(n, dtype=bool)


# The common shapes of a list field written as JSON text, which Arrow's JSON reader parses to
# exactly what json.loads gives: a list of strings, or of flat objects with the media keys and
# string (or null) values. Strings: no control characters, no braces (so that a repeated key is
# seen below), escapes other than surrogate ones. Whitespace: spaces and tabs (a cell becomes one
# JSON line). Anything else is checked one cell at a time, as before.
_WS = r"[ \t]*"
_CHARS = r'(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u(?:[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))*'
_STR = r'"(?:[^"\\\x00-\x1f{}]|\\["\\/bfnrt]|\\u(?:[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))*"'
_MEDIA_KEY = r'"(?:media_id|pdq|md5|path|vpdq)"'
_MEDIA_MEMBER = rf"{_MEDIA_KEY}{_WS}:{_WS}(?:{_STR}|null)"
_MEDIA_OBJ = rf"\{{{_WS}(?:{_MEDIA_MEMBER}(?:{_WS},{_WS}{_MEDIA_MEMBER})*)?{_WS}\}}"


def _list_of(item: str) -> str:
    return rf"^{_WS}\[{_WS}(?:{item}(?:{_WS},{_WS}{item})*)?{_WS}\]{_WS}$"


SIMPLE_JSON = {STRLIST: _list_of(f'"{_CHARS}"'), MEDIA: _list_of(_MEDIA_OBJ)}
# an object naming a key twice (json.loads here refuses it; Arrow would keep the last)
_REPEATED = [rf'\{{[^{{}}]*"{k}"{_WS}:[^{{}}]*"{k}"{_WS}:' for k in ("media_id", "pdq", "md5", "path", "vpdq")]


def json_text_cells(f: Field, col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """List fields written as JSON text (empty = absent): the common shapes in bulk with Arrow,
    the rest one cell at a time."""
    simple = _true(pc.match_substring_regex(col, SIMPLE_JSON[f.kind]))
    if f.kind == MEDIA and simple.any():
        for pattern in _REPEATED:
            simple &= ~_true(pc.match_substring_regex(col, pattern))
    present = _true(pc.is_valid(col))
    if not simple.any():
        return json_cells(f, col.to_pylist())
    rows = np.flatnonzero(simple)
    bulk = _parse_json_values(pc.take(col, pa.array(rows)), parse_type(f))
    if bulk is None:  # (not expected: the shapes are valid JSON) one cell at a time
        return json_cells(f, col.to_pylist())
    others = np.flatnonzero(present & ~simple)
    slow, bad_slow = json_cells(f, pc.take(col, pa.array(others)).to_pylist()) if len(others) else (
        pa.array([], parse_type(f)), np.zeros(0, dtype=bool))
    # every row's value from one of: the bulk values, the slow ones, a null (absent cells)
    where = np.full(len(col), len(rows) + len(others), dtype=np.int64)
    where[rows] = np.arange(len(rows))
    where[others] = len(rows) + np.arange(len(others))
    values = pa.concat_arrays([bulk, slow, pa.nulls(1, parse_type(f))])
    bad = np.zeros(len(col), dtype=bool)
    bad[others] = bad_slow
    return values.take(pa.array(where)), bad


def _parse_json_values(cells: pa.Array, typ: pa.DataType) -> pa.Array | None:
    """JSON text values (each on one line) -> Arrow values of `typ`, via one JSON Lines buffer."""
    import pyarrow.json as pj

    lines = pc.binary_join_element_wise(pa.scalar('{"v":'), cells, pa.scalar("}\n"), "")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset: lines.offset + len(lines) + 1]
    data = lines.buffers()[2][int(offsets[0]): int(offsets[-1])]
    try:
        tb = pj.read_json(
            pa.BufferReader(data), read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 64),
            parse_options=pj.ParseOptions(explicit_schema=pa.schema([("v", typ)]), unexpected_field_behavior="error"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if tb.num_rows != len(cells):
        return None
    return tb.column("v").combine_chunks()


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
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return json_text_cells(f, col.cast(pa.string()))
        if f.kind == STRLIST and (pa.types.is_list(t) or pa.types.is_large_list(t)) and _is_text(t.value_type):
            # a native list of strings is what it says (a null item: the fast validator doubts the row)
            return col.cast(parse_type(f)), np.zeros(n, dtype=bool)
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return json_cells(f, col.to_pylist())
        return _wrong_type(f, col)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string()), np.zeros(n, dtype=bool)
    return _wrong_type(f, col)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _wrong_type(f: Field, col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    return pa.nulls(len(col), parse_type(f)), _true(pc.is_valid(col))


def _true(arr) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool).copy()

