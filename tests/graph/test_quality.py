"""End to end on a small generated world: the real ingest, signals and media stages, then graph,
judged by `vigil.evaluate` against the world's truth. The world's knobs are drawn from its seed,
so this is a world the rules were not written against."""

from __future__ import annotations

import pytest

from vigil import evaluate, ingest, media, pipeline, schemas, signals
from vigil.graph import run_graph
from vigil.workspace import Workspace

synth = pytest.importorskip("vigil.synth")


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    synth.generate_world(root, accounts=4000, seed=101, images=False)
    out = root / "out"
    ws = Workspace(out / "workspace")
    ws.write("seeds", ingest.read_seeds(root / "seeds.csv") if (root / "seeds.csv").exists()
             else schemas.SEEDS.empty_table())
    ingest.ingest_export(root / "export", ws, out / "rejects.jsonl")
    signals.run_signals(ws, signals.load_lexicon(root / "lexicon.yaml"))
    media.run_media(ws, root / "export", media.load_banks([root / "hashbank.csv"]))
    stats = run_graph(ws)
    pipeline.write_contract_files(ws, out)
    return evaluate.evaluate(out, root / "truth"), stats


def test_roles_meet_the_bar(metrics):
    m, _ = metrics
    s = m["summary"]
    assert s["seller_f1"] >= 0.95, m["roles"]["confusion"]
    assert s["buyer_f1"] >= 0.85, m["roles"]["confusion"]
    assert s["facilitator_f1"] >= 0.8, m["roles"]["confusion"]
    assert s["backup_seller_recall"] >= 0.9, m["backups"]


def test_no_decoy_kind_is_flagged(metrics):
    m, _ = metrics
    rates = {k: v for k, v in m["decoys"].items()}
    assert all(v["rate"] <= 0.01 for v in rates.values()), rates


def test_the_crawl_scored_a_part_of_the_world(metrics):
    _, stats = metrics
    assert 0 < stats["scored"] < stats["accounts_in_graph"]
