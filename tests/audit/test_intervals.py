"""The intervals: correct known values, coverage close to nominal, and clustering widens lift."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.audit import intervals


def test_wilson_matches_the_textbook_value():
    # Newcombe (1998), example 81/263: Wilson 0.2553-0.3662
    lo, hi = intervals.wilson(81, 263)
    assert math.isclose(lo, 0.2553, abs_tol=5e-4) and math.isclose(hi, 0.3662, abs_tol=5e-4)


def test_wilson_and_exact_are_sane_at_zero_and_at_n():
    lo, hi = intervals.wilson(0, 10)
    assert lo == 0.0 and 0.2 < hi < 0.35
    lo, hi = intervals.clopper_pearson(0, 10)
    assert lo == 0.0 and math.isclose(hi, 1 - 0.025 ** (1 / 10), rel_tol=1e-9)
    lo, hi = intervals.clopper_pearson(10, 10)
    assert hi == 1.0 and math.isclose(lo, 0.025 ** (1 / 10), rel_tol=1e-9)
    assert intervals.wilson(0, 0) is None


@given(st.integers(1, 5000), st.data())
@settings(max_examples=200, deadline=None)
def test_intervals_contain_the_estimate_and_stay_in_unit_range(n, data):
    x = data.draw(st.integers(0, n))
    for fn in (intervals.wilson, intervals.clopper_pearson):
        lo, hi = fn(x, n)
        assert 0.0 <= lo <= x / n <= hi <= 1.0


def test_wilson_coverage_is_near_nominal():
    rng = np.random.default_rng(1)
    p, n = 0.03, 300
    hits = 0
    draws = rng.binomial(n, p, size=2000)
    for x in draws:
        lo, hi = intervals.wilson(int(x), n)
        hits += lo <= p <= hi
    assert 0.92 <= hits / len(draws) <= 0.98


def test_katz_lift_interval_covers_the_true_ratio_near_nominal():
    rng = np.random.default_rng(2)
    p1, n1, p0, n0 = 0.05, 400, 0.005, 6000
    true = p1 / p0
    draws = 1000
    covered = sum(
        lo <= true <= hi
        for lo, hi in (intervals.katz_ratio(int(rng.binomial(n1, p1)), n1, int(rng.binomial(n0, p0)), n0)
                       for _ in range(draws))
    )
    assert 0.92 <= covered / draws <= 0.985


def test_bootstrap_agrees_with_delta_method_without_clustering():
    n = np.ones(400, dtype=np.int64)
    x = np.zeros(400, dtype=np.int64)
    x[:20] = 1
    boot = intervals.clustered_lift(n, x, 12, 6000)
    delta = intervals.katz_ratio(20, 400, 12, 6000)
    assert boot[0] < 25 < boot[1]
    assert math.isclose(boot[0], delta[0], rel_tol=0.3) and math.isclose(boot[1], delta[1], rel_tol=0.3)


def test_bootstrap_widens_when_one_viewer_gets_all_flagged_impressions():
    """20 flagged impressions to one viewer is weak evidence; 20 spread over 20 viewers is not."""
    n = np.full(40, 10, dtype=np.int64)
    spread = np.zeros(40, dtype=np.int64)
    spread[:20] = 1
    lumped = np.zeros(40, dtype=np.int64)
    lumped[0] = 10
    lumped[1] = 10
    w_spread = np.subtract(*reversed(intervals.clustered_lift(n, spread, 12, 6000)))
    w_lumped = np.subtract(*reversed(intervals.clustered_lift(n, lumped, 12, 6000)))
    assert w_lumped > 1.5 * w_spread


def test_bootstrap_is_reproducible():
    n = np.array([5, 3, 8]); x = np.array([1, 0, 2])
    assert intervals.clustered_lift(n, x, 3, 1000) == intervals.clustered_lift(n, x, 3, 1000)


def test_cluster_robust_delta_agrees_with_the_bootstrap_on_many_viewers():
    rng = np.random.default_rng(3)
    n = rng.integers(1, 20, size=3000)
    x = rng.binomial(n, 0.04)
    boot = intervals.clustered_lift(n, x, 30, 10000)
    delta = intervals.clustered_delta_lift(n, x, 30, 10000)
    assert math.isclose(boot[0], delta[0], rel_tol=0.1) and math.isclose(boot[1], delta[1], rel_tol=0.1)
