"""A table whose header lacks a required column is one problem, not one reject per row."""

import json
from pathlib import Path

import pytest

from vigil.ingest import ExportError, ingest_export
from vigil.workspace import Workspace
from vigil.paths import shared_dir

SAMPLE = shared_dir() / "worlds" / "sample"


def _export(tmp_path: Path) -> Path:
    exp = tmp_path / "export"
    exp.mkdir()
    with open(SAMPLE / "accounts.jsonl") as f:
        (exp / "accounts.jsonl").write_text("".join(next(f) for _ in range(20)))
    rows = ["photogram,suggested_accounts,6249128836,account,,1,2025-06-30T18:29:57Z"] * 500
    (exp / "recommendations.csv").write_text("platform,surface,item_id,item_kind,query,rank,shown_at\n"
                                             + "\n".join(rows) + "\n")
    return exp


def test_a_table_without_a_required_column_is_refused_once(tmp_path):
    exp = _export(tmp_path)
    report = ingest_export(exp, Workspace(tmp_path / "ws"), tmp_path / "rejects.jsonl")
    rejects = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 1, "one reject for the header, not one per row"
    assert rejects[0]["file"] == "recommendations.csv" and rejects[0]["field"] == "viewer_id"
    assert report.refused == {"recommendations.csv": ["viewer_id"]}
    assert report.counts["recommendations"] == 0 and report.counts["accounts"] == 20


def test_accounts_without_a_required_column_stops_the_run(tmp_path):
    exp = tmp_path / "export"
    exp.mkdir()
    (exp / "accounts.csv").write_text("platform,handle\nphotogram,a\n")
    with pytest.raises(ExportError, match=r"accounts.csv:1: .*account_id"):
        ingest_export(exp, Workspace(tmp_path / "ws"), tmp_path / "rejects.jsonl")
