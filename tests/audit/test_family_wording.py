"""Query families: a share never above 100%, named by a real spelling, '1 spelling' not '1 spellings'."""

from vigil.audit.mitigations import _drop, family_mitigations


def _q(surface, query, skeleton, flagged, impressions, total):
    return {"platform": "p", "surface": surface, "query": query, "family": skeleton, "impressions": impressions,
            "expected_drop": _drop(flagged, total)}


def test_family_share_is_pooled_over_its_surfaces_not_summed():
    totals = {("p", "search"): 70, ("p", "hashtag"): 30}
    qs = [_q("search", "praflult", "prafiuit", 60, 80, 70), _q("hashtag", "praflult", "prafiuit", 30, 40, 30),
          _q("search", "pra.flult", "prafiuit", 10, 20, 70)]
    [f] = family_mitigations(qs, totals)
    assert f["expected_drop"]["share_of_flagged_impressions"] <= 1.0
    assert f["expected_drop"]["share_of_flagged_impressions"] == 1.0  # 100 of the 100 flagged impressions
    assert f["family"] == "praflult" and f["skeleton"] == "prafiuit"
    assert qs[0]["family"] == "praflult"


def test_one_spelling_is_singular():
    [f] = family_mitigations([_q("search", "zork", "zork", 1, 10, 5)], {("p", "search"): 5})
    assert "1 spelling of" in f["evidence"]
    assert f["expected_drop"]["share_of_flagged_impressions"] == 0.2


def test_drop_share_is_capped():
    assert _drop(10, 7)["share_of_flagged_impressions"] == 1.0
