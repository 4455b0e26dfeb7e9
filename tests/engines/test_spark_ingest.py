"""Spark ingest on a fixture of the hard cases: bad JSON lines of every kind (tests/ingest's
CASES), a BOM, CRLF, a line longer than a block, a last line without its newline, gzip, CSV
records spanning lines and failing each rule, Parquet rows of the wrong type, a refused header.
Blocks are made tiny so a file is many tasks; tables and rejects.jsonl must be the embedded
ones exactly."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.ingest.conftest import ACCOUNT, EDGE, POST, REC
from tests.ingest.test_records import CASES
from vigil.ingest import jsonl
from vigil.ingest.export import TABLES, ingest_export
from vigil.workspace import Workspace

BLOCK = 512  # bytes: a few lines a block, so block cuts, growth and line offsets are all exercised


def _lines(table: str, good: dict) -> list[str]:
    out = []
    for i, (t, line, _, _) in enumerate(c for c in CASES if c[0] == table):
        out += [json.dumps({**good, **_id(table, i)}) for _ in range(3)] + [line]
    return out


def _id(table: str, i: int) -> dict:
    key = {"accounts": "account_id", "posts": "post_id", "edges": "src", "recommendations": "item_id"}[table]
    return {key: f"k{i}"}


@pytest.fixture
def export(tmp_path) -> Path:
    return write_export(tmp_path / "export")


def write_export(e: Path) -> Path:
    e.mkdir()
    accounts = _lines("accounts", ACCOUNT) + [json.dumps({**ACCOUNT, "bio": "x" * 3000, "lang": 1.5})]
    (e / "accounts.jsonl").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(accounts).encode() + b"\r\n"
                                       + json.dumps({**ACCOUNT, "account_id": "last"}).encode())  # no final newline
    (e / "accounts.csv").write_text(
        "platform,account_id,bio,followers_count,links,lang\n"
        'photogram,1,"two\nlines",3,"[""https://a.example""]",en\n'
        "photogram,,no id,3,,\n"
        "photogram,2,x,three,,\n"
        "photogram,3,x,3,not json,\n"
        "photogram,4,x\n"
        "\n"
        'photogram,6,"quoted\n\nover three",4.0,[],de\n'
        "photogram,5,ok,4.0,[],de\n", encoding="utf-8")
    with gzip.open(e / "posts.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(_lines("posts", POST)) + "\n")
    (e / "edges.jsonl").write_text("\n".join(_lines("edges", EDGE) * 3) + "\n", encoding="utf-8")
    pq.write_table(pa.table({"platform": ["p"] * 5, "src": ["1", "2", "3", "4", "5"], "dst": ["2", "1", "1", "1", "1"],
                             "kind": ["follow", "like", "befriend", "follow", "follow"],
                             "count": pa.array([3, None, 1, 2, 1], pa.int32())}),
                   e / "edges.parquet", row_group_size=2)
    (e / "recommendations.jsonl").write_text("\n".join(_lines("recommendations", REC)) + "\n", encoding="utf-8")
    (e / "recommendations.csv").write_text("platform,surface,item_id\np,search,1\n", encoding="utf-8")  # refused
    return e


def _tables(ws: Workspace) -> dict:
    return {t: ws.read(t).to_pylist() for t in TABLES}


def test_spark_ingest_equals_embedded(spark, export, tmp_path, monkeypatch):
    from vigil.engines.spark import ingest as spark_ingest_mod
    from vigil.ingest import parquetfile

    monkeypatch.setattr(jsonl, "BLOCK_BYTES", BLOCK)
    monkeypatch.setattr(parquetfile, "BATCH_ROWS", 2)  # batches across row groups, as Parquet reads them
    emb_ws = Workspace(tmp_path / "emb" / "workspace")
    emb = ingest_export(export, emb_ws, tmp_path / "emb" / "rejects.jsonl")

    spk_ws = Workspace(tmp_path / "spk" / "workspace")
    spk, stats = spark_ingest_mod.spark_ingest(spark, export, spk_ws, tmp_path / "spk" / "rejects.jsonl",
                                               block_bytes=BLOCK, batch_rows=2)
    assert stats["tasks_by_kind"]["jsonl"] > 10, "the JSON Lines files were not cut into many blocks"
    emb_rejects = (tmp_path / "emb" / "rejects.jsonl").read_bytes()
    assert emb_rejects.count(b"\n") > 60, "the fixture rejected too little to compare"
    assert (tmp_path / "spk" / "rejects.jsonl").read_bytes() == emb_rejects
    assert (spk.counts, spk.rejects, spk.rejects_by_file, spk.refused) == (emb.counts, emb.rejects,
                                                                         emb.rejects_by_file, emb.refused)
    assert _tables(spk_ws) == _tables(emb_ws)
    assert not (spk_ws.root / spark_ingest_mod.STAGING).exists()


@pytest.mark.parametrize("text", [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf{}\n", b"a\nbb\n", b"x" * 40, b"a\n" + b"y" * 100 + b"\nz",
                                  b"\n\n\n", b"\xef\xbb\xbf" + b"q" * 30 + b"\r\n" + b"w" * 9,
                                  b"y" * 20 + b"\n" + b"a\n" * 40])  # short lines after the block grew
def test_block_ranges_are_the_embedded_readers_blocks(tmp_path, text):
    from vigil.ingest.jsonl import block_ranges

    path = tmp_path / "t.jsonl"
    path.write_bytes(text)
    for size in (4, 16, 64):
        ranges = list(block_ranges(path, size))
        got = [text[s:e] + (b"\n" if nl else b"") for s, e, nl in ranges]
        assert got == [bytes(b) for b in jsonl.read_blocks(path, size)]
        # what the rule promises, independent of the reader that uses it: whole lines, nothing lost
        body = text[3:] if text.startswith(b"\xef\xbb\xbf") else text
        assert b"".join(got) == body + (b"\n" if text and not body.endswith(b"\n") else b"")
        assert all(b.endswith(b"\n") for b in got)
        assert [e for _, e, _ in ranges[:-1]] == [s for s, _, _ in ranges[1:]]
