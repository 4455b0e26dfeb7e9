"""End to end: `vigil investigate` on the sample export writes every contract file, valid per the contract."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from vigil.schemas import ROLES, SURFACES

SURFACE_KEYS = {"impressions", "adjacent_impressions", "adjacent_flagged_share", "other_flagged_share", "baseline_share", "lift"}


@pytest.fixture(scope="module")
def results(sample_run: Path) -> Path:
    return sample_run


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_accounts_csv_follows_contract(results: Path):
    header, rows = read_csv(results / "accounts.csv")
    assert header == ["platform", "account_id", "score", "role", "community", "reasons"]
    assert rows, "no account was scored"
    for r in rows:
        assert 0.0 <= float(r["score"]) <= 1.0
        assert r["role"] in ROLES
    assert len({(r["platform"], r["account_id"]) for r in rows}) == len(rows), "an account is scored twice"
    flagged = [r for r in rows if r["role"] != "none"]
    assert flagged and all(r["reasons"].strip() for r in flagged), "a finding without reasons"


def test_links_csv_follows_contract(results: Path):
    header, rows = read_csv(results / "links.csv")
    assert header == ["platform_a", "account_a", "platform_b", "account_b", "score", "evidence"]
    for r in rows:
        assert 0.0 <= float(r["score"]) <= 1.0
        assert r["evidence"].strip()


def test_recommendation_audit_follows_contract(results: Path):
    audit = json.loads((results / "recommendation_audit.json").read_text())
    assert set(audit["platforms"]), "no platform audited"
    for platform in audit["platforms"].values():
        for surface, m in platform["surfaces"].items():
            assert surface in SURFACES
            assert SURFACE_KEYS <= set(m)
            assert m["adjacent_impressions"] <= m["impressions"]
            if m["baseline_share"] > 0:
                assert math.isclose(m["lift"], m["adjacent_flagged_share"] / m["baseline_share"], rel_tol=1e-9)
        impressions = [q["impressions"] for q in platform["queries"]]
        assert impressions == sorted(impressions, reverse=True)
        for q in platform["queries"]:
            assert q["surface"] in ("search", "hashtag") and q["flagged_share"] > 0


def test_rejects_match_the_truth(results: Path, sample_truth: Path):
    rejects = [json.loads(line) for line in (results / "rejects.jsonl").read_text().splitlines()]
    expected = int((sample_truth / "truth_rejects.txt").read_text().split()[0])
    assert len(rejects) == expected
    assert all(r["file"] and r["line"] >= 1 and r["reason"] for r in rejects)
    summary = json.loads((results / "summary.json").read_text())
    assert summary["rejects"] == expected
    assert {"ingest", "signals", "media", "graph", "audit", "link"} <= set(summary["timings_s"])
    assert summary["peak_memory_mb"] > 0 and summary["counts"]["accounts"] > 0


def test_terms_csv_lists_new_terms_only(results: Path, sample_world: Path):
    import yaml

    header, rows = read_csv(results / "terms.csv")
    assert header == ["term", "score"]
    known = {s["value"].lower().lstrip("#") for s in yaml.safe_load((sample_world / "lexicon.yaml").read_text())["signals"]}
    assert not {r["term"].lower().lstrip("#") for r in rows} & known
