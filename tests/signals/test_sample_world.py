"""On the sample world: advocates quote terms to warn, so none of their text evidence is `use`."""

from __future__ import annotations

import csv

import pytest

from vigil.paths import shared_dir
from vigil.signals import discover_terms, load_lexicon, run_signals
from vigil.workspace import Workspace

SAMPLE = shared_dir() / "worlds" / "sample"
TRUTH = shared_dir() / "worlds" / "sample-truth" / "truth_accounts.csv"


@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory):
    if not SAMPLE.exists():
        pytest.skip("sample world not present")
    from vigil import ingest

    root = tmp_path_factory.mktemp("sample")
    ws = Workspace(root / "workspace")
    ingest.ingest_export(SAMPLE, ws, root / "rejects.jsonl")
    lex = load_lexicon(SAMPLE / "lexicon.yaml")
    stats = run_signals(ws, lex)
    return ws, lex, stats


def _truth() -> dict[tuple[str, str], dict]:
    with open(TRUTH, newline="", encoding="utf-8") as f:
        return {(r["platform"], r["account_id"]): r for r in csv.DictReader(f)}


def test_no_advocate_has_text_evidence_of_use(sample_ws):
    ws, _, _ = sample_ws
    truth = _truth()
    advocates = {k for k, r in truth.items() if r["kind"] == "advocate"}
    assert advocates
    feats = {(r["platform"], r["account_id"]): r for r in ws.read("account_signals").to_pylist()}
    hits = ws.read("signal_hits").to_pylist()
    for key in advocates:
        f = feats.get(key)
        assert f is not None and f["warn"] > 0, key  # they do quote terms...
        assert f["explicit"] == 0.0 and f["age_minor"] == 0.0, (key, f)  # ...but never use them
        used = [h for h in hits if (h["platform"], h["account_id"]) == key and h["context"] == "use"
                and h["category"] in ("explicit", "age", "sale", "payment")]
        assert not used, (key, used)


def test_sellers_show_explicit_use_and_obfuscation_is_seen(sample_ws):
    ws, _, stats = sample_ws
    truth = _truth()
    sellers = {k for k, r in truth.items() if r["kind"] == "seller"}
    feats = {(r["platform"], r["account_id"]): r for r in ws.read("account_signals").to_pylist()}
    with_explicit = [k for k in sellers if feats.get(k, {}).get("explicit", 0) > 0]
    assert len(with_explicit) >= 0.8 * len(sellers)
    assert stats["obfuscated_hits"] > 0 and stats["hits_by_context"]["warn"] > 0


def test_discover_terms_runs_on_sample(sample_ws):
    ws, lex, _ = sample_ws
    terms = discover_terms(ws, lex)
    known = lex.known_skeletons()
    assert all(t.lstrip("#") not in known for t in terms.column("term").to_pylist())
