"""The same records in JSON Lines, gzip, CSV and Parquet ingest to the same tables."""

from __future__ import annotations

import csv
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.ingest.conftest import ACCOUNT, EDGE, POST, REC, run_ingest, write_jsonl
from vigil.ingest.contract import field_names

RECORDS = {
    "accounts": [ACCOUNT, {**ACCOUNT, "account_id": "101", "links": None, "bio": "line one\nline two, \"quoted\""},
                 {"platform": "chirp", "account_id": "7"}],
    "posts": [POST, {**POST, "post_id": "p2", "hashtags": None, "media": None, "kind": "comment", "reply_to": "p1"}],
    "edges": [EDGE, {**EDGE, "kind": "like", "count": None, "created_at": "2024-06-01T00:00:00.123456-05:30"}],
    "recommendations": [REC, {**REC, "surface": "feed", "item_kind": "post", "item_id": "p1", "query": None}],
}


def _write(export, fmt: str, records: dict) -> None:
    export.mkdir(parents=True)
    for table, recs in records.items():
        names = field_names(table)
        if fmt == "jsonl":
            write_jsonl(export / f"{table}.jsonl", recs)
        elif fmt == "jsonl.gz":
            with gzip.open(export / f"{table}.jsonl.gz", "wt", encoding="utf-8") as f:
                f.writelines(json.dumps(r) + "\n" for r in recs)
        elif fmt == "csv":
            with open(export / f"{table}.csv", "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(names)
                for r in recs:
                    w.writerow(["" if r.get(n) is None else json.dumps(r[n]) if isinstance(r[n], list) else r[n]
                                for n in names])
        elif fmt == "parquet":
            pq.write_table(pa.Table.from_pylist([{n: r.get(n) for n in names} for r in recs]),
                           export / f"{table}.parquet")


def _tables(ws):
    return {t: ws.read(t).drop_columns(["_file", "_line"]).to_pylist() for t in RECORDS}


@pytest.mark.parametrize("fmt", ["jsonl.gz", "csv", "parquet"])
def test_formats_ingest_to_the_same_tables(tmp_path, fmt):
    _write(tmp_path / "ref", "jsonl", RECORDS)
    _write(tmp_path / fmt, fmt, RECORDS)
    ref_report, ref_ws, ref_rejects = run_ingest(tmp_path / "ref", tmp_path / "out_ref")
    report, ws, rejects = run_ingest(tmp_path / fmt, tmp_path / f"out_{fmt}")
    assert ref_rejects == [] and rejects == []
    assert report.counts == ref_report.counts == {t: len(r) for t, r in RECORDS.items()}
    assert _tables(ws) == _tables(ref_ws)


def test_csv_lines_are_physical_and_rejects_name_them(tmp_path):
    export = tmp_path / "e"
    export.mkdir()
    (export / "accounts.csv").write_text(
        "platform,account_id,bio,followers_count,links,lang\n"
        'photogram,1,"two\nlines",3,"[""https://a.example""]",en\n'  # lines 2-3
        "photogram,,no id,3,,\n"  # 4: missing id
        "photogram,2,x,three,,\n"  # 5: not an integer
        "photogram,3,x,3,not json,\n"  # 6: bad list
        "photogram,4,x\n"  # 7: too few fields
        "\n"  # 8: empty
        "photogram,5,ok,4.0,[],de\n",  # 9: fine (an integral 4.0 is 4)
        encoding="utf-8",
    )
    report, ws, rejects = run_ingest(export, tmp_path / "out")
    assert [(r["line"], r["reason"].split(" (")[0], r["field"]) for r in rejects] == [
        (4, "missing required field account_id", "account_id"),
        (5, "wrong type for followers_count", "followers_count"),
        (6, "bad list field links", "links"),
        (7, "wrong number of fields", None),
        (8, "empty line", None),
    ]
    rows = ws.read("accounts").to_pylist()
    assert [(r["account_id"], r["_line"], r["followers_count"]) for r in rows] == [("1", 2, 3), ("5", 9, 4)]
    assert rows[0]["bio"] == "two\nlines" and rows[0]["links"] == ["https://a.example"]
    assert [json.loads(r["extra"]) for r in rows] == [{"lang": "en"}, {"lang": "de"}]


def test_parquet_rows_of_the_wrong_type_are_rejected(tmp_path):
    export = tmp_path / "e"
    export.mkdir()
    pq.write_table(pa.table({"platform": ["p", "p"], "account_id": [1, 2], "tier": ["a", None]}),
                   export / "accounts.parquet")
    report, ws, rejects = run_ingest(export, tmp_path / "out")
    assert report.counts["accounts"] == 0
    assert [(r["line"], r["reason"]) for r in rejects] == [(1, "wrong type for account_id"), (2, "wrong type for account_id")]


def test_parquet_native_types_are_taken_as_they_are(tmp_path):
    import datetime as dt

    export = tmp_path / "e"
    export.mkdir()
    pq.write_table(pa.table({"platform": ["p"], "account_id": ["1"]}), export / "accounts.parquet")
    when = dt.datetime(2025, 1, 2, 3, 4, 5)
    pq.write_table(pa.table({
        "platform": pa.array(["p", "p"]).dictionary_encode(),
        "src": ["1", "2"], "dst": ["2", "1"], "kind": ["follow", "like"],
        "created_at": pa.array([when, None], pa.timestamp("ms")),  # naive: taken as UTC
        "count": pa.array([3, None], pa.int32()),
        "weight": [0.5, None],
    }), export / "edges.parquet")
    report, ws, rejects = run_ingest(export, tmp_path / "out")
    assert rejects == []
    rows = ws.read("edges").to_pylist()
    assert rows[0]["created_at"] == when.replace(tzinfo=dt.timezone.utc) and rows[0]["count"] == 3
    assert [r["_line"] for r in rows] == [1, 2]
    assert [json.loads(r["extra"]) if r["extra"] else None for r in rows] == [{"weight": 0.5}, None]
