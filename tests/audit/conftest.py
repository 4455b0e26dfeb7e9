"""A workspace of the sample export (built by the ingest stage) with the TRUE sellers as `scores`,
for checking the audit's formulas, and tiny hand-made workspaces."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from vigil import schemas
from vigil.ingest import ingest_export
from vigil.workspace import Workspace


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    cols = []
    for f in schema:
        if f.name in table.column_names:
            cols.append(table.column(f.name).cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


_BUILT: dict[Path, Path] = {}  # export -> a workspace already ingested in this process


def build_sample_workspace(export: Path, root: Path) -> Workspace:
    """The export's input tables in a new workspace at `root` (ingested once per test process)."""
    import shutil

    if export in _BUILT and _BUILT[export].exists():
        Path(root).mkdir(parents=True, exist_ok=True)
        for name in ("accounts", "posts", "edges", "recommendations"):
            if (_BUILT[export] / f"{name}.parquet").exists():
                shutil.copy2(_BUILT[export] / f"{name}.parquet", Path(root) / f"{name}.parquet")
        return Workspace(root)
    ws = Workspace(root)
    ingest_export(export, ws, Path(root).parent / "rejects.jsonl")
    pristine = Path(root).parent / "_pristine_inputs"
    pristine.mkdir(parents=True, exist_ok=True)
    for name in ("accounts", "posts", "edges", "recommendations"):
        if ws.has(name):
            shutil.copy2(ws.path(name), pristine / f"{name}.parquet")
    _BUILT[export] = pristine
    return ws


def truth_scores(truth: Path) -> pa.Table:
    con = duckdb.connect()
    t = con.sql(
        f"SELECT platform, account_id, CASE WHEN role = 'seller' THEN 1.0 ELSE 0.0 END AS score, role, "
        f"network AS community, kind AS reasons, NULL::VARCHAR AS backup_of "
        f"FROM read_csv('{truth}/truth_accounts.csv', all_varchar=true)"
    ).to_arrow_table()
    return _conform(t, schemas.SCORES)


@pytest.fixture(scope="session")
def truth_workspace(tmp_path_factory, sample_world: Path, sample_truth: Path) -> Workspace:
    ws = build_sample_workspace(sample_world, tmp_path_factory.mktemp("audit") / "workspace")
    ws.write("scores", truth_scores(sample_truth))
    return ws


@pytest.fixture(scope="session")
def truth_result(truth_workspace):
    from vigil.audit import run_audit

    return run_audit(truth_workspace)


def make_workspace(root: Path, *, accounts: list[str], follows: list[tuple[str, str]] = (),
                   recs: list[tuple] = (), posts: list[tuple[str, str]] = (),
                   sellers: list[str] = (), platform: str = "p") -> Workspace:
    """A tiny one-platform workspace. recs: (viewer, surface, item, item_kind, query)."""
    ws = Workspace(root)
    ws.write("accounts", _conform(pa.table({"platform": [platform] * len(accounts), "account_id": accounts}),
                                  schemas.ACCOUNTS))
    ws.write("edges", _conform(pa.table({
        "platform": pa.array([platform] * len(follows), pa.string()),
        "src": pa.array([s for s, _ in follows], pa.string()),
        "dst": pa.array([d for _, d in follows], pa.string()),
        "kind": pa.array(["follow"] * len(follows), pa.string()),
    }), schemas.EDGES))
    ws.write("posts", _conform(pa.table({
        "platform": pa.array([platform] * len(posts), pa.string()),
        "post_id": pa.array([p for p, _ in posts], pa.string()),
        "account_id": pa.array([a for _, a in posts], pa.string()),
    }), schemas.POSTS))
    cols = list(zip(*recs)) if recs else [[], [], [], [], []]
    ws.write("recommendations", _conform(pa.table({
        "platform": pa.array([platform] * len(recs), pa.string()),
        "viewer_id": pa.array(cols[0], pa.string()),
        "surface": pa.array(cols[1], pa.string()),
        "item_id": pa.array(cols[2], pa.string()),
        "item_kind": pa.array(cols[3], pa.string()),
        "query": pa.array(cols[4], pa.string()),
    }), schemas.RECOMMENDATIONS))
    ws.write("scores", _conform(pa.table({
        "platform": pa.array([platform] * len(accounts), pa.string()),
        "account_id": pa.array(accounts, pa.string()),
        "score": pa.array([1.0 if a in sellers else 0.0 for a in accounts]),
        "role": pa.array(["seller" if a in sellers else "none" for a in accounts], pa.string()),
        "reasons": pa.array(["menu in bio" if a in sellers else "" for a in accounts], pa.string()),
    }), schemas.SCORES))
    return ws
