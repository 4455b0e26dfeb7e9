"""Confidence intervals for the audit's shares and lifts.

A surface with a few hundred adjacent impressions can show a large lift by chance; every number
the audit reports therefore carries an interval, so a reader (and the mitigation rules) can tell
a steering surface from noise.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
BOOTSTRAP_ROUNDS = 1000
# Fixed so that the same export gives the same intervals on every run (reproducible evidence).
BOOTSTRAP_SEED = 20240601
# Above this many clusters (viewers) the bootstrap costs seconds and the cluster-robust delta
# method is already accurate (the ratio estimator is near normal), so it is used instead.
BOOTSTRAP_MAX_VIEWERS = 5000


@lru_cache(maxsize=8)
def _z(confidence: float = CONFIDENCE) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Wilson score interval: well behaved at 0 and at small n, unlike the normal approximation."""
    if trials <= 0:
        return None
    z = _z(confidence)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    lo = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    hi = 1.0 if successes == trials else max(p, min(1.0, centre + half))
    return lo, hi


def wilson_arrays(successes: np.ndarray, trials: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """`wilson` over arrays (trials > 0), for thousands of queries at once."""
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = _z(confidence)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = np.where(x == 0, 0.0, np.minimum(p, np.maximum(0.0, centre - half)))
    hi = np.where(x == n, 1.0, np.maximum(p, np.minimum(1.0, centre + half)))
    return lo, hi


def clopper_pearson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Exact binomial interval; conservative, used where a guarantee matters more than width."""
    if trials <= 0:
        return None
    alpha = 1 - confidence
    lo = 0.0 if successes == 0 else float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1))
    hi = 1.0 if successes == trials else float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return lo, hi


def katz_ratio(x1: int, n1: int, x0: int, n0: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Delta-method (Katz log) interval for (x1/n1) / (x0/n0) with independent binomials.

    A zero count gets the Haldane 0.5 correction so the interval stays finite and honest
    (a lift of 0 seen in 40 impressions is not proof of no steering).
    """
    if n1 <= 0 or n0 <= 0:
        return None
    if x0 == 0 and x1 == 0:
        return None
    a, b = (x1, n1) if x1 > 0 else (0.5, n1 + 0.5)
    c, d = (x0, n0) if x0 > 0 else (0.5, n0 + 0.5)
    ratio = (a / b) / (c / d)
    se = math.sqrt(max(1 / a - 1 / b, 0) + max(1 / c - 1 / d, 0))
    z = _z(confidence)
    lo, hi = ratio * math.exp(-z * se), ratio * math.exp(z * se)
    return (0.0 if x1 == 0 else lo), hi


def clustered_lift(
    viewer_n: np.ndarray,
    viewer_x: np.ndarray,
    baseline_x: int,
    baseline_n: int,
    confidence: float = CONFIDENCE,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap of lift that resamples viewers, not impressions.

    Impressions shown to one viewer are correlated (one viewer who follows a seller gets many
    of them), so an impression-level interval is too narrow; resampling whole viewers (Poisson
    weights) keeps that correlation. The baseline is redrawn as a binomial proportion.
    """
    viewer_n = np.asarray(viewer_n, dtype=np.float64)
    viewer_x = np.asarray(viewer_x, dtype=np.float64)
    if viewer_n.size == 0 or viewer_n.sum() <= 0 or baseline_n <= 0 or baseline_x <= 0:
        return None
    if viewer_n.size > BOOTSTRAP_MAX_VIEWERS:
        return clustered_delta_lift(viewer_n, viewer_x, baseline_x, baseline_n, confidence)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(rounds, 4_000_000 // max(1, viewer_n.size)))  # bounded memory
    lifts = []
    p0 = baseline_x / baseline_n
    for start in range(0, rounds, chunk):
        k = min(chunk, rounds - start)
        w = rng.poisson(1.0, size=(k, viewer_n.size)).astype(np.float64)
        n = w @ viewer_n
        x = w @ viewer_x
        base = rng.binomial(baseline_n, p0, size=k) / baseline_n
        with np.errstate(divide="ignore", invalid="ignore"):
            lift = np.where((n > 0) & (base > 0), (x / n) / base, np.nan)
        lifts.append(lift)
    all_lifts = np.concatenate(lifts)
    all_lifts = all_lifts[np.isfinite(all_lifts)]
    if all_lifts.size == 0:
        return None
    alpha = 1 - confidence
    return float(np.quantile(all_lifts, alpha / 2)), float(np.quantile(all_lifts, 1 - alpha / 2))


def clustered_delta_lift(
    viewer_n: np.ndarray, viewer_x: np.ndarray, baseline_x: int, baseline_n: int, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Lift interval on the log scale with a cluster-robust (ratio-estimator) variance per viewer."""
    viewer_n = np.asarray(viewer_n, dtype=np.float64)
    viewer_x = np.asarray(viewer_x, dtype=np.float64)
    m = viewer_n.size
    tot_n, tot_x = viewer_n.sum(), viewer_x.sum()
    if m < 2 or tot_n <= 0 or tot_x <= 0 or baseline_x <= 0 or baseline_n <= 0:
        return None
    share = tot_x / tot_n
    resid = viewer_x - share * viewer_n
    var_share = m / (m - 1) * float(resid @ resid) / tot_n**2
    p0 = baseline_x / baseline_n
    var_log = var_share / share**2 + (1 - p0) / (baseline_n * p0)
    z = _z(confidence)
    lift = share / p0
    half = z * math.sqrt(var_log)
    return lift * math.exp(-half), lift * math.exp(half)


def rounded(interval: tuple[float, float] | None, digits: int = 6) -> list[float] | None:
    return None if interval is None else [round(interval[0], digits), round(interval[1], digits)]
