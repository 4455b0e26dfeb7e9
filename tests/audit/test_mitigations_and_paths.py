"""Mitigations, exposure paths and plots on small worlds whose answers are known by construction."""

from __future__ import annotations

import re

import pytest

from tests.audit.conftest import make_workspace
from vigil.audit import run_audit
from vigil.audit.plots import exposure_plot, lift_plot
from vigil.workspace import Workspace


@pytest.fixture()
def steering_world(tmp_path):
    """S1, S2 sellers. V follows S1 and is shown S2 on explore 3x (the co-suggestion edge S1->S2).
    'zorbleq' search returns S1 five times out of five (block); '#weekend' returns S2 once in 40
    (an ordinary hashtag: remove the flagged result, keep the tag). A post by S2 counts as S2."""
    accounts = ["S1", "S2", "V", "W", "X"] + [f"b{i}" for i in range(95)]
    recs = [("V", "explore", "S2", "account", None)] * 3
    recs += [("V", "explore", f"b{i}", "account", None) for i in range(7)]
    recs += [("W", "search", "S1", "account", "zorbleq")] * 5
    recs += [("W", "hashtag", "P2", "post", "#weekend")]
    recs += [("W", "hashtag", f"b{i}", "account", "#weekend") for i in range(39)]
    recs += [("X", "explore", f"b{i}", "account", None) for i in range(20)]
    ws = make_workspace(tmp_path / "ws", accounts=accounts, follows=[("V", "S1"), ("X", "b1")],
                        recs=recs, posts=[("P2", "S2")], sellers=["S1", "S2"])
    return run_audit(ws)


def test_contract_numbers_by_hand(steering_world):
    s = steering_world.audit["platforms"]["p"]["surfaces"]
    assert s["explore"]["impressions"] == 30 and s["explore"]["adjacent_impressions"] == 10
    assert s["explore"]["adjacent_flagged_share"] == 0.3
    assert s["explore"]["other_flagged_share"] == 0.0
    assert s["explore"]["baseline_share"] == 2 / 100
    assert s["explore"]["lift"] == pytest.approx(15.0)
    assert s["hashtag"]["other_flagged_share"] == 1 / 40  # the post resolved to its author S2


def test_query_actions_follow_the_evidence(steering_world):
    q = {m["query"]: m for m in steering_world.mitigations["queries"]}
    assert q["zorbleq"]["action"] == "block"
    assert q["#weekend"]["action"] == "remove_flagged_results"
    assert q["zorbleq"]["expected_drop"] == {"flagged_impressions": 5, "share_of_flagged_impressions": 1.0}
    assert "5 of 5 impressions" in q["zorbleq"]["evidence"]


def test_edge_and_account_mitigations(steering_world):
    edges = steering_world.mitigations["edges"]
    assert [(e["from_account"], e["to_account"], e["surface"]) for e in edges] == [("S1", "S2", "explore")]
    assert edges[0]["expected_drop"]["flagged_impressions"] == 3
    assert edges[0]["expected_drop"]["share_of_flagged_impressions"] == 1.0
    accts = {a["account_id"]: a for a in steering_world.mitigations["accounts"]}
    assert set(accts) == {"S1", "S2"}
    assert accts["S1"]["impressions_by_surface"] == {"search": 5}
    assert accts["S2"]["impressions_by_surface"] == {"explore": 3, "hashtag": 1}
    assert "menu in bio" in accts["S2"]["evidence"]
    total = sum(a["expected_drop"]["share_of_flagged_impressions"] for a in accts.values())
    assert total == pytest.approx(1.0)


def test_walk_reaches_the_seller_in_exactly_two_steps(tmp_path):
    """A sees only B; C follows B and sees only S: every walk from A is A -> B -> S (2 steps),
    every walk from C is C -> S (1 step)."""
    recs = [("A", "suggested_accounts", "B", "account", None), ("C", "suggested_accounts", "S", "account", None)]
    ws = make_workspace(tmp_path / "ws", accounts=["A", "B", "C", "S"], follows=[("C", "B")], recs=recs,
                        sellers=["S"])
    paths = run_audit(ws).audit["exposure_paths"]["p"]["all"]
    assert paths["start_viewers"] == 2 and paths["reached"] == paths["walks"] == 10
    assert paths["steps_histogram"]["1"] == 5 and paths["steps_histogram"]["2"] == 5
    assert paths["median_steps"] == 1.5
    assert ["C", "S"] in paths["example_paths"] and ["A", "B", "S"] in paths["example_paths"]


def test_walk_dead_ends_are_counted_not_hidden(tmp_path):
    recs = [("A", "explore", "B", "account", None)]
    ws = make_workspace(tmp_path / "ws", accounts=["A", "B", "S"], recs=recs, sellers=["S"])
    paths = run_audit(ws).audit["exposure_paths"]["p"]["all"]
    assert paths["reached"] == 0 and paths["dead_end"] == paths["walks"] > 0


def test_missing_tables_give_an_empty_audit_not_a_crash(tmp_path):
    ws = Workspace(tmp_path / "ws")
    result = run_audit(ws)
    assert result.audit["platforms"] == {} and result.mitigations["queries"] == []
    assert "<svg" in lift_plot(result.audit) and "<svg" in exposure_plot(result.audit)


def _svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]*width="([\d.]+)pt"[^>]*height="([\d.]+)pt"', svg)
    return float(m.group(1)), float(m.group(2))


def test_plots_draw_every_surface(truth_result):
    svg = lift_plot(truth_result.audit)
    w, h = _svg_size(svg)
    assert w > 100 and h > 100
    for surface in ("suggested_accounts", "explore", "search", "hashtag"):
        assert f"{surface} (photogram" in svg
    svg2 = exposure_plot(truth_result.audit)
    assert _svg_size(svg2)[0] > 100 and "photogram" in svg2 and "chirp" in svg2


def test_query_spellings_group_into_families(truth_result):
    fams = {(f["platform"], f["family"]): f for f in truth_result.mitigations["query_families"]}
    vexkin = fams[("photogram", "vexkin")]
    assert {"search:vexkin", "hashtag:#vexkin", "search:vexxkkin"} <= set(vexkin["variants"])
    assert vexkin["expected_drop"]["flagged_impressions"] == sum(
        q["expected_drop"]["flagged_impressions"] for q in truth_result.mitigations["queries"]
        if q["platform"] == "photogram" and q["family"] == "vexkin")
    # pooling spellings gives stronger evidence than any single spelling seen once
    single = [q for q in truth_result.mitigations["queries"] if q["query"] == "flenzoshhoop"][0]
    fam = fams[("photogram", single["family"])]
    assert fam["flagged_share_ci"][0] > single["flagged_share_ci"][0]
