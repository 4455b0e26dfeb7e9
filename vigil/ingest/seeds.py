"""Seeds: accounts the operator already knows, one `platform,account_id` a line."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

from vigil.errors import OperatorError
from vigil import schemas


class SeedsError(OperatorError):
    pass


def read_seeds(path: Path) -> pa.Table:
    """Read a seeds file; an optional `platform,account_id` header; blank lines are skipped.

    Operator input is validated strictly: a bad line stops the run with its line number,
    before any data is read."""
    path = Path(path)
    platforms, ids = [], []
    seen = set()
    with open(path, encoding="utf-8-sig", newline="") as f:
        for n, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            row = next(csv.reader([line]))
            cells = [c.strip() for c in row]
            if n == 1 and [c.lower() for c in cells] == ["platform", "account_id"]:
                continue
            if len(cells) != 2 or not all(cells):
                raise SeedsError(f"{path}:{n}: expected 'platform,account_id', got {line!r}", file=path, line=n,
                                 hint="a seeds file holds one known account a line: platform,account_id")
            if tuple(cells) not in seen:
                seen.add(tuple(cells))
                platforms.append(cells[0])
                ids.append(cells[1])
    return pa.table({"platform": pa.array(platforms, pa.string()), "account_id": pa.array(ids, pa.string())},
                    schema=schemas.SEEDS)
