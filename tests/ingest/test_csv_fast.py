"""The fast CSV reader (Arrow over plain blocks) and the exact one (the csv module, line by line)
give the same tables and the same rejects, on tricky files and on generated junk, whatever the
block size (small blocks put block ends everywhere: inside quotes, between CR and LF)."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.ingest.csvfile import CsvReader

BLOCKS = [16, 64, 301, 1 << 20]
HEADER = b"platform,account_id,bio,followers_count,links,lang\r\n"
ROW = 'photogram,{i},"bio {i}",{i},"[""https://a.example/{i}""]",en'

TRICKY = {
    "multi-line quoted fields": b"platform,account_id,bio,links\n"
    b'p,1,"two\nlines",[]\np,2,"three\n\nlines, ""quoted""","[""x""]"\np,3,plain,\n',
    "BOM and CRLF": b"\xef\xbb\xbfplatform,account_id,bio\r\np,1,a\r\np,2,\"b\r\nc\"\r\np,3,d\r\n",
    "bare CR": b"platform,account_id,bio\np,1,a\rp,2,b\np,3,\"x\ry\"\np,4,c\n",
    "NUL byte": b"platform,account_id,bio\np,1,a\x00b\np,2,\"q\x00\"\np,3,c\n",
    "invalid UTF-8": b"platform,account_id,bio\np,1,caf\xe9\np,2,ok\np,3,\"\xff\nx\"\np,4,\xc3\xa9t\xc3\xa9\n",
    "wrong field counts": b"platform,account_id,bio\np,1\np,2,a,b\np,3,ok\n,\np,4,\"a,b\",c\n",
    "empty lines": b"platform,account_id,bio\n\np,1,a\n\r\n   \np,2,b\n\n",
    "extra columns": b"platform,account_id,lang,bio,lang,tier\np,1,en,a,de,\"gold\"\np,2,,b,,\n",
    "quotes inside fields": b"platform,account_id,bio\np,1,ab\"c\np,2,\"ab\"c,d\np,3,\"x\"\"y\"\np,4,\"\"\n",
    "unterminated quote at the end": b"platform,account_id,bio\np,1,a\np,2,\"never closed\np,3,b\n",
    "no final newline": b"platform,account_id,bio\np,1,a\np,2,\"b\"",
    "no final newline after CR": b"platform,account_id,bio\np,1,a\r",
    "bad values": b"platform,account_id,created_at,followers_count,links\n"
    b"p,1,2025-02-30T00:00:00Z,3,[]\np,,2025-01-01T00:00:00Z,x,\np,3,,4.0,\"[1]\"\np,4,,,not json\n",
    "header only": b"platform,account_id\n",
    "blank header": b"\np,1\n",
}


def _read(path, table: str, fast: bool, block: int = 1 << 20):
    reader = CsvReader(path, table, block_bytes=block, fast=fast)
    tables, rejects = [], []
    for work in reader.works():
        piece = reader(work)
        tables.append(piece.table)
        rejects += piece.rejects
    table = pa.concat_tables(tables) if tables else None
    return (table.to_pylist() if table is not None else []), rejects


def _same(path, table: str) -> tuple[list, list]:
    rows, rejects = _read(path, table, fast=False)
    for block in BLOCKS:
        fast_rows, fast_rejects = _read(path, table, fast=True, block=block)
        assert fast_rejects == rejects, block
        assert fast_rows == rows, block
    return rows, rejects


@pytest.mark.parametrize("case", list(TRICKY))
def test_tricky_csv_reads_the_same_both_ways(tmp_path, case):
    path = tmp_path / "accounts.csv"
    path.write_bytes(TRICKY[case])
    _same(path, "accounts")
    gz = tmp_path / "accounts.csv.gz"
    gz.write_bytes(gzip.compress(TRICKY[case]))
    rows, rejects = _read(gz, "accounts", fast=True, block=64)
    plain_rows, plain_rejects = _read(path, "accounts", fast=False)
    assert [{**r, "_file": "accounts.csv"} for r in rows] == plain_rows
    assert [{**r, "file": "accounts.csv"} for r in rejects] == plain_rejects


def test_the_fast_path_really_reads_plain_blocks(tmp_path):
    """A clean file is read by Arrow, block by block, with exact physical lines (a quoted field
    spanning lines moves the next record's line)."""
    body = "".join(ROW.format(i=i) + "\r\n" for i in range(500)).replace('"bio 7"', '"bio\r\nseven"')
    path = tmp_path / "accounts.csv"
    path.write_bytes(HEADER + body.encode())
    reader = CsvReader(path, "accounts", block_bytes=4096)
    works = list(reader.works())
    assert len(works) > 3 and all(type(w).__name__ == "_FastBlock" for w in works)
    rows, rejects = _same(path, "accounts")
    assert rejects == []
    assert [r["_line"] for r in rows[:10]] == [2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert rows[7]["bio"] == "bio\r\nseven" and rows[3]["links"] == ["https://a.example/3"]
    assert json.loads(rows[0]["extra"]) == {"lang": "en"}


def test_an_irregular_stretch_is_read_exactly_and_the_fast_path_resumes(tmp_path):
    rows_before = "".join(ROW.format(i=i) + "\n" for i in range(200))
    bad = 'photogram,x1,ab"c,1,[],en\nphotogram,x2,"open\rstill open",1,[],en\n'
    rows_after = "".join(ROW.format(i=i) + "\n" for i in range(200, 400))
    path = tmp_path / "accounts.csv"
    path.write_bytes(HEADER + (rows_before + bad + rows_after).encode())
    kinds = [type(w).__name__ for w in CsvReader(path, "accounts", block_bytes=2048).works()]
    assert "_ExactBatch" in kinds and kinds[-1] == "_FastBlock"
    rows, rejects = _same(path, "accounts")
    assert len(rows) == 402 and rejects == []
    assert [r["account_id"] for r in rows if r["account_id"].startswith("x")] == ["x1", "x2"]


cells = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", '"', '""', ",", "\n", "\r", "\r\n", "[]", '["a"]', "3", "x\ny", "\x00", "é",
                     "2025-01-01T00:00:00Z", "2025-02-30T00:00:00Z", "follow"]),
)


@st.composite
def csv_bytes(draw):
    header = draw(st.permutations(["platform", "src", "dst", "kind", "created_at", "count", "lang"]))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["good", "good", "good", "quoted", "cells", "raw", "short"]))
        row = ["p", "1", "2", "follow", "2025-01-01T00:00:00Z", "3", "en"]
        row = [row[["platform", "src", "dst", "kind", "created_at", "count", "lang"].index(h)] for h in header]
        if kind == "raw":
            lines.append(draw(st.text(max_size=20)))
            continue
        if kind == "cells":
            for _ in range(draw(st.integers(1, 3))):
                row[draw(st.integers(0, len(row) - 1))] = draw(cells)
        if kind == "short":
            row = row[: draw(st.integers(0, len(row) - 1))]
        if kind == "quoted":
            row = ['"' + c.replace('"', '""') + '"' for c in row]
        lines.append(",".join(row))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(lines) + draw(st.sampled_from(["", end]))
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # a byte that is not UTF-8
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\xff" + raw[at:]
    return raw


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(csv_bytes(), st.sampled_from(BLOCKS))
def test_generated_csv_reads_the_same_both_ways(tmp_path_factory, raw, block):
    path = tmp_path_factory.mktemp("csv") / "edges.csv"
    path.write_bytes(raw)
    assert _read(path, "edges", fast=True, block=block) == _read(path, "edges", fast=False)
