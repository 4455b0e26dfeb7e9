"""Malformed input, generated: every input line is ingested or rejected with a reason; none
vanish, none crash the run; and the fast (Arrow) path agrees with the reference validator."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.conftest import GOOD
from vigil.ingest import jsonl
from vigil.ingest.contract import TABLES, field_names
from vigil.ingest.export import _pieces
from vigil.ingest.pieces import PieceBuilder

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))

values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
    st.sampled_from(["2025-01-01T00:00:00Z", "2025-01-01t00:00:00.1234567z", "2025-02-30T00:00:00Z",
                     "2025-01-01 10:00:00+05:30", "", "follow", "befriend", "search", "post", "ab" * 32, "AB" * 32]),
    st.lists(st.text(max_size=3), max_size=2), st.lists(st.integers(), max_size=2),
    st.lists(st.fixed_dictionaries({"media_id": st.text(max_size=3)},
                                   optional={"pdq": st.sampled_from(["ab" * 32, "x"]), "md5": st.just("0" * 32)}),
             max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
JUNK = list('{}[]",:\'\\ aN0.-#\t\r\x00é')


@st.composite
def json_line(draw, table: str) -> str:
    rec = dict(GOOD[table])
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(field_names(table) + ["lang", "extra", "_line"]))
        if draw(st.booleans()):
            rec.pop(key, None)
        else:
            rec[key] = draw(values)
    text = json.dumps(rec, ensure_ascii=draw(st.booleans()))
    mutation = draw(st.sampled_from(["none", "none", "cut", "insert", "delete", "junk", "blank"]))
    if mutation == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mutation in ("insert", "delete"):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(JUNK)) + text[at:] if mutation == "insert" else text[:at] + text[at + 1:]
    elif mutation == "junk":
        text = draw(st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=30))
    elif mutation == "blank":
        text = draw(st.sampled_from(["", " ", "\t", "\r"]))
    return text.replace("\n", " ")


@st.composite
def jsonl_file(draw):
    table = draw(st.sampled_from(list(TABLES)))
    lines = draw(st.lists(json_line(table), min_size=1, max_size=40))
    return table, lines


def _read(path: Path, table: str):
    rows, rejects = [], []
    for piece in _pieces(path, table):
        rows += piece.table.to_pylist()
        rejects += piece.rejects
    return rows, rejects


def _no_line_vanishes(rows, rejects, n_records: int, starts: list[int]):
    ingested = [r["_line"] for r in rows]
    rejected = [r["line"] for r in rejects]
    assert len(ingested) + len(rejected) == n_records
    assert sorted(ingested + rejected) == starts  # each record once: kept or rejected, never both
    assert all(r["reason"] for r in rejects)


@SETTINGS
@given(jsonl_file(), st.sampled_from([64, 300, 1 << 20]))
def test_every_jsonl_line_is_ingested_or_rejected(tmp_path_factory, case, block_bytes):
    table, lines = case
    path = tmp_path_factory.mktemp("fz") / f"{table}.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    old = jsonl.BLOCK_BYTES
    jsonl.BLOCK_BYTES = block_bytes  # small blocks: lines cross block ends, blocks hold one line or many
    try:
        rows, rejects = _read(path, table)
    finally:
        jsonl.BLOCK_BYTES = old
    _no_line_vanishes(rows, rejects, len(lines), list(range(1, len(lines) + 1)))

    # The block path and the reference validator, line by line, agree on every line.
    ref = PieceBuilder(table, path.name)
    for i, line in enumerate(lines, start=1):
        ref.reference_json(line.rstrip("\r"), i, raw=line.encode("utf-8", "surrogatepass"))
    expected = ref.finish()
    assert sorted(r["line"] for r in rejects) == [r["line"] for r in expected.rejects]
    assert [r["reason"] for r in sorted(rejects, key=lambda r: r["line"])] == [r["reason"] for r in expected.rejects]
    assert _comparable(rows) == _comparable(expected.table.to_pylist())


def _comparable(rows):
    """Extras compare as JSON values (1e16 and 10000000000000000.0 are one number)."""
    return [{**r, "extra": json.loads(r["extra"]) if r["extra"] else None} for r in rows]


cells = st.one_of(st.text(max_size=8), st.sampled_from(["", '"', '""', ",", "\n", "[]", '["a"]', "3", "x\ny"]))


@st.composite
def csv_text(draw):
    table = draw(st.sampled_from(list(TABLES)))
    names = field_names(table)
    header = draw(st.permutations(names + ["lang"]))
    out = io.StringIO()
    w = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(header)
    good = GOOD[table]
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["good", "good", "cells", "raw", "short"]))
        if kind == "raw":
            out.write(draw(st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=30)) + "\n")
            continue
        row = ["" if good.get(h) is None else json.dumps(good[h]) if isinstance(good.get(h), list) else str(good[h])
               for h in header]
        if kind == "cells":
            for _ in range(draw(st.integers(1, 3))):
                row[draw(st.integers(0, len(row) - 1))] = draw(cells)
        if kind == "short":
            row = row[: draw(st.integers(0, len(row) - 1))]
        w.writerow(row)
    return table, out.getvalue()


@SETTINGS
@given(csv_text())
def test_every_csv_record_is_ingested_or_rejected(tmp_path_factory, case):
    table, text = case
    path = tmp_path_factory.mktemp("fz") / f"{table}.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # surrogates: invalid UTF-8 on disk
    # the reference count of records: Python's csv reader over the same text, after the header
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    starts, line = [], reader.line_num + 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    rows, rejects = _read(path, table)
    _no_line_vanishes(rows, rejects, len(starts), starts)


@pytest.mark.parametrize("table", list(TABLES))
def test_a_full_ingest_of_garbage_still_writes_every_table(tmp_path, table):
    from tests.ingest.conftest import ACCOUNT, run_ingest, write_jsonl

    export = tmp_path / "e"
    write_jsonl(export / "accounts.jsonl", [ACCOUNT])
    write_jsonl(export / f"{table}.jsonl", ["{", "[]", "null", json.dumps(GOOD[table]), "\x00"])
    report, ws, rejects = run_ingest(export, tmp_path / "out")
    assert report.counts[table] == 1  # (for accounts, the garbage file replaced the one-account file)
    assert sum(report.counts.values()) == (1 if table == "accounts" else 2)
    assert report.rejects == 4 and [r["line"] for r in rejects] == [1, 2, 3, 5]
