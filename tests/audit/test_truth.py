"""With the TRUE sellers as `scores`, the audit must reproduce the sample's truth_audit.json.

That proves the contract's formulas (adjacency, post authors, baseline, lift, query list) are
implemented as specified; only the choice of flagged accounts differs in a real run.
"""

from __future__ import annotations

import json

import pytest

CONTRACT_FIELDS = ("impressions", "adjacent_impressions", "adjacent_flagged_share",
                   "other_flagged_share", "baseline_share", "lift")


@pytest.fixture(scope="module")
def truth_audit(sample_truth):
    return json.loads((sample_truth / "truth_audit.json").read_text(encoding="utf-8"))


def _queries(lst):
    return [(q["surface"], q["query"], q["impressions"], q["flagged_share"]) for q in lst]


def test_every_platform_surface_matches_truth_exactly(truth_result, truth_audit):
    mine = truth_result.audit["platforms"]
    for platform, body in truth_audit["platforms"].items():
        assert list(mine[platform]["surfaces"]) == list(body["surfaces"]), platform
        for surface, metrics in body["surfaces"].items():
            got = mine[platform]["surfaces"][surface]
            for f in CONTRACT_FIELDS:
                assert got[f] == metrics[f], (platform, surface, f, got[f], metrics[f])


def test_pooled_surfaces_match_truth_exactly(truth_result, truth_audit):
    for surface, metrics in truth_audit.get("surfaces", {}).items():
        got = truth_result.audit["surfaces"][surface]
        for f in CONTRACT_FIELDS:
            assert got[f] == metrics[f], (surface, f)


def test_query_lists_match_truth_in_order(truth_result, truth_audit):
    for platform, body in truth_audit["platforms"].items():
        assert _queries(truth_result.audit["platforms"][platform]["queries"]) == _queries(body["queries"])
    if "queries" in truth_audit:
        assert _queries(truth_result.audit["queries"]) == _queries(truth_audit["queries"])


def test_every_query_leading_to_sellers_gets_a_mitigation(truth_result, truth_audit):
    mitigated = {(m["platform"], m["surface"], m["query"]) for m in truth_result.mitigations["queries"]}
    wanted = {(p, q["surface"], q["query"]) for p, b in truth_audit["platforms"].items() for q in b["queries"]}
    assert wanted <= mitigated


def test_every_share_and_lift_has_an_interval_around_it(truth_result):
    for platform, body in truth_result.audit["platforms"].items():
        for surface, m in body["surfaces"].items():
            for share in ("adjacent_flagged_share", "other_flagged_share", "baseline_share"):
                lo, hi = m[f"{share}_ci"]
                assert lo - 1e-6 <= m[share] <= hi + 1e-6, (platform, surface, share)
            if m["adjacent_flagged_impressions"]:
                lo, hi = m["lift_ci"]
                assert lo < m["lift"] < hi, (platform, surface)
        for q in body["queries"]:
            lo, hi = q["flagged_share_ci"]
            assert lo <= q["flagged_share"] <= hi


def test_the_strong_surfaces_are_significant_and_the_flat_one_is_not(truth_result):
    """chirp's hashtag surface shows no steering (lift < 1 in truth): its interval must include 1,
    while photogram explore (lift 42) must exclude it."""
    chirp = truth_result.audit["platforms"]["chirp"]["surfaces"]["hashtag"]
    assert chirp["lift_ci"][0] < 1 < chirp["lift_ci"][1]
    explore = truth_result.audit["platforms"]["photogram"]["surfaces"]["explore"]
    assert explore["lift_ci"][0] > 1


def test_exposure_paths_are_a_distribution(truth_result):
    paths = truth_result.audit["exposure_paths"]["photogram"]["all"]
    assert paths["walks"] > 0
    hist = paths["steps_histogram"]
    assert sum(hist.values()) == paths["reached"]
    assert paths["reached"] + paths["dead_end"] + paths["not_reached_within_max"] == paths["walks"]
    within = [paths["reached_within"][k] for k in sorted(paths["reached_within"], key=int)]
    assert within == sorted(within)
    assert paths["reached"] > 0
    for path in paths["example_paths"]:
        assert len(path) >= 2
