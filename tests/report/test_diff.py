"""`vigil investigate --previous`: a seller banned between two runs is gone, its backup is tied to it."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli import app


def _investigate(export: Path, world, out: Path, previous: Path | None = None) -> None:
    args = ["investigate", str(export), "--lexicon", str(world.lexicon), "--hashes", str(world.hashbank),
            "--seeds", str(world.seeds), "--out", str(out), "--no-progress"]
    if previous:
        args += ["--previous", str(previous)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output + repr(res.exception)


def _without(src: Path, dst: Path, gone: str) -> None:
    """Copy an export, dropping one account and every record it wrote or received."""
    dst.mkdir()
    for p in src.iterdir():
        if p.name.startswith("accounts") and p.suffix == ".csv":
            rows = list(csv.DictReader(open(p, newline="")))
            with open(dst / p.name, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(r for r in rows if r["account_id"] != gone)
        elif p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz"):
            opener = gzip.open if p.name.endswith(".gz") else open
            with opener(p, "rt") as f, opener(dst / p.name, "wt") as g:
                for line in f:
                    try:
                        r = json.loads(line)
                    except ValueError:  # the world's deliberately bad lines stay bad
                        g.write(line)
                        continue
                    if not isinstance(r, dict) or gone not in (r.get("account_id"), r.get("src"), r.get("dst")):
                        g.write(line)
        else:
            (dst / p.name).write_bytes(p.read_bytes())


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    from vigil.synth import generate_world

    root = tmp_path_factory.mktemp("diff")
    world = generate_world(root / "world", accounts=400, seed=11, images=False)
    first = root / "first"
    _investigate(world.export_dir, world, first)
    import duckdb

    backups = duckdb.sql(f"SELECT platform, account_id, backup_of FROM '{first}/workspace/scores.parquet' "
                         "WHERE backup_of IS NOT NULL AND role = 'seller' ORDER BY ALL").fetchall()
    if not backups:
        pytest.skip("the generated world has no backup seller")
    platform, backup, original = backups[0]
    export2 = root / "export2"
    _without(world.export_dir, export2, original)
    second = root / "second"
    _investigate(export2, world, second, previous=first)
    return first, second, (platform, backup, original)


def test_banned_seller_is_gone_and_its_backup_recreates_it(two_runs):
    first, second, (platform, backup, original) = two_runs
    diff = json.loads((second / "diff.json").read_text())
    status = {(e["platform"], e["account_id"]): e["status"] for e in diff["accounts"]}
    assert status.get((platform, original)) == "gone"
    recreated = {(r["platform"], r["account_id"]): r["recreates"] for r in diff["recreated"]}
    assert recreated.get((platform, backup)) == original
    assert diff["counts"]["gone"] == sum(1 for s in status.values() if s == "gone")


def test_unchanged_accounts_are_not_listed(two_runs):
    first, second, (platform, backup, original) = two_runs
    before = {(r["platform"], r["account_id"]): r for r in csv.DictReader(open(first / "accounts.csv"))}
    after = {(r["platform"], r["account_id"]): r for r in csv.DictReader(open(second / "accounts.csv"))}
    diff = json.loads((second / "diff.json").read_text())
    listed = {(e["platform"], e["account_id"]) for e in diff["accounts"]}
    same = [k for k in before if k in after and before[k]["role"] == after[k]["role"] != "none"
            and abs(float(before[k]["score"]) - float(after[k]["score"])) < 0.01]
    assert same and not (set(same) & listed)


def test_reviewer_decisions_are_carried(tmp_path, two_runs):
    from vigil.report.diff import diff_results
    from vigil.cases import load_results
    from vigil.cases.db import open_db
    from vigil.cases.models import Case

    first, second, (platform, backup, original) = two_runs
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    load_results(url, first)
    db = open_db(url)
    with db.writing() as s:
        case = s.query(Case).filter_by(platform=platform, account_id=original).one()
        case.decision, case.status = "confirmed", "decided"
    d = diff_results(first, second, db_url=url)
    gone = next(e for e in d["accounts"] if e["account_id"] == original)
    assert gone["decision"]["decision"] == "confirmed"
    assert d["counts"]["decisions_carried"] == 1
