"""Writing a world as a platform export: mixed formats, RFC 3339 variants, a few broken lines.

Broken lines are *extra* lines (corrupted copies of real records), so the valid data equals the
generated data and the truth stays exact; every one is listed in truth_rejects.txt with its file,
physical line number (1-based; a CSV header is line 1) and reason.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

REQUIRED = {
    "accounts": ("platform", "account_id"),
    "posts": ("platform", "post_id", "account_id"),
    "edges": ("platform", "src", "dst", "kind"),
    "recommendations": ("platform", "viewer_id", "surface", "item_id"),
}
TIME_FIELD = {"accounts": "created_at", "posts": "created_at", "edges": "created_at", "recommendations": "shown_at"}
COLUMNS = {
    "accounts": ["platform", "account_id", "handle", "display_name", "bio", "created_at", "links", "followers_count",
                 "following_count", "profile_image", "profile_image_pdq"],
    "posts": ["platform", "post_id", "account_id", "created_at", "kind", "text", "hashtags", "reply_to", "media"],
    "edges": ["platform", "src", "dst", "kind", "created_at", "count"],
    "recommendations": ["platform", "viewer_id", "surface", "item_id", "item_kind", "query", "rank", "shown_at"],
}
# Free text (escaped for JSON, "" kept as an empty value) and columns holding JSON already (lists,
# media objects: rendered once where they are made; written as is in JSON, as their text in CSV).
TEXT_COLUMNS = {"handle", "display_name", "bio", "text", "query"}
EMPTY_KEPT = TEXT_COLUMNS - {"query"}  # an empty query is no query: left out
JSON_COLUMNS = {"links", "hashtags", "media"}
BAD_TIMES = ["2024-13-45T99:00:00Z", "yesterday", "31/02/2024 10:00", "2024-02-30T10:00:00Z", "not-a-date"]


def _corrupt_json(table: str, rec: dict, rng: np.random.Generator) -> tuple[str, str]:
    line = json.dumps(rec, ensure_ascii=False)
    options = ["truncated", "single_quotes", "trailing_comma", "not_object", "missing", "wrong_type", "bad_time"]
    if table == "edges":
        options.append("edge_kind")
    if table == "recommendations":
        options.append("surface")
    c = options[int(rng.integers(len(options)))]
    req = REQUIRED[table]
    if c == "truncated":
        return line[: max(2, len(line) // 2)], "bad json (truncated)"
    if c == "single_quotes":
        return line.replace('"', "'"), "bad json (single quotes)"
    if c == "trailing_comma":
        return line[:-1] + ",}", "bad json (trailing comma)"
    if c == "not_object":
        return [json.dumps(list(rec.values())[:3]), '"' + str(rec.get(req[-1])) + '"', "42", "null"][int(rng.integers(4))], "not an object"
    if c == "missing":
        f = req[int(rng.integers(len(req)))]
        return json.dumps({k: v for k, v in rec.items() if k != f}, ensure_ascii=False), f"missing required field {f}"
    if c == "wrong_type":
        f = req[int(rng.integers(len(req)))]
        bad = dict(rec)
        bad[f] = [int(rng.integers(1, 10**6))] if rng.random() < 0.3 else int(rng.integers(1, 10**6))
        return json.dumps(bad, ensure_ascii=False), f"wrong type for {f}"
    if c == "edge_kind":
        return json.dumps({**rec, "kind": ["poke", "block", "subscribe"][int(rng.integers(3))]}), "unknown edge kind"
    if c == "surface":
        return json.dumps({**rec, "surface": ["reels_tab", "for_you", "trending"][int(rng.integers(3))]}), "unknown surface"
    return json.dumps({**rec, TIME_FIELD[table]: BAD_TIMES[int(rng.integers(len(BAD_TIMES)))]}, ensure_ascii=False), "bad timestamp"


def _corrupt_csv(table: str, rec: dict, rng: np.random.Generator) -> tuple[dict, str]:
    options = ["bad_time"] + (["edge_kind"] if table == "edges" else []) + (["surface"] if table == "recommendations" else [])
    c = options[int(rng.integers(len(options)))]
    if c == "edge_kind":
        return {**rec, "kind": "poke"}, "unknown edge kind"
    if c == "surface":
        return {**rec, "surface": "reels_tab"}, "unknown surface"
    return {**rec, TIME_FIELD[table]: BAD_TIMES[int(rng.integers(len(BAD_TIMES)))]}, "bad timestamp"


def _csv_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _rfc3339_arrow(ts: np.ndarray, rng: np.random.Generator, variety: float = 0.05) -> pa.Array:
    """Epoch seconds as RFC 3339 text in Arrow; a share with an offset or fractions (both valid)."""
    base = pc.strftime(pa.array(np.asarray(ts, dtype=np.int64), pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
    r = rng.random(len(ts))
    suffix = np.full(len(ts), "Z", dtype=object)
    suffix[r < variety / 2] = "+00:00"
    frac = (r >= variety / 2) & (r < variety)
    suffix[frac] = [f".{m:03d}Z" for m in rng.integers(0, 1000, size=int(frac.sum()))]
    return pc.binary_join_element_wise(base, pa.array(suffix, pa.string()), "")


def _json_fragment(name: str, col: pa.Array) -> pa.Array:
    """`"name":value` per row (null where the value is missing, so the key is left out)."""
    key = pa.scalar(f'"{name}":')
    if pa.types.is_integer(col.type):
        return pc.binary_join_element_wise(key, pc.cast(col, pa.string()), "")
    if name in JSON_COLUMNS:
        return pc.binary_join_element_wise(key, col, "")
    if name not in TEXT_COLUMNS:  # ids, kinds, timestamps: nothing to escape
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        return pc.binary_join_element_wise(pa.scalar(f'"{name}":"'), col, pa.scalar('"'), "")
    enc = pc.dictionary_encode(col)
    # JSON-escape each distinct value once (kinds and queries repeat a lot).
    values = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in enc.dictionary.to_pylist()],
                      pa.string())
    return pc.binary_join_element_wise(key, pc.take(values, enc.indices), "")


def _lines_buffer(lines: pa.Array) -> tuple[np.ndarray, memoryview]:
    """Line start offsets and the bytes of all lines, each ending in a newline."""
    arr = pc.cast(pc.binary_join_element_wise(lines, pa.scalar("\n"), ""), pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    return offsets, memoryview(arr.buffers()[2])


class Coded:
    """A column as codes into labels (`labels[codes]`), made into values a batch at a time: a big
    table's ids and names stay one array of ints instead of one object reference per row."""

    def __init__(self, labels, codes: np.ndarray):
        self.labels, self.codes = np.asarray(labels, dtype=object), np.asarray(codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, key):
        return self.labels[self.codes[key]]


def _kind_of(col) -> str:
    """The numpy dtype kind of a column's values (without making a Coded column's values)."""
    return "O" if isinstance(col, Coded) else np.asarray(col).dtype.kind


BATCH_ROWS = 200_000  # rows rendered at a time: bounds memory on big worlds


def write_columns(folder: Path, table: str, cols: dict[str, np.ndarray], fmt: str, n_broken: int,
                  rng: np.random.Generator) -> list[str]:
    """Stream a table held as columns into one file, rendered in Arrow batch by batch; returns the
    truth lines `file:line reason` of the broken lines inserted (before randomly chosen records).

    None is a missing value: left out of JSON, empty in CSV; so is "" except in EMPTY_KEPT.
    Columns beyond the contract's (an exporter's extras) go to JSON only: CSV has a fixed header."""
    names = [c for c in COLUMNS[table] if c in cols]
    if fmt != "csv":
        names += [c for c in cols if c not in COLUMNS[table]]
    name = f"{table}.{fmt}"
    path = folder / name
    n = len(cols[names[0]])

    kinds = {c: _kind_of(cols[c]) for c in names}
    times = {c for c in names if c in TIME_FIELD.values() and kinds[c] in "iu"}
    labels = {c: pa.array([None if x == "" and c not in EMPTY_KEPT else x for x in cols[c].labels], pa.string())
              for c in names if isinstance(cols[c], Coded)}

    def batch(lo: int, hi: int) -> pa.Table:
        arrays = {}
        for c in names:
            if isinstance(cols[c], Coded):  # looked up in Arrow: no Python object per row
                arrays[c] = pc.take(labels[c], pa.array(cols[c].codes[lo:hi]))
                continue
            v = cols[c][lo:hi]
            if c in times:  # epoch seconds -> RFC 3339 text, formatted a batch at a time
                arrays[c] = _rfc3339_arrow(np.asarray(v), rng)
            elif kinds[c] in "iu":
                arrays[c] = pa.array(np.asarray(v, dtype=np.int64))
            elif c in EMPTY_KEPT or c in JSON_COLUMNS:
                arrays[c] = pa.array(v, pa.string())
            else:
                arrays[c] = pa.array([None if x == "" else x for x in v], pa.string())
        return pa.table(arrays)

    if fmt == "parquet":
        with pq.ParquetWriter(path, batch(0, 0).schema, compression="zstd") as w:
            for lo in range(0, n, BATCH_ROWS):
                w.write_table(batch(lo, min(n, lo + BATCH_ROWS)))
        return []
    n_broken = min(n_broken, max(0, n // 20))
    at = np.sort(rng.choice(n, size=n_broken, replace=False)) if n_broken else np.zeros(0, np.int64)
    truth: list[str] = []

    def rec(i: int) -> dict:
        out = {}
        for c in names:
            v = cols[c][i]
            if c in times:
                out[c] = str(np.datetime_as_string(np.datetime64(int(v), "s"), unit="s")) + "Z"
            elif kinds[c] in "iu":
                out[c] = int(v)
            elif c in JSON_COLUMNS:
                if v is not None:
                    out[c] = json.loads(v)
            elif v is not None and (v != "" or c in EMPTY_KEPT):
                out[c] = v
        return out

    raw = open(path, "wb")
    out = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) if fmt == "jsonl.gz" else raw
    inserted = 0
    try:
        if n == 0 and fmt == "csv":
            out.write((",".join(names) + "\n").encode("utf-8"))
        for lo in range(0, n, BATCH_ROWS):
            hi = min(n, lo + BATCH_ROWS)
            tbl = batch(lo, hi)
            if fmt == "csv":
                buf = io.BytesIO()
                pacsv.write_csv(tbl, buf, pacsv.WriteOptions(include_header=lo == 0))
                data = buf.getvalue()
                # No field holds a newline, so newlines end rows; skip the header line's start.
                starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1])
                offsets = starts[1:] if lo == 0 else starts
                first_line = lo + 2  # physical line of row `lo` before any insertion (header = 1)
            else:
                frags = [_json_fragment(c, tbl.column(c).combine_chunks()) for c in names]
                body = pc.binary_join_element_wise(*frags, ",", null_handling="skip")
                lines = pc.binary_join_element_wise(pa.scalar("{"), body, pa.scalar("}"), "")
                offsets, data = _lines_buffer(lines)
                first_line = lo + 1
            prev = 0
            for i in at[(at >= lo) & (at < hi)]:
                cut = int(offsets[i - lo])
                out.write(data[prev:cut])
                if fmt == "csv":
                    bad, reason = _corrupt_csv(table, rec(int(i)), rng)
                    sio = io.StringIO()
                    csv.writer(sio, lineterminator="\n").writerow([_csv_cell(bad.get(c)) for c in names])
                    out.write(sio.getvalue().encode("utf-8"))
                else:
                    bad, reason = _corrupt_json(table, rec(int(i)), rng)
                    out.write((bad + "\n").encode("utf-8"))
                truth.append(f"{name}:{int(i) - lo + first_line + inserted} {reason}")
                inserted += 1
                prev = cut
            out.write(data[prev:])
    finally:
        if out is not raw:
            out.close()
        raw.close()
    return truth
