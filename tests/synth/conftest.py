"""Small generated worlds shared by the synth tests (generated once per session)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vigil.synth import generate_world

SMALL = 1500  # accounts on the main platform: big enough for rings and decoys, fast to build


@pytest.fixture(scope="session")
def world_a(tmp_path_factory):
    return generate_world(tmp_path_factory.mktemp("world_a"), accounts=SMALL, seed=101)


@pytest.fixture(scope="session")
def world_b(tmp_path_factory):
    return generate_world(tmp_path_factory.mktemp("world_b"), accounts=SMALL, seed=202, images=False)


def export_file(export: Path, table: str) -> Path:
    files = [p for p in export.iterdir() if p.name.split(".", 1)[0] == table]
    assert len(files) == 1, f"{table}: expected one file, found {files}"
    return files[0]


def iter_records(export: Path, table: str):
    """(file name, physical line, record or None when the line is not JSON / not an object)."""
    path = export_file(export, table)
    if path.name.endswith(".parquet"):
        for i, r in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield path.name, i, r
        return
    if path.name.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as f:
            for i, r in enumerate(csv.DictReader(f), start=2):
                yield path.name, i, {k: v for k, v in r.items() if v != ""}
        return
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                rec = None
            yield path.name, i, rec if isinstance(rec, dict) else None


def truth_rejects(truth: Path) -> tuple[int, set[tuple[str, int]]]:
    lines = (truth / "truth_rejects.txt").read_text(encoding="utf-8").splitlines()
    out = set()
    for ln in lines[1:]:
        head = ln.split(" ", 1)[0]
        if ":" in head:
            f, _, n = head.rpartition(":")
            out.add((f, int(n)))
    return int(lines[0]), out


def synth_app():
    """A Typer app with only this area's commands (independent of other stages' imports)."""
    import typer

    from vigil.synth.commands import register

    app = typer.Typer()
    register(app)
    return app
