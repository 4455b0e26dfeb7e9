"""A piece of a table: the rows one block of input yields, and the records it rejects.

Fast-path rows (Arrow) and reference rows (one record at a time) meet here, get the same
finishing (extras, hashtags, line order) and leave in the workspace's table layout.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil import schemas
from vigil.ingest import columnar
from vigil.ingest.records import CSV, JSON, Reject, check_record, drop_nulls, dump_extra, load_json_object
from vigil.ingest.contract import field_names

RECORD_CHARS = 2048  # a reject keeps this much of the record: enough to see it, bounded in size
# A hashtag is '#' + letters/digits/underscore, not glued to a preceding word ("a#b" is no tag).
HASHTAG_RE = r"(?:^|[^\pL\pN_&#])#([\pL\pN_]+)"

_local = threading.local()


def duck() -> duckdb.DuckDBPyConnection:
    """One single-threaded DuckDB connection per worker thread (the workers are the parallelism)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET threads=1")
        con.execute("SET enable_progress_bar=false")
        _local.con = con
    return con


@dataclass
class Piece:
    table: pa.Table
    rejects: list[dict] = field(default_factory=list)
    lines: int = 0  # lines of input the piece covers (JSON Lines blocks: for numbering the next one)

    def shift(self, offset: int) -> "Piece":
        """Make block-relative line numbers absolute."""
        if offset:
            i = self.table.schema.get_field_index("_line")
            self.table = self.table.set_column(i, "_line", pc.add(self.table.column(i), offset))
            for r in self.rejects:
                r["line"] += offset
        return self


class PieceBuilder:
    def __init__(self, table: str, file: str):
        self.table, self.file = table, file
        self.target = schemas.INPUT_TABLES[table]
        self.known = field_names(table)
        self.parsed: list[pa.Table] = []
        self.ref_rows: list[dict] = []
        self.rejects: list[dict] = []

    # --- the reference path -------------------------------------------------------------------
    def reject(self, line: int, reason: str, field_name: str | None, record: str) -> None:
        self.rejects.append({
            "file": self.file, "line": int(line), "table": self.table, "reason": reason,
            "field": field_name, "record": record[:RECORD_CHARS],
        })

    def reference_json(self, text: str, line: int, raw: bytes | None = None) -> None:
        try:
            if raw is not None:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise Reject(f"invalid utf-8 at byte {e.start}") from None
            row = check_record(load_json_object(text), self.table, JSON)
        except Reject as r:
            self.reject(line, r.reason, r.field, text)
            return
        self._accept(row, line)

    def reference_obj(self, obj: dict, line: int, record: str, flavour: str = CSV) -> None:
        try:
            row = check_record(obj, self.table, flavour)
        except Reject as r:
            self.reject(line, r.reason, r.field, record)
            return
        self._accept(row, line)

    def _accept(self, row: dict, line: int) -> None:
        row["_file"], row["_line"] = self.file, int(line)
        self.ref_rows.append(row)

    # --- the fast path ------------------------------------------------------------------------
    def add_parsed(self, tb: pa.Table, line_nos: np.ndarray, *, extra: pa.Array | None = None, text_of=None,
                   reference=None, pre_doubt: np.ndarray | None = None) -> None:
        """Validate Arrow-parsed rows; doubtful ones (and `pre_doubt`) go to the reference validator.

        `text_of(row)` gives (text, raw bytes) of a row for the JSON reference path; `reference`,
        when given, is called with the row index instead (CSV, Parquet). `extra`: the rows'
        unknown fields as JSON text."""
        cols, doubt = columnar.validate(tb, self.table)
        if pre_doubt is not None:
            doubt |= pre_doubt
        for r in np.flatnonzero(doubt):
            if reference is not None:
                reference(int(r))
            else:
                text, raw = text_of(int(r))
                self.reference_json(text, int(line_nos[r]), raw)
        n = tb.num_rows
        if extra is None:
            extra = pa.nulls(n, pa.string())
        arrays = []
        for f in self.target:
            if f.name in cols:
                arrays.append(cols[f.name])
            elif f.name == "extra":
                arrays.append(extra)
            elif f.name == "_file":
                arrays.append(pa.repeat(pa.scalar(self.file, pa.string()), n))
            elif f.name == "_line":
                arrays.append(pa.array(np.asarray(line_nos, dtype=np.int64)))
        out = pa.Table.from_arrays(arrays, schema=self.target)
        if doubt.any():
            out = out.filter(pa.array(~doubt))
        self.parsed.append(out)

    def finish(self) -> Piece:
        tables = list(self.parsed)
        if self.ref_rows:
            tables.append(pa.Table.from_pylist(self.ref_rows, schema=self.target))
        table = pa.concat_tables(tables) if tables else self.target.empty_table()
        if self.ref_rows or len(self.parsed) > 1:
            table = table.sort_by("_line")
        if self.table == "posts" and table.num_rows:
            table = fill_hashtags(table)
        self.rejects.sort(key=lambda r: r["line"])
        return Piece(table, self.rejects)


def json_extras(lines: pa.Array, known: list[str]) -> pa.Array:
    """The unknown fields of each JSON line, as JSON text (null when there are none)."""
    patch = json.dumps({k: None for k in known}).replace("'", "''")
    if lines.null_count == len(lines):
        return pa.nulls(len(lines), pa.string())
    try:
        con = duck()
        con.register("lines_tbl", pa.table({"line": lines}))
        try:
            res = con.sql(
                "SELECT CASE WHEN line IS NULL THEN NULL ELSE "
                f"nullif(json_merge_patch('{{}}', json_merge_patch(line, '{patch}'))::VARCHAR, '{{}}') END AS extra FROM lines_tbl"
            ).to_arrow_table()
        finally:
            con.unregister("lines_tbl")
        return res.column(0).combine_chunks().cast(pa.string())
    except duckdb.Error:
        out = []
        for s in lines.to_pylist():
            if s is None:
                out.append(None)
                continue
            obj = json.loads(s)
            extra = drop_nulls({k: v for k, v in obj.items() if k not in known})
            out.append(dump_extra(extra) if extra else None)
        return pa.array(out, pa.string())


def column_extras(tb: pa.Table, names: list[str]) -> pa.Array:
    """Unknown columns (CSV, Parquet, simple JSON ones) as one JSON object per row, nulls left out."""
    if not names:
        return pa.nulls(tb.num_rows, pa.string())
    fast = _arrow_extras(tb, names)
    if fast is not None:
        return fast
    con = duck()
    con.register("extra_tbl", tb.select(names))
    try:
        parts = ", ".join(
            f"CASE WHEN \"{n}\" IS NULL THEN NULL ELSE to_json({_sql_str(n)}) || ':' || to_json(\"{n}\") END"
            for n in (x.replace('"', '""') for x in names)
        )
        res = con.sql(f"SELECT nullif('{{' || concat_ws(',', {parts}) || '}}', '{{}}') FROM extra_tbl").to_arrow_table()
    finally:
        con.unregister("extra_tbl")
    return res.column(0).combine_chunks().cast(pa.string())


_CONTROL = r"[\x00-\x1f]"


def _arrow_extras(tb: pa.Table, names: list[str]) -> pa.Array | None:
    """The common case (strings without control characters, integers, booleans) in Arrow alone;
    None when a column needs a real JSON encoder."""
    members = []
    for name in names:
        col = tb.column(name)
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            if pc.any(pc.match_substring_regex(col, _CONTROL)).as_py():
                return None
            text = pc.replace_substring(pc.replace_substring(col, "\\", "\\\\"), '"', '\\"')
            value = pc.binary_join_element_wise('"', text, '"', "")
        elif pa.types.is_integer(t):
            value = col.cast(pa.string())
        elif pa.types.is_boolean(t):
            value = pc.if_else(col, "true", "false")
        else:
            return None
        members.append(pc.binary_join_element_wise(json.dumps(name, ensure_ascii=False) + ":", value, ""))
    # (binary_join_element_wise with null_handling="skip" drops rows in pyarrow 26: fold instead)
    joined = members[0]
    for m in members[1:]:
        joined = pc.coalesce(pc.binary_join_element_wise(joined, m, ","), joined, m)
    out = pc.binary_join_element_wise("{", joined, "}", "")
    return (out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out).cast(pa.string())


def _sql_str(s: str) -> str:
    return "'" + s.replace('""', '"').replace("'", "''") + "'::VARCHAR"


def fill_hashtags(table: pa.Table) -> pa.Table:
    """Contract: a post without `hashtags` has the ones written in its text."""
    tags = table.column("hashtags")
    missing = pc.and_(pc.is_null(tags), pc.is_valid(table.column("text")))
    if not pc.any(missing).as_py():
        return table
    con = duck()
    con.register("posts_tbl", table.select(["hashtags", "text"]))
    try:
        res = con.sql(
            "SELECT CASE WHEN hashtags IS NULL AND text IS NOT NULL "
            f"THEN regexp_extract_all(text, '{HASHTAG_RE}', 1) ELSE hashtags END FROM posts_tbl"
        ).to_arrow_table()
    finally:
        con.unregister("posts_tbl")
    col = res.column(0).combine_chunks().cast(pa.list_(pa.string()))
    return table.set_column(table.schema.get_field_index("hashtags"), "hashtags", col)
