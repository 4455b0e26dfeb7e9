"""The columnar timestamp check agrees with the reference one, row for row, also in a block
where some rows hold forms the Arrow parser refuses (those no longer send the whole block one
record at a time, so the two paths must still agree on every row around them)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vigil.ingest import columnar, records

TRICKY = ["2024-02-30T10:00:00Z", "2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z", "1900-02-29T00:00:00Z",
          "2000-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01t10:00:00z", "2024-01-01T10:00:00.1234567Z",
          "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-12-31 23:59:59.5-01:00", "x",
          "2024-06-30T23:59:59.999999+14:00", "2024-13-01T00:00:00Z", None, ""]
PLAIN = ["2025-01-02T03:04:05Z", "2025-01-31T00:00:00+05:30", "2025-03-31T12:00:00.123Z"]


@pytest.mark.parametrize("refused", [False, True])
def test_columnar_timestamps_agree_with_the_reference(refused):
    values = PLAIN * 50 + (TRICKY if refused else [v for v in TRICKY if v is None or "t" not in v[10:]])
    ts, bad = columnar.timestamps(pa.array(values, pa.string()))
    expected = [None if v in (None, "") else records.parse_timestamp(v) for v in values]
    assert ts.to_pylist() == expected
    assert bad.tolist() == [v not in (None, "") and e is None for v, e in zip(values, expected)]
