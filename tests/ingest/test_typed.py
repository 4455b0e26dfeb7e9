"""List fields written as JSON text: the bulk (Arrow) reading and the one-cell-at-a-time one
give the same values and flag the same cells, whatever the cell holds."""

from __future__ import annotations

import json

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.ingest.contract import TABLES
from vigil.ingest.typed import json_cells, json_text_cells

FIELDS = {f.name: f for fields in TABLES.values() for f in fields}
text = st.text(alphabet=st.sampled_from(list('ab "\\{}/\t\n\x00é😀,:[]') + ["\ud800"]), max_size=6)
item = st.one_of(text, st.none(), st.integers(), st.fixed_dictionaries(
    {"media_id": st.one_of(text, st.none())},
    optional={"pdq": st.sampled_from(["ab" * 32, "AB" * 32, "x", "", None]), "md5": st.sampled_from(["0" * 32, "q"]),
              "path": text, "vpdq": st.just("[]"), "width": st.integers()}))


@st.composite
def cell(draw):
    value = draw(st.lists(item, max_size=3))
    raw = json.dumps(value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, None, 1])))
    change = draw(st.sampled_from(["none", "none", "none", "dup", "cut", "junk", "null", "empty"]))
    if change == "dup" and '{"media_id"' in raw:
        raw = raw.replace('{"media_id"', '{"pdq": "x", "pdq"', 1) if draw(st.booleans()) else raw.replace(
            '{"media_id"', '{"media_id": "a", "media_id"', 1)
    elif change == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif change == "junk":
        raw = draw(text)
    elif change == "null":
        raw = " null "
    elif change == "empty":
        return None
    return raw


def _ingest_cells(tmp_path, name: str, cells: list) -> tuple[list, list]:
    import csv

    from vigil.ingest.csvfile import csv_pieces

    table = "accounts" if name == "links" else "posts"
    ids = ["account_id"] if table == "accounts" else ["post_id", "account_id"]
    path = tmp_path / f"{table}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["platform", *ids, name])
        for i, c in enumerate(cells):
            w.writerow(["p", *[str(i)] * len(ids), "" if c is None else c])
    rows, rejects = [], []
    for piece in csv_pieces(path, table):
        rows += piece.table.to_pylist()
        rejects += piece.rejects
    return rows, rejects


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["links", "hashtags", "media"]), st.lists(cell(), max_size=12))
def test_bulk_and_cell_by_cell_json_lists_ingest_the_same(tmp_path_factory, name, cells):
    """Same rows and rejects whether list cells are read in bulk or one by one (the bulk path
    leaves checks such as an empty media_id to the fast validator, which doubts the row)."""
    import vigil.ingest.typed as typed

    cells = [c.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if c else c for c in cells]
    tmp = tmp_path_factory.mktemp("cells")
    bulk = _ingest_cells(tmp, name, cells)
    original = typed.json_text_cells
    typed.json_text_cells = lambda f, col: json_cells(f, col.to_pylist())
    try:
        one_by_one = _ingest_cells(tmp, name, cells)
    finally:
        typed.json_text_cells = original
    assert bulk == one_by_one


def test_common_cells_take_the_bulk_path(monkeypatch):
    import vigil.ingest.typed as typed

    cells = ['["a", "b\\u00e9"]', "[]", '  [ "x\\"y" ]', None] * 10
    monkeypatch.setattr(typed, "json_cells", lambda *a: (_ for _ in ()).throw(AssertionError("slow path")))
    values, bad = typed.json_text_cells(FIELDS["links"], pa.array(cells, pa.string()))
    assert not bad.any() and values.to_pylist()[:4] == [["a", "bé"], [], ['x"y'], None]
    media = ['[{"media_id": "m1", "pdq": "' + "AB" * 32 + '", "path": null}]'] * 5
    values, bad = typed.json_text_cells(FIELDS["media"], pa.array(media, pa.string()))
    assert values.to_pylist()[0] == [{"media_id": "m1", "pdq": "AB" * 32, "md5": None, "path": None, "vpdq": None}]
