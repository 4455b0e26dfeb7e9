"""The inter-stage contract: a table that breaks its declaration is refused, naming table and column."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vigil import schemas
from vigil.workspace import Workspace


def test_every_written_table_is_declared(tmp_path):
    ws = Workspace(tmp_path)
    with pytest.raises(schemas.ContractError, match="'mystery' is not declared"):
        ws.write("mystery", pa.table({"x": [1]}))


def test_missing_column_is_named(tmp_path):
    ws = Workspace(tmp_path)
    bad = schemas.LINKS.empty_table().drop_columns(["score"])
    with pytest.raises(schemas.ContractError, match="'links': column 'score'"):
        ws.write("links", bad)


def test_wrong_type_is_named_and_extra_columns_pass(tmp_path):
    ws = Workspace(tmp_path)
    t = schemas.SCORES.empty_table().append_column("extra_col", pa.array([], pa.int64()))
    ws.write("scores", t)
    assert ws.read("scores").num_rows == 0
    bad = t.set_column(t.schema.get_field_index("role"), "role", pa.array([], pa.int64()))
    with pytest.raises(schemas.ContractError, match="'scores': column 'role' is int64"):
        ws.write("scores", bad)
