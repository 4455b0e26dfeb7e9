"""Fellegi-Sunter match weights: u measured on random pairs, m learned by EM, posteriors that
compete per account and platform.

Each feature level's weight is log(m/u): m, how often the accounts of one person agree at that
level, u, how often two random accounts do. u is counted on pairs drawn at random from the
export, so it reflects these platforms' names, handle styles and pictures rather than a guess.
m is learned by expectation-maximisation over blocked pairs, with a prior that holds every
level at "no evidence" (m = u) until data moves it. Levels that carry no identity (a missing
field, a shared picture) are pinned at weight 0. Explicit pointers are too rare to learn and are
anchored instead: on its own, a profile pointing at an account means that account is the
owner's with probability SELF_POINTER_RATE.

The prior is per account and platform: a person has at most one main account on a platform,
so candidates compete. Two accounts named "Sofia Smith" with nothing else each get less than
half the belief, and neither is linked.
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from vigil.link.compare import (
    GRAPH_LEVELS, HANDLE_LEVELS, IMAGE_BINS, IMAGE_LEVELS, NAME_LEVELS, Comparison,
)

LEARNED = {"name": NAME_LEVELS, "handle": HANDLE_LEVELS, "image": IMAGE_LEVELS}
# Levels that say nothing about identity: their weight is fixed at 0, whatever EM finds.
NEUTRAL = {"name": {"missing"}, "handle": {"missing"}, "image": {"missing", "shared"}}
# Levels whose name-frequency u replaces the average u: agreeing on a rare name means more.
TF_LEVELS = {"exact", "key"}

# How often a profile that names an account on another platform names its owner's own account
# (the rest promote a friend or a seller). An assumption, stated: pointers are too rare to learn.
SELF_POINTER_RATE = 0.95
# Both profiles name the same rare contact handle, site or payment handle.
MUTUAL_ID_RATE = 0.9
# The graph stage already judged the account a re-creation of a flagged one.
BACKUP_OF_RATE = 0.9
# Share of flagged accounts that run a backup on the same platform (re-creation after a ban).
BACKUP_PRIOR = 0.1
# Bounds on the learned chance that an account has an account on another platform.
PRIOR_BOUNDS = (0.02, 0.5)
# Weight of the m prior in pseudo-pairs (prior: m = u, i.e. no evidence).
M_PRIOR_PAIRS = 5.0
# A weak prior for where copies of one photo land (pseudo-pairs, mean, sd in bits): around PDQ's
# own match threshold, broad enough to cover heavy crops. Data outweighs it after a few matches.
COPY_PRIOR_PAIRS = 2.0
COPY_PRIOR_MEAN = float(PDQ_THRESHOLD)
COPY_PRIOR_SD = 16.0
EM_ITERATIONS = 50
EM_TOLERANCE = 1e-5
# A backup re-follows its old circle: m for the same-platform graph levels (edge to the old
# account and shared neighbours; either; neither). An assumption, stated; u is measured.
GRAPH_M = {"edge_and_shared": 0.4, "edge": 0.2, "shared": 0.2, "none": 0.2}
# Graph levels that include a direct edge between the two accounts.
EDGE_LEVELS = ("edge", "edge_and_shared")

# Rotations and mirrors compared when an image file is at hand (PDQ's dihedral group).
DIHEDRAL_VARIANTS = 8
# Levels ordered from strongest to weakest agreement; weights are kept monotone along them.
ORDER = {
    "name": ("exact", "key", "subset", "partial", "differ"),
    "handle": ("same", "contains", "similar", "close", "differ"),
    "image": tuple(IMAGE_LEVELS[: len(IMAGE_BINS)]),
}


def smoothed_levels(counts: Counter, levels: tuple[str, ...], total: int) -> dict[str, float]:
    return {lv: (counts.get(lv, 0) + 0.5) / (total + 0.5 * len(levels)) for lv in levels}


@dataclass
class UProbabilities:
    """u per feature level for one ordered platform pair, measured on random pairs."""

    levels: dict[str, dict[str, float]]
    n_pairs: int


def measure_u(comparisons: list[Comparison], image_distances: np.ndarray | None = None,
              has_both_images: float | None = None, same_name: list[Comparison] | None = None) -> UProbabilities:
    """u from comparisons of random pairs. Image bins may come from a larger vectorised sample
    (`image_distances` between random pairs that both have a non-shared picture)."""
    n = len(comparisons)
    levels = {}
    for feat, lvls in LEARNED.items():
        levels[feat] = smoothed_levels(Counter(getattr(c, feat) for c in comparisons), lvls, n)
    levels["graph"] = smoothed_levels(Counter(c.graph for c in comparisons), GRAPH_LEVELS, n)
    # Handles of strangers who share a name: how often they coincide anyway.
    sn = [c for c in (same_name or []) if c.handle_given_name]
    levels["handle|name"] = smoothed_levels(Counter(c.handle for c in sn), HANDLE_LEVELS, len(sn)) if sn else dict(levels["handle"])
    if image_distances is not None and len(image_distances) and has_both_images:
        binned = Counter()
        for (lo, hi), lv in zip(IMAGE_BINS, IMAGE_LEVELS):
            binned[lv] = int(((image_distances >= lo) & (image_distances <= hi)).sum())
        total = len(image_distances)
        for lv in IMAGE_LEVELS[: len(IMAGE_BINS)]:
            levels["image"][lv] = has_both_images * (binned[lv] + 0.5) / (total + 0.5 * len(IMAGE_BINS))
    return UProbabilities(levels=levels, n_pairs=n)


@dataclass
class Model:
    m: dict[str, dict[str, float]]
    u: dict[tuple[str, str], UProbabilities]
    prior: dict[tuple[str, str], float] = field(default_factory=dict)
    iterations: int = 0
    converged: bool = False
    posteriors: np.ndarray | None = None
    blocked_match_share: float = 0.0
    # (pa, pb, feature, level, handle spells the name) -> (m over its informative share, u over
    # its informative share): the same few dozen values for every scored pair. m and the learned
    # features' u stay fixed once fit_m has returned (only the graph's u is set later, and the
    # graph is weighed without this), so they are computed once per key.
    _level_terms: dict = field(default_factory=dict, repr=False)

    def u_for(self, pa: str, pb: str) -> UProbabilities:
        return self.u.get((pa, pb)) or self.u.get((pb, pa)) or next(iter(self.u.values()))

    def feature_weights(self, c: Comparison, pa: str, pb: str, name_u: float | None,
                        handle_u: float | None = None, edge_u: float | None = None) -> dict[str, float]:
        """log(m/u) per learned feature (0 for neutral levels); u replaced by the frequency of this
        very name or handle when given (the average u would overrate a popular one)."""
        u = self.u_for(pa, pb).levels
        out = {}
        for feat in LEARNED:
            lv = getattr(c, feat)
            if lv in NEUTRAL[feat]:
                out[feat] = 0.0
                continue
            key = (pa, pb, feat, lv, c.handle_given_name)
            terms = self._level_terms.get(key)
            if terms is None:
                table = _u_table(u, feat, c.handle_given_name)
                terms = (self.m[feat][lv] / _informative_share(self.m[feat], feat),
                         table[lv] / _informative_share(table, feat))
                self._level_terms[key] = terms
            m_ratio, uu = terms
            if feat == "name" and lv in TF_LEVELS and name_u is not None:
                uu = name_u
            elif feat == "handle" and lv == "same" and handle_u is not None:
                uu = max(uu, handle_u)
            if feat == "image" and c.mirrored:
                # the best of the eight rotations/mirrors: eight chances for a stranger to come close
                uu = min(1.0, uu * DIHEDRAL_VARIANTS)
            out[feat] = math.log(m_ratio / max(uu, 1e-12))
        if pa == pb and c.graph != "missing":
            # GRAPH_M is given that both accounts have neighbours; so is u.
            uu = u["graph"][c.graph] / max(1.0 - u["graph"].get("missing", 0.0), 1e-9)
            if edge_u is not None and c.graph in EDGE_LEVELS:
                # An account that follows hundreds ties to a stranger by chance far more often
                # than the average in-scope account: its own chance of an edge bounds u below.
                shared = 1.0 if c.graph == "edge" else u["graph"]["shared"] + u["graph"]["edge_and_shared"]
                uu = max(uu, edge_u * shared)
            out["graph"] = math.log(GRAPH_M[c.graph] / max(uu, 1e-12))
            if c.graph == "none":
                out["graph"] = min(out["graph"], 0.0)  # no tie and no shared circle never argues for one person
        return out


def _u_table(u: dict[str, dict[str, float]], feat: str, handle_given_name: bool) -> dict[str, float]:
    """u of a feature level; the handle's u among same-name strangers when handles spell the name."""
    if feat == "handle" and handle_given_name and "handle|name" in u:
        return u["handle|name"]
    return u[feat]


def _informative_share(dist: dict[str, float], feat: str) -> float:
    """Probability mass outside the neutral levels: m and u are compared given the field is there."""
    return max(1.0 - sum(dist[lv] for lv in NEUTRAL[feat] if lv in dist), 1e-9)


def initial_m(u: UProbabilities) -> dict[str, dict[str, float]]:
    """m = u: no evidence until EM finds some."""
    return {feat: dict(u.levels[feat]) for feat in LEARNED}


def explicit_log_odds(c: Comparison, backup_of: bool) -> float | None:
    """The anchored posterior log-odds of explicit evidence, or None when there is none."""
    rates = []
    if c.explicit == "pointer":
        rates.append(SELF_POINTER_RATE if len(c.pointer_dirs) < 2 else 1 - (1 - SELF_POINTER_RATE) ** 2)
    elif c.explicit == "mutual_id":
        rates.append(MUTUAL_ID_RATE)
    if backup_of:
        rates.append(BACKUP_OF_RATE)
    if not rates:
        return None
    r = max(rates)
    return math.log(r / (1 - r))


@dataclass(slots=True)
class PairRow:
    """One blocked pair as EM and scoring see it."""

    c: Comparison
    pa: str
    pb: str
    name_u: float | None
    handle_u: float | None
    anchor: float | None  # anchored posterior log-odds of explicit evidence
    edge_u: float | None = None  # chance of an edge between these two accounts by their degrees
    extra: float = 0.0  # further log-weight from outside the learned features (linked neighbours)
    learned: float | None = None  # sum of `Model.feature_weights` when the caller computed it already


def group_posteriors(model: Model, rows: list[PairRow], prior: float, size: int) -> tuple[list[float], list[float]]:
    """Log-likelihood ratios and competing posteriors of one account's candidates on one platform."""
    base = math.log(prior / (1 - prior)) - math.log(max(size, 1))
    lrs = []
    for r in rows:
        learned = r.learned
        if learned is None:
            learned = sum(model.feature_weights(r.c, r.pa, r.pb, r.name_u, r.handle_u, r.edge_u).values())
        w = learned + r.extra
        if r.anchor is not None:
            w += max(r.anchor - base, 0.0)
        lrs.append(w)
    return lrs, competing_posteriors(lrs, prior, size)


def _weight_tables(model: Model, pair_keys: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """log(m/u) per (platform pair, level) for each learned feature; neutral levels 0."""
    out = {}
    for feat_key in list(LEARNED) + ["handle|name"]:
        feat = feat_key.split("|")[0]
        lvls = LEARNED[feat]
        m_share = _informative_share(model.m[feat], feat)
        table = np.zeros((len(pair_keys), len(lvls)))
        for k, (pa, pb) in enumerate(pair_keys):
            levels = model.u_for(pa, pb).levels
            u = levels.get(feat_key, levels[feat])
            u_share = _informative_share(u, feat)
            for li, lv in enumerate(lvls):
                if lv not in NEUTRAL[feat]:
                    table[k, li] = math.log(model.m[feat][lv] / m_share / max(u[lv] / u_share, 1e-12))
        out[feat_key] = table
    return out


def fit_m(groups: list[list[PairRow]], sizes: list[int], queries_per_platform: dict[str, int],
          u: dict[tuple[str, str], UProbabilities], initial_prior: float = 0.1) -> Model:
    """EM for m and for each platform pair's prior, u held fixed.

    Each group is one drawn account's candidates on one other platform; they compete for the one
    account a person has there, which keeps EM from calling every blocked pair a match. Vectorised
    over pairs: the same arithmetic as `group_posteriors`, once per iteration.
    """
    pooled_u = _pool_u(u)
    model = Model(m=initial_m(pooled_u), u=u)
    groups = [g for g in groups if g]
    keys = sorted({(g[0].pa, g[0].pb) for g in groups})
    model.prior = {k: initial_prior for k in keys}
    if not groups:
        return model
    key_idx = {k: n for n, k in enumerate(keys)}
    rows = [r for g in groups for r in g]
    starts = np.cumsum([0] + [len(g) for g in groups[:-1]])
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    gkey = np.array([key_idx[(g[0].pa, g[0].pb)] for g in groups])
    gsize = np.array([max(s, 1) for s in sizes], dtype=float)
    rkey = gkey[group_of]
    level = {f: np.array([lv.index(getattr(r.c, f)) for r in rows]) for f, lv in LEARNED.items()}
    name_u = np.array([r.name_u if (r.name_u is not None and r.c.name in TF_LEVELS) else np.nan for r in rows])
    handle_u = np.array([r.handle_u if (r.handle_u is not None and r.c.handle == "same") else np.nan for r in rows])
    anchor = np.array([r.anchor if r.anchor is not None else np.nan for r in rows])
    name_agree = np.array([r.c.handle_given_name for r in rows])
    distance = np.array([r.c.distance if r.c.distance is not None else np.nan for r in rows], dtype=float)
    queries = np.array([max(queries_per_platform.get(k[0], 1), 1) for k in keys], dtype=float)
    prev = None
    post = np.zeros(len(rows))
    for it in range(EM_ITERATIONS):
        tables = _weight_tables(model, keys)
        w = np.zeros(len(rows))
        for feat in LEARNED:
            if feat != "handle":
                w += tables[feat][rkey, level[feat]]
        htab = np.where(name_agree, tables["handle|name"][rkey, level["handle"]], tables["handle"][rkey, level["handle"]])
        w += htab
        lm = {f: np.log(np.array([model.m[f][lv] for lv in LEARNED[f]]) / _informative_share(model.m[f], f))
              for f in ("name", "handle")}
        tf = ~np.isnan(name_u)
        w[tf] += lm["name"][level["name"][tf]] - np.log(name_u[tf]) - tables["name"][rkey[tf], level["name"][tf]]
        hu = ~np.isnan(handle_u)
        if hu.any():
            u_h = np.exp(lm["handle"][level["handle"][hu]] - htab[hu])
            w[hu] += lm["handle"][level["handle"][hu]] - np.log(np.maximum(u_h, handle_u[hu])) - htab[hu]
        prior = np.array([model.prior[k] for k in keys])
        base_g = np.log(prior / (1 - prior))[gkey] - np.log(gsize)
        base = base_g[group_of]
        an = ~np.isnan(anchor)
        w[an] += np.maximum(anchor[an] - base[an], 0.0)
        z = base + w
        top = np.maximum(np.maximum.reduceat(z, starts), 0.0)
        ez = np.exp(z - top[group_of])
        denom = np.exp(-top) + np.add.reduceat(ez, starts)
        post = ez / denom[group_of]
        for feat, lvls in LEARNED.items():
            acc = Counter(dict(zip(lvls, np.bincount(level[feat], weights=post, minlength=len(lvls)))))
            model.m[feat] = _m_step(acc, lvls, feat, pooled_u.levels[feat])
        _smooth_copy_distances(model, level["image"], distance, post)
        _make_monotone(model, pooled_u)
        found = np.bincount(rkey, weights=post, minlength=len(keys))
        for k, share in zip(keys, found / queries):
            model.prior[k] = float(min(max(share, PRIOR_BOUNDS[0]), PRIOR_BOUNDS[1]))
        model.iterations = it + 1
        if prev is not None and np.abs(post - prev).max() < EM_TOLERANCE:
            model.converged = True
            break
        prev = post
    model.posteriors = post
    model.blocked_match_share = float(post.sum() / max(len(post), 1))
    model._level_terms.clear()
    return model


def _smooth_copy_distances(model: Model, image_level: np.ndarray, distance: np.ndarray, post: np.ndarray) -> None:
    """Spread m over the copy bins as a normal curve fitted to the matches' copy distances.

    Copies land on a continuum (crop, recompression, mirroring); a bin that no drawn match
    happened to fall in is not evidence that copies never land there. The copy bins keep the
    mass EM gave them together; only its shape is smoothed.
    """
    copy_bins = list(range(len(IMAGE_BINS) - 1))
    mask = np.isin(image_level, copy_bins) & ~np.isnan(distance)
    w, d = post[mask], distance[mask]
    n = w.sum() + COPY_PRIOR_PAIRS
    mu = (float((w * d).sum()) + COPY_PRIOR_PAIRS * COPY_PRIOR_MEAN) / n
    var = (float((w * (d - mu) ** 2).sum()) + COPY_PRIOR_PAIRS * COPY_PRIOR_SD**2) / n
    sd = max(math.sqrt(var), 4.0)
    m = model.m["image"]
    names = [IMAGE_LEVELS[b] for b in copy_bins]
    mass = sum(m[lv] for lv in names)

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((x - mu) / (sd * math.sqrt(2))))

    lo_all, hi_all = IMAGE_BINS[0][0], IMAGE_BINS[len(copy_bins) - 1][1]
    z = cdf(hi_all + 0.5) - cdf(lo_all - 0.5)
    for b, lv in zip(copy_bins, names):
        lo, hi = IMAGE_BINS[b]
        m[lv] = mass * max(cdf(hi + 0.5) - cdf(lo - 0.5), 1e-9) / max(z, 1e-9)


def _m_step(acc: Counter, levels: tuple[str, ...], feat: str, u: dict[str, float]) -> dict[str, float]:
    """m over the informative levels, shrunk toward u (no evidence); neutral levels keep u's mass."""
    informative = [lv for lv in levels if lv not in NEUTRAL[feat]]
    total = sum(acc[lv] for lv in informative)
    share = _informative_share(u, feat)
    m = {lv: u[lv] for lv in levels if lv in NEUTRAL[feat]}
    for lv in informative:
        m[lv] = share * (acc[lv] + M_PRIOR_PAIRS * u[lv] / share) / (total + M_PRIOR_PAIRS)
    return m


def _pool_u(u: dict[tuple[str, str], UProbabilities]) -> UProbabilities:
    """Average u over platform pairs: the prior for m, and the reference for monotone weights."""
    levels = {}
    keys = list(u.values())
    for feat in list(LEARNED) + ["graph"]:
        lvls = keys[0].levels[feat].keys()
        levels[feat] = {lv: float(np.mean([x.levels[feat][lv] for x in keys])) for lv in lvls}
    return UProbabilities(levels=levels, n_pairs=sum(x.n_pairs for x in keys))


def _make_monotone(model: Model, u: UProbabilities) -> None:
    """A closer picture, a more similar handle or name never weighs less than a looser one.

    Weights are compared against pooled u; where a weaker level would outweigh a stronger one,
    the stronger one is raised to match (m renormalised).
    """
    for feat, order in ORDER.items():
        m = model.m[feat]
        ratio = [m[lv] / u.levels[feat][lv] for lv in order]
        for k in range(len(order) - 2, -1, -1):
            if ratio[k] < ratio[k + 1]:
                ratio[k] = ratio[k + 1]
        for lv, r in zip(order, ratio):
            m[lv] = r * u.levels[feat][lv]
        informative = [lv for lv in m if lv not in NEUTRAL[feat]]
        scale = _informative_share(m, feat) / sum(m[lv] for lv in informative)
        model.m[feat] = {lv: (v * scale if lv in informative else v) for lv, v in m.items()}


def competing_posteriors(log_lrs: list[float], prior: float, platform_size: int) -> list[float]:
    """P(candidate k is the account's one account on that platform), candidates competing.

    prior: chance the account has an account there at all; each of the platform's accounts is
    a priori equally likely to be it; accounts not blocked are taken as no evidence either way.
    """
    if not log_lrs:
        return []
    base = math.log(prior / (1 - prior)) - math.log(max(platform_size, 1))
    z = np.array([base + w for w in log_lrs])
    top = max(z.max(), 0.0)
    ez = np.exp(z - top)
    denom = math.exp(-top) + ez.sum()
    return [float(x) for x in ez / denom]
