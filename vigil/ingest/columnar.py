"""The fast validator: the contract's rules as Arrow compute over a whole block of records.

It never rejects anything itself. It accepts the rows that pass every rule and marks the rest as
*doubtful*; those go to `records.check_record`, which has the last word and names the reason.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil import schemas
from vigil.ingest import records
from vigil.ingest.contract import ENUM, ID, MD5_HEX, MEDIA, PDQ, PDQ_HEX, RFC3339, STRLIST, TABLES, TS, VPDQ_LIST, parse_type

UTC_TS = schemas.TS


def _mask(arr) -> np.ndarray:
    """A boolean Arrow result as numpy, nulls counting as False."""
    arr = pc.fill_null(arr, False)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.to_numpy(zero_copy_only=False)


def _blank(col) -> pa.Array:
    """Null where the text is empty: an empty timestamp or hash is an absent one."""
    shortest = pc.min(pc.binary_length(col)).as_py()
    if shortest is None or shortest > 0:  # the usual case, found without building a mask
        return col
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)


def validate(tb: pa.Table, table: str) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Check and normalise the contract columns of `tb` (parsed types, see contract.parse_type).

    Returns the normalised columns (timestamps as UTC, hashes lowercase, defaults filled) and
    a mask of doubtful rows, which the caller sends to the reference validator.
    """
    n = tb.num_rows
    doubt = np.zeros(n, dtype=bool)
    cols: dict[str, pa.Array] = {}
    for f in TABLES[table]:
        col = tb.column(f.name).combine_chunks() if f.name in tb.column_names else pa.nulls(n, parse_type(f))
        if f.required:
            doubt |= _mask(pc.is_null(col))
            if f.kind == ID:
                doubt |= _mask(pc.equal(col, ""))
        if f.kind == ENUM:
            doubt |= ~_mask(pc.or_kleene(pc.is_null(col), pc.is_in(col, pa.array(f.values))))
            if f.default is not None:
                col = pc.fill_null(col, f.default)
        elif f.kind == PDQ:
            col = _blank(col)
            doubt |= ~_mask(pc.or_kleene(pc.is_null(col), pc.match_substring_regex(col, PDQ_HEX)))
            col = pc.utf8_lower(col)
        elif f.kind == TS:
            col, bad = timestamps(col)
            doubt |= bad
        elif f.kind == STRLIST:
            doubt |= _rows_with(col, pc.is_null(pc.list_flatten(col)))
        elif f.kind == MEDIA:
            col, bad = _media(col)
            doubt |= bad
        cols[f.name] = col
    return cols, doubt


def _rows_with(lists: pa.Array, item_flags) -> np.ndarray:
    """Rows of a list column that hold at least one flagged item."""
    out = np.zeros(len(lists), dtype=bool)
    flags = _mask(item_flags)
    if flags.any():
        parents = pc.list_parent_indices(lists).to_numpy()
        out[parents[flags]] = True
    return out


def timestamps(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """RFC 3339 text (or native timestamps) -> UTC timestamps, and the rows that are not valid."""
    if pa.types.is_timestamp(col.type):
        if col.type.tz is None:
            col = pc.assume_timezone(col, "UTC")
        return col.cast(UTC_TS), np.zeros(len(col), dtype=bool)
    col = _blank(col)
    good = pc.or_kleene(pc.is_null(col), pc.match_substring_regex(col, RFC3339))
    bad = ~_mask(good)
    text = pc.if_else(good, col, pa.scalar(None, pa.string()))
    try:
        return text.cast(UTC_TS), bad
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # Some row holds a form the Arrow parser refuses. A day past its month's end (Feb 30) is not
    # a real instant: bad. The forms it cannot read (lowercase t/z, nanoseconds), and the years
    # where an offset can leave the calendar, go one by one; the rest still in bulk.
    past_month = _past_month_end(text)
    bad |= past_month
    odd = _mask(pc.match_substring_regex(text, ODD_TIMESTAMP)) & ~past_month
    text = pc.if_else(pa.array(past_month | odd), pa.scalar(None, pa.string()), text)
    try:
        bulk = text.cast(UTC_TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # none expected: then all one by one
        bulk, odd = pa.nulls(len(text), UTC_TS), odd | _mask(pc.is_valid(text))
    rows = np.flatnonzero(odd)
    if not len(rows):
        return bulk, bad
    texts = pc.take(col, pa.array(rows)).to_pylist()
    values = [records.parse_timestamp(s) for s in texts]
    bad[rows[[v is None for v in values]]] = True
    return pc.replace_with_mask(bulk, pa.array(odd), pa.array(values, UTC_TS)), bad


# Text the Arrow parser refuses or may judge otherwise than the reference: lowercase t or z,
# more than 6 digits of fraction, and the first and last years (an offset can leave the calendar).
ODD_TIMESTAMP = r"[tz]|\.\d{7}|^(0001|9999)-"
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _past_month_end(text: pa.Array) -> np.ndarray:
    """Rows of RFC 3339-shaped text (or null) whose day does not exist in its month."""
    def part(start: int, stop: int) -> np.ndarray:
        p = pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64())
        return np.asarray(pc.fill_null(p, 1).to_numpy(zero_copy_only=False))

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _MONTH_DAYS[month - 1] + ((month == 2) & leap)
    return day > last


def _media(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    n = len(col)
    items = pc.list_flatten(col)
    if len(items) == 0:
        return col.cast(pa.list_(schemas.MEDIA_ITEM)) if col.type != pa.list_(schemas.MEDIA_ITEM) else col, np.zeros(n, bool)
    mid = pc.struct_field(items, "media_id")
    pdq = _blank(pc.struct_field(items, "pdq"))
    md5 = _blank(pc.struct_field(items, "md5"))
    path = pc.struct_field(items, "path")
    vpdq = _blank(pc.struct_field(items, "vpdq"))
    bad_item = pc.or_kleene(pc.is_null(items), pc.or_kleene(pc.is_null(mid), pc.equal(mid, "")))
    bad_item = pc.or_kleene(bad_item, pc.invert(pc.or_kleene(pc.is_null(pdq), pc.match_substring_regex(pdq, PDQ_HEX))))
    bad_item = pc.or_kleene(bad_item, pc.invert(pc.or_kleene(pc.is_null(md5), pc.match_substring_regex(md5, MD5_HEX))))
    bad_item = pc.or_kleene(bad_item, pc.invert(pc.or_kleene(pc.is_null(vpdq), pc.match_substring_regex(vpdq, VPDQ_LIST))))
    bad = _rows_with(col, bad_item)
    structs = pa.StructArray.from_arrays(
        [mid, pc.utf8_lower(pdq), pc.utf8_lower(md5), path, pc.utf8_lower(vpdq)], fields=list(schemas.MEDIA_ITEM)
    )
    lengths = pc.fill_null(pc.list_value_length(col), 0).to_numpy(zero_copy_only=False)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    rebuilt = pa.ListArray.from_arrays(offsets, structs, type=pa.list_(schemas.MEDIA_ITEM), mask=pc.is_null(col))
    return rebuilt, bad
