"""Both engines on the sample world and on a small world of the `hard` preset (partial export,
hidden network, another seed): identical roles, graph scope, features and communities, links
(evidence text included), rejects and terms, scores within 1e-6, audit within 1e-9, and the tables
the Spark stages wrote (the ingested tables included) equal row for row; and the default path
never imports pyspark."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vigil.engines.spark.run import SPARK_STAGES

SCORE_TOL = 1e-6
AUDIT_TOL = 1e-9
HARD_ACCOUNTS = 600  # small: the world builds in ~2 s and both runs take seconds
HARD_SEED = 31
REPO = Path(__file__).parents[2]


def test_default_path_never_imports_pyspark():
    code = ("import sys, vigil.pipeline, vigil.cli, vigil.graph.run, vigil.signals.stage, vigil.engines.spark.session,"
            " vigil.ingest, vigil.media, vigil.audit, vigil.link.stage, vigil.link.candidates, vigil.engines.spark.run;"
            "assert not [m for m in sys.modules if m.startswith('pyspark')], 'pyspark imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def _spark_or_skip():
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java (scripts/setup installs openjdk-17-jre-headless)")
    pytest.importorskip("pyspark", reason="the Spark engine needs pip install 'vigil[spark]'")
    pytest.importorskip("pandas", reason="pyspark's mapInArrow needs pandas (vigil[spark])")


def _investigate(export: Path, world: Path, out: Path, *extra: str) -> Path:
    """`vigil investigate` in its own process: launching the JVM from a process that already
    loaded the stages' native libraries (threads, OpenMP) can crash in fork."""
    cmd = [sys.executable, "-c", "import sys; from vigil.cli import app; sys.argv[0] = 'vigil'; app()",
           "investigate", str(export), "--lexicon", str(world / "lexicon.yaml"),
           "--hashes", str(world / "hashbank.csv"), "--seeds", str(world / "seeds.csv"),
           "--out", str(out), "--no-progress", *extra]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return out


SPARK_RUN = SPARK_STAGES
INGESTED = ("accounts", "posts", "edges", "recommendations")
SPARK_TABLES = INGESTED + ("signal_hits", "account_signals", "media_matches", "media_accounts", "profile_hashes",
                           "media_problems", "graph_scope", "graph_features", "communities", "link_candidates", "links")
SPARK = ("--engine", "spark", "--master", "local[2]")


@pytest.fixture(scope="module")
def hard_world(tmp_path_factory) -> Path:
    from vigil.synth import generate_world

    return generate_world(tmp_path_factory.mktemp("hard-world"), accounts=HARD_ACCOUNTS, seed=HARD_SEED,
                          preset="hard").export_dir.parent


@pytest.fixture(scope="module")
def sample_pair(sample_world: Path, sample_run: Path, tmp_path_factory) -> tuple[Path, Path]:
    """(embedded results, Spark results) on the shared sample world."""
    _spark_or_skip()
    return sample_run, _investigate(sample_world, sample_world, tmp_path_factory.mktemp("sample-spark"), *SPARK)


@pytest.fixture(scope="module")
def hard_pair(hard_world: Path, tmp_path_factory) -> tuple[Path, Path]:
    """(embedded results, Spark results) on the generated hard-preset world."""
    _spark_or_skip()
    export = hard_world / "export"
    return (_investigate(export, hard_world, tmp_path_factory.mktemp("hard-embedded")),
            _investigate(export, hard_world, tmp_path_factory.mktemp("hard-spark"), *SPARK))


def _accounts(path: Path) -> dict:
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["platform"], r["account_id"]): (r["role"], float(r["score"]), r["reasons"]) for r in csv.DictReader(f)}


def _numbers(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers(v, f"{prefix}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _numbers(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def _assert_audit_equal(emb: Path, spk: Path) -> None:
    a = dict(_numbers(json.loads(emb.read_text(encoding="utf-8"))))
    b = dict(_numbers(json.loads(spk.read_text(encoding="utf-8"))))
    assert a.keys() == b.keys(), f"audit fields differ: {sorted(a.keys() ^ b.keys())[:5]}"
    for k in a:
        if isinstance(a[k], float) or isinstance(b[k], float):
            assert abs(a[k] - b[k]) <= AUDIT_TOL, f"audit {k}: {a[k]} vs {b[k]}"
        else:
            assert a[k] == b[k], f"audit {k}: {a[k]} vs {b[k]}"


@pytest.mark.slow
@pytest.mark.parametrize("world", ["sample", "hard"])
def test_spark_engine_matches_embedded(request, world: str):
    emb_run, spark_run = request.getfixturevalue(f"{world}_pair")
    emb, spk = _accounts(emb_run / "accounts.csv"), _accounts(spark_run / "accounts.csv")
    assert emb, "the embedded run scored no accounts: nothing was compared"
    assert emb.keys() == spk.keys(), "the engines scored different accounts"
    assert {k: v[0] for k, v in emb.items()} == {k: v[0] for k, v in spk.items()}, "roles differ"
    worst = max(abs(emb[k][1] - spk[k][1]) for k in emb)
    assert worst <= SCORE_TOL, f"scores differ by {worst}"
    assert {k: v[2] for k, v in emb.items()} == {k: v[2] for k, v in spk.items()}, "reasons differ"
    for name in ("links.csv", "rejects.jsonl", "terms.csv"):
        assert (emb_run / name).read_bytes() == (spark_run / name).read_bytes(), f"{name} differs"
    _assert_audit_equal(emb_run / "recommendation_audit.json", spark_run / "recommendation_audit.json")
    _assert_audit_equal(emb_run / "mitigations.json", spark_run / "mitigations.json")
    stages = json.loads((spark_run / "summary.json").read_text())["stages"]
    assert all(stages[s].get("engine") == "spark" for s in SPARK_RUN), "a stage did not run on Spark"
    for table in SPARK_TABLES:  # what the Spark stages wrote, row for row in the same order
        a, b = (pq.read_table(r / "workspace" / f"{table}.parquet") for r in (emb_run, spark_run))
        assert a.schema == b.schema and a.to_pylist() == b.to_pylist(), f"workspace table {table} differs"
    a, b = (pq.read_table(r / "workspace" / "scores.parquet").to_pylist() for r in (emb_run, spark_run))
    assert [{**r, "score": None} for r in a] == [{**r, "score": None} for r in b], "workspace scores differ"
    assert max(abs(r["score"] - s["score"]) for r, s in zip(a, b)) <= SCORE_TOL
