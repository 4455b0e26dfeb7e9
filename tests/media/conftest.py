"""Small workspaces built straight from the schemas, so media tests need no other stage."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from vigil import schemas
from vigil.paths import shared_dir
from vigil.workspace import Workspace

PDQ_REF = shared_dir() / "reference" / "pdq"


def table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.table({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)


def make_workspace(root: Path, accounts: list[dict], posts: list[dict]) -> Workspace:
    ws = Workspace(root / "workspace")
    for i, r in enumerate(accounts):
        r.setdefault("_file", "accounts.jsonl"), r.setdefault("_line", i + 1)
    for i, r in enumerate(posts):
        r.setdefault("_file", "posts.jsonl"), r.setdefault("_line", i + 1)
    ws.write("accounts", table(accounts, schemas.ACCOUNTS))
    ws.write("posts", table(posts, schemas.POSTS))
    return ws


@pytest.fixture
def pdq_ref() -> Path:
    if not (PDQ_REF / "expected_pdq_hashes.csv").exists():
        pytest.skip("shared PDQ reference data not present")
    return PDQ_REF
