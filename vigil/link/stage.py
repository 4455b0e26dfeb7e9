"""The `link` stage: tie the accounts the investigation cares about to their other accounts.

Order: profiles and pictures once; u measured on random pairs; m learned by EM over the
blocked pairs of a random sample of accounts (so the weights describe this export, not the
accounts under suspicion); then the accounts in scope are blocked, compared, scored with
candidates competing per platform, and linked only when the best candidate is more likely
than not the same person AND something other than the name says so. A second pass adds graph
overlap through the first pass's confident links (overlap.py), and confident links are closed
transitively into people (a backup is the same person as the main account's other accounts).
Within a platform, the graph stage's re-creation verdict (`scores.backup_of`) always links, and
the linker adds its own re-creation evidence (recreation.py) for flagged sellers' look-alikes.
"""

from __future__ import annotations

from vigil.media.threshold import PDQ_THRESHOLD
import dataclasses
import gc
import math
import time
from contextlib import contextmanager
from collections import Counter, defaultdict
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vigil import schemas
from vigil.link import evidence
from vigil.link.candidates import EMBEDDED, LinkEngine, block, picture_queries, random_pairs
from vigil.link.compare import GRAPH_LEVELS, IMAGE_BINS, IMAGE_LEVELS, Comparison, compare, compare_graph
from vigil.link.images import ProfileImages, hamming_rows, load_profile_images
from vigil.link.model import (
    BACKUP_OF_RATE, BACKUP_PRIOR, EDGE_LEVELS, PRIOR_BOUNDS, TF_LEVELS, Model, PairRow, smoothed_levels, explicit_log_odds, fit_m, group_posteriors,
    measure_u,
)
from vigil.link.profiles import MAX_ACCOUNTS_PER_PERSON, Profiles, build_profiles
from vigil.link.overlap import U_POOL, anchors_from, linked_neighbour_weights, random_pool
from vigil.link.recreation import Recreation, build_recreation, last_posts
from vigil.link.scope import Edges, edge_rows, focus_accounts, neighbour_sets, ring_hubs, search_order
from vigil.progress import task
from vigil.workspace import Workspace

# Links are written when the best candidate is more likely than not the same person.
LINK_THRESHOLD = 0.5
# A candidate this likely on its own evidence (ignoring its rivals) is linked even when another
# account on that platform won: people run a second account there (a backup after a ban).
SECOND_ACCOUNT_THRESHOLD = 0.9
# Random pairs per platform pair for u of names and handles, and (cheap, vectorised) for pictures.
U_TEXT_PAIRS = 20_000
U_IMAGE_PAIRS = 400_000
# ...but no more than this many per account of the two platforms: a small export has few
# distinct pairs to learn from, and drawing the same ones again adds time, not knowledge.
U_PAIRS_PER_ACCOUNT = 10
# Accounts drawn at random to learn m: enough to hold a few dozen true matches in a typical export.
EM_SAMPLE_QUERIES = 3_000
# The picture search radius: the distance that random pairs of this export's pictures reach
# with this probability (so blocking on pictures stays a handful of candidates per account).
IMAGE_RADIUS_NULL_QUANTILE = 1e-4
IMAGE_RADIUS_BOUNDS = (PDQ_THRESHOLD, IMAGE_BINS[-2][1])
# In-scope accounts paired with random same-platform accounts, for u of the graph levels.
GRAPH_U_PAIRS = 5_000
# Links at least this confident join accounts into one person for the transitive closure.
CLOSURE_MIN_SCORE = 0.9
# Seed of the random pair sample: runs are reproducible.
SEED = 7
# Handle levels that identify on their own account (a retyped handle, not a coincidence of stems).
HANDLE_IDENTITY = {"same", "contains", "similar"}
# Chance that a flagged account's owner, when flagged on one platform, has an account on another
# platform that the investigation flagged too. Members of one ring work across its platforms; an
# assumption, stated (the upper bound of the learned per-platform prior), not learned: there are
# too few flagged accounts to learn it from.
FLAGGED_PEER_PRIOR = PRIOR_BOUNDS[1]

ACCOUNT_COLUMNS = [
    "platform", "account_id", "handle", "display_name", "bio", "links", "created_at",
    "profile_image", "profile_image_pdq", "_file",
]


def run_link(ws: Workspace, engine: LinkEngine = EMBEDDED, wait_for: Callable[[str], None] | None = None) -> dict:
    """Write `links` (schemas.LINKS) and `link_candidates` (the in-scope accounts' blocked pairs)
    and return stage statistics. `engine`: where blocking's platform-wide joins run.
    `wait_for(table)`, when given, blocks until an earlier stage has written `profile_hashes`
    (media) or `scores` (graph): the stage reads each as late as it can, so that it can run beside
    the stages that write them (vigil.link.early)."""
    wait_for = wait_for or (lambda table: None)
    if not ws.has("accounts"):
        ws.write("links", schemas.LINKS.empty_table())
        ws.write("link_candidates", schemas.LINK_CANDIDATES.empty_table())
        return {"links": 0, "in_scope": 0, "note": "no accounts table"}
    available = set(pq.read_schema(ws.path("accounts")).names)
    accounts = ws.read("accounts", columns=[c for c in ACCOUNT_COLUMNS if c in available])
    edges = ws.path("edges") if ws.has("edges") else schemas.EDGES.empty_table()
    last_post = last_posts(ws.path("posts")) if ws.has("posts") else None
    with _profiles_frozen():
        learned = learn_export(accounts, lambda: _profile_hashes(ws, wait_for), engine=engine)
        wait_for("scores")
        scores = ws.read_or_empty("scores", schemas.SCORES)
        tables: dict[str, pa.Table] = {}
        links, stats = link_accounts(accounts, None, scores, edges, last_post=last_post, engine=engine,
                                     tables=tables, learned=learned)
    ws.write("links", links)
    ws.write("link_candidates", tables.get("link_candidates", schemas.LINK_CANDIDATES.empty_table()))
    return stats


@dataclasses.dataclass
class Learned:
    """What the linker learns of the whole export before it knows whom the investigation flags:
    folded profiles, pictures, u of random pairs and m by EM. Nothing here reads the graph
    stage's scores."""

    prof: Profiles
    imgs: ProfileImages
    rows_by_platform: dict[str, np.ndarray]
    radius: int
    model: Model
    rng: np.random.Generator  # drawn on by the scoring half, after u and EM
    timings: dict[str, float]


def _profile_hashes(ws: Workspace, wait_for: Callable[[str], None]) -> pa.Table | None:
    wait_for("profile_hashes")
    return ws.read("profile_hashes") if ws.has("profile_hashes") else None


def learn_export(accounts: pa.Table, profile_hashes: pa.Table | None | Callable[[], pa.Table | None],
                 seed: int = SEED, engine: LinkEngine = EMBEDDED) -> Learned:
    """`profile_hashes` may be a function that reads them: they are needed only after the
    profiles are folded, and the media stage may still be writing them. Leaves the heap frozen
    (gc.freeze) for the caller's `_profiles_frozen` to unfreeze."""
    rng = np.random.default_rng(seed)
    timings: dict[str, float] = {}
    with _phase(timings, "profiles"):
        prof = build_profiles(accounts)
    gc.freeze()  # see _profiles_frozen: the caller unfreezes
    if callable(profile_hashes):
        profile_hashes = profile_hashes()
    with _phase(timings, "pictures"):
        imgs = load_profile_images(prof, accounts, profile_hashes)
    plat = np.array(prof.platform, dtype=object)
    rows_by_platform = {p: np.flatnonzero(plat == p) for p in sorted(prof.platform_size)}
    with _phase(timings, "random pairs (u)"):
        u, radius = _measure_u(prof, imgs, rows_by_platform, rng)
    with _phase(timings, "learning weights (EM)"):
        model = _learn(prof, imgs, u, radius, rng, engine)
    return Learned(prof, imgs, rows_by_platform, radius, model, rng, timings)


def link_accounts(accounts: pa.Table, profile_hashes: pa.Table | None, scores: pa.Table, edges: Edges,
                  seed: int = SEED,
                  last_post: pa.Table | None = None, engine: LinkEngine = EMBEDDED,
                  tables: dict | None = None, learned: Learned | None = None) -> tuple[pa.Table, dict]:
    """The stage as a function over tables (no workspace), for tests and other drivers.
    `last_post`: (platform, account_id, last_post) per account, for re-creation timing.
    `tables`, when given, receives `link_candidates` (schemas.LINK_CANDIDATES).
    `learned`: `learn_export` of these accounts, when it ran already (with this seed)."""
    if learned is None:
        with _profiles_frozen():
            return link_accounts(accounts, profile_hashes, scores, edges, seed, last_post, engine, tables,
                                 learn_export(accounts, profile_hashes, seed, engine))
    prof, imgs, model, radius, rng = learned.prof, learned.imgs, learned.model, learned.radius, learned.rng
    rows_by_platform, timings = learned.rows_by_platform, dict(learned.timings)
    t0 = time.perf_counter()
    focus = focus_accounts(prof, scores, edges)
    backup_of = _backup_pairs(prof, scores)
    hubs = ring_hubs(scores)
    bios = accounts.column("bio").to_pylist() if "bio" in accounts.column_names else [None] * accounts.num_rows
    rec = build_recreation(prof, bios, last_post)
    timings["scope"] = time.perf_counter() - t0

    stats = {
        "in_scope": len(focus),
        "in_scope_by_reason": dict(sorted(_count(focus.values()).items())),
        "image_radius": radius,
        "shared_pictures": int(imgs.shared.sum()),
        "em_iterations": model.iterations,
        "em_converged": model.converged,
        "priors": {f"{a}->{b}": round(v, 4) for (a, b), v in sorted(model.prior.items())},
        "em_blocked_match_share": round(model.blocked_match_share, 5),
    }
    if not focus:
        stats["links"] = 0
        stats["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
        return schemas.LINKS.empty_table(), stats

    with _phase(timings, "candidates"):
        order = search_order(focus)
        pairs = block(prof, imgs, order, radius, same_platform=True, engine=engine)
        searched = picture_queries(imgs, order)
        stats["image_search_accounts"] = searched.accounts
        stats["image_wide_search_accounts"] = searched.wide_accounts
        for (i, j) in backup_of:
            if i in focus or j in focus:
                pairs.setdefault((i, j), set()).add("backup_of")
        if tables is not None:
            tables["link_candidates"] = candidates_table(prof, pairs)
        same_rows = {x for pair in pairs if prof.platform[pair[0]] == prof.platform[pair[1]] for x in pair}
        graph_null = _graph_null_pairs(prof, sorted(focus), rows_by_platform, rng)
        neighbours = neighbour_sets(prof, edges, same_rows | {x for pair in graph_null for x in pair})
        _measure_graph_u(prof, model, graph_null, neighbours, hubs)
    stats["candidate_pairs"] = len(pairs)

    with _phase(timings, "scoring"):
        flagged = _flagged_pool(prof, scores)
        scored = _score_focus(prof, imgs, model, pairs, neighbours, backup_of, hubs, rec, flagged=flagged)
        chosen = _choose(prof, scored, rec)
    with _phase(timings, "second pass (linked neighbours)"):
        anchors = anchors_from(prof, chosen)
        if anchors and edge_rows(edges):
            pool = random_pool(rows_by_platform, U_POOL, rng)
            wanted = {x for pair in pairs for x in pair} | set(anchors) | {x for v in anchors.values() for x in v}
            wanted |= {x for rows in pool.values() for x in rows}
            # the first pass's circles stay as they were: a rescored group is compared with them
            wider = neighbours | neighbour_sets(prof, edges, wanted - set(neighbours))
            extra, overlap_stats = linked_neighbour_weights(prof, scored, wider, anchors, pool)
            stats.update(overlap_stats)
            if extra:
                scored = _rescore_groups(prof, imgs, model, pairs, neighbours, backup_of, hubs, rec, extra,
                                         flagged, scored)
                chosen = _choose(prof, scored, rec)
    with _phase(timings, "closure and evidence"):
        closure = close_transitively(prof, chosen)
        stats["links_by_closure"] = len(closure)
        chosen = chosen + closure
        table = _links_table(prof, model, chosen)
    stats["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    stats["links"] = table.num_rows
    stats["links_same_platform"] = sum(1 for s in chosen if prof.platform[s["i"]] == prof.platform[s["j"]])
    return table, stats


def candidates_table(prof: Profiles, pairs: dict[tuple[int, int], set[str]]) -> pa.Table:
    """The blocked pairs as a table, keys sorted: what an engine's blocking is compared on."""
    cols = {name: [] for name in schemas.LINK_CANDIDATES.names}
    for (i, j), why in pairs.items():
        cols["platform_a"].append(prof.platform[i])
        cols["account_a"].append(prof.account_id[i])
        cols["platform_b"].append(prof.platform[j])
        cols["account_b"].append(prof.account_id[j])
        cols["keys"].append(sorted(why))
    return pa.table(cols, schema=schemas.LINK_CANDIDATES)


@contextmanager
def _profiles_frozen():
    """The stage's body. learn_export freezes the heap once the profiles are folded (gc.freeze):
    they are a million small containers that live to the stage's end and hold no cycles, and the
    collector's full passes walked them again and again (a sixth of the stage's CPU at 30k
    accounts). Unfrozen when the stage returns, so nothing stays out of the collector's reach."""
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _phase(timings: dict[str, float], name: str):
    """A progress line and the phase's seconds in the stage statistics (where the time goes at scale)."""
    t0 = time.perf_counter()
    with task(f"link: {name}", total=None):
        yield
    timings[name] = time.perf_counter() - t0


def _count(values) -> dict:
    out: dict = defaultdict(int)
    for v in values:
        out[v] += 1
    return out


def _backup_pairs(prof: Profiles, scores: pa.Table) -> set[tuple[int, int]]:
    if not scores.num_rows or "backup_of" not in scores.column_names:
        return set()
    out = set()
    cols = scores.select(["platform", "account_id", "backup_of"]).to_pydict()
    for p, a, b in zip(cols["platform"], cols["account_id"], cols["backup_of"]):
        i, j = prof.index.get((p, a)), prof.index.get((p, b)) if b else None
        if i is not None and j is not None and i != j:
            out.add((i, j))
            out.add((j, i))
    return out


def _measure_u(prof: Profiles, imgs: ProfileImages, rows_by_platform: dict, rng) -> tuple[dict, int]:
    """u per unordered platform pair (same-platform pairs included), and the picture radius."""
    u = {}
    null_all = []
    with_image = {p: np.array([i for i in rows if imgs.has(i)], dtype=np.int64) for p, rows in rows_by_platform.items()}
    codes = imgs.codes()
    platforms = sorted(rows_by_platform)
    for ai, pa_ in enumerate(platforms):
        for pb in platforms[ai:]:
            n_pairs = min(U_TEXT_PAIRS, U_PAIRS_PER_ACCOUNT * (len(rows_by_platform[pa_]) + len(rows_by_platform[pb])))
            sample = random_pairs(prof, rows_by_platform[pa_], rows_by_platform[pb], n_pairs, rng)
            comps = [compare(prof, imgs, i, j, with_variants=False, with_distance=False, with_explicit=False)
                     for i, j in sample]
            both = np.mean([imgs.has(i) and imgs.has(j) for i, j in sample]) if sample else 0.0
            dists = _random_distances(codes, with_image[pa_], with_image[pb], rng)
            null_all.append(dists)
            same_name = [compare(prof, imgs, i, j, with_variants=False, with_distance=False, with_explicit=False)
                         for i, j in _same_name_pairs(prof, rows_by_platform[pa_], pb, n_pairs, rng)]
            u[(pa_, pb)] = measure_u(comps, dists, float(both), same_name)
    null = np.concatenate(null_all) if null_all else np.array([])
    if len(null) >= 1000:
        radius = int(np.quantile(null, IMAGE_RADIUS_NULL_QUANTILE))
    else:
        radius = IMAGE_RADIUS_BOUNDS[1]
    return u, int(min(max(radius, IMAGE_RADIUS_BOUNDS[0]), IMAGE_RADIUS_BOUNDS[1]))


def _same_name_pairs(prof: Profiles, a_rows: np.ndarray, pb: str, n: int, rng) -> list[tuple[int, int]]:
    """Pairs of accounts that share a name key (a on its platform, b on pb): mostly strangers,
    the reference for how often their handles coincide. True matches among them only make the
    handle weigh less, never more."""
    out = []
    for i in rng.permutation(a_rows)[: n * 4]:
        group = prof.by_key.get((pb, prof.key[i])) if prof.key[i] and " " in prof.key[i] else None
        if not group:
            continue
        j = group[int(rng.integers(len(group)))]
        if j != i:
            out.append((int(i), int(j)))
            if len(out) >= n:
                break
    return out


def _graph_null_pairs(prof: Profiles, focus: list[int], rows_by_platform: dict, rng) -> list[tuple[int, int]]:
    """In-scope accounts paired with random accounts of their platform: how often a stranger
    follows, or shares a circle with, an account under investigation."""
    out = []
    per = max(1, GRAPH_U_PAIRS // max(len(focus), 1))
    for i in focus:
        rows = rows_by_platform[prof.platform[i]]
        out += [(i, int(j)) for j in rng.choice(rows, size=per) if j != i]
    return out


def _measure_graph_u(prof: Profiles, model: Model, pairs: list[tuple[int, int]], neighbours: dict,
                     hubs: set) -> None:
    by_platform: dict[str, list[str]] = defaultdict(list)
    for i, j in pairs:
        by_platform[prof.platform[i]].append(compare_graph(neighbours, prof, i, j, hubs))
    for p, levels in by_platform.items():
        u = model.u_for(p, p)
        u.levels["graph"] = smoothed_levels(Counter(levels), GRAPH_LEVELS, len(levels))


def _random_distances(codes: np.ndarray, a: np.ndarray, b: np.ndarray, rng) -> np.ndarray:
    if not len(a) or not len(b):
        return np.array([], dtype=np.int64)
    ai = rng.choice(a, size=U_IMAGE_PAIRS)
    bi = rng.choice(b, size=U_IMAGE_PAIRS)
    keep = ai != bi
    return hamming_rows(codes, ai[keep], bi[keep])


def _name_u(prof: Profiles, c: Comparison, i: int, j: int) -> float | None:
    """Chance that a random account on j's platform carries i's name: rarer names weigh more."""
    if c.name not in TF_LEVELS:
        return None
    p = prof.platform[j]
    n = prof.name_frequency(p, prof.key[i])
    if p == prof.platform[i]:
        n -= 1  # i itself is on that platform
    return max(n, 1) / max(prof.platform_size[p], 1)


def _handle_u(prof: Profiles, c: Comparison, i: int, j: int) -> float | None:
    """Chance that a random account on j's platform has this very handle (or handle residue)."""
    if c.handle != "same":
        return None
    p = prof.platform[j]
    if c.handle_given_name:
        text = prof.core[i]
    else:
        text = prof.residue[i] if (prof.tokens[i] and prof.tokens[j]) else prof.core[i]
    n = prof.handle_frequency(p, text) - (1 if p == prof.platform[i] else 0)
    return max(n, 1) / max(prof.platform_size[p], 1)


def _edge_u(prof: Profiles, c: Comparison, i: int, j: int, neighbours: dict | None) -> float | None:
    """Chance that two accounts of these degrees are tied by chance: each of i's neighbours is j
    with chance 1/N, and each of j's is i (same platform; degrees count distinct neighbours)."""
    if neighbours is None or c.graph not in EDGE_LEVELS:
        return None
    n = prof.platform_size[prof.platform[i]]
    return min(1.0, (len(neighbours.get(i, ())) + len(neighbours.get(j, ()))) / max(n, 1))


def _row(prof: Profiles, c: Comparison, i: int, j: int, backup: bool = False,
         neighbours: dict | None = None) -> PairRow:
    return PairRow(c=c, pa=prof.platform[i], pb=prof.platform[j], name_u=_name_u(prof, c, i, j),
                   handle_u=_handle_u(prof, c, i, j), anchor=explicit_log_odds(c, backup),
                   edge_u=_edge_u(prof, c, i, j, neighbours))


def _learn(prof: Profiles, imgs: ProfileImages, u: dict, radius: int, rng, engine: LinkEngine = EMBEDDED) -> Model:
    """EM over the blocked cross-platform pairs of randomly drawn accounts."""
    n = len(prof)
    queries = sorted(rng.choice(n, size=min(EM_SAMPLE_QUERIES, n), replace=False).tolist())
    pairs = block(prof, imgs, queries, radius, same_platform=False, engine=engine)
    grouped: dict[tuple[int, str], list[PairRow]] = defaultdict(list)
    for (i, j) in pairs:
        c = compare(prof, imgs, i, j, with_variants=False)
        grouped[(i, prof.platform[j])].append(_row(prof, c, i, j))
    keys = sorted(grouped)
    groups = [grouped[k] for k in keys]
    sizes = [prof.platform_size[k[1]] for k in keys]
    drawn = _count(prof.platform[i] for i in queries)
    return fit_m(groups, sizes, drawn, u)


def _flagged_pool(prof: Profiles, scores: pa.Table) -> tuple[set[int], Counter]:
    """Rows the investigation flagged (role not none) and their count per platform."""
    rows: set[int] = set()
    if scores.num_rows and "role" in scores.column_names:
        cols = scores.select(["platform", "account_id", "role"]).to_pydict()
        for p, a, r in zip(cols["platform"], cols["account_id"], cols["role"]):
            i = prof.index.get((p, a))
            if i is not None and r and r != "none":
                rows.add(i)
    return rows, Counter(prof.platform[i] for i in rows)


def _flagged_peer_weight(prof: Profiles, model: Model, c: Comparison, i: int, j: int,
                         weights: dict, flagged: tuple | None) -> float:
    """Extra log-weight for a cross-platform pair of two flagged accounts with one rare handle.

    The general prior spreads a person's account on the other platform over all of that
    platform's accounts, and weighs an identical handle by the platform-wide average chance that
    strangers share one (which common handles inflate). When both accounts are flagged and the
    handle is carried by no other account on either platform, the candidate comes from the small
    flagged pool there: the prior per candidate becomes FLAGGED_PEER_PRIOR over the pool, and the
    handle is weighed by the chance a stranger carries this very handle. Names, pictures and
    handles that others share are untouched (a common handle never gains), and a link still needs
    identity evidence (`identity_evidence`).
    """
    if not flagged:
        return 0.0
    rows, size = flagged
    pa_, pb = prof.platform[i], prof.platform[j]
    if pa_ == pb or i not in rows or j not in rows or size[pb] < 1:
        return 0.0
    # Only the one handle, whole (a shared residue, "music" of music_nadia / musicnikhil, is a
    # coincidence of stems), and only a rare one: when any other account on either platform
    # carries it, flagged or not, the counterpart may be that one (detection is not complete),
    # and the general model weighs it. Ring members' shared circle is the graph's business.
    text = prof.core[i]
    if c.handle != "same" or not text or text != prof.core[j] or "handle" not in weights:
        return 0.0
    if prof.handle_frequency(pa_, text) > 1 or prof.handle_frequency(pb, text) > 1:
        return 0.0
    general = model.prior.get((pa_, pb), PRIOR_BOUNDS[0])
    n_pa, n_pb = max(prof.platform_size[pa_], 1), max(prof.platform_size[pb], 1)
    # The candidate's prior: FLAGGED_PEER_PRIOR over the pool instead of the learned prior over
    # the platform (log-odds, as `group_posteriors` forms its base).
    delta = (_logit(FLAGGED_PEER_PRIOR) - math.log(size[pb])) - (_logit(general) - math.log(n_pb))
    if not c.handle_given_name:
        # How often a stranger carries this very handle: no other account on either platform
        # does (half a count of smoothing over the smaller one). The platform-wide average u,
        # which common handles inflate, is not the reference for a handle seen once. A handle
        # that spells the name keeps its weight against same-name strangers.
        u_handle = 0.5 / min(n_pa, n_pb)
        m = model.m["handle"]
        m_share = max(1.0 - m.get("missing", 0.0), 1e-9)
        delta += math.log(m["same"] / m_share / u_handle) - weights["handle"]
    return max(delta, 0.0)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _score_focus(prof: Profiles, imgs: ProfileImages, model: Model, pairs: dict, neighbours: dict,
                 backup_of: set, hubs: set, rec: Recreation, extra: dict | None = None,
                 flagged: tuple | None = None) -> list[dict]:
    """Every blocked pair of an in-scope account, with weights and a posterior among its rivals."""
    groups: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for (i, j), why in pairs.items():
        c = compare(prof, imgs, i, j, neighbours=neighbours, with_variants=True, hubs=hubs)
        row = _row(prof, c, i, j, (i, j) in backup_of, neighbours)
        weights = model.feature_weights(c, row.pa, row.pb, row.name_u, row.handle_u, row.edge_u)
        row.learned = sum(weights.values())
        recreated = rec.weights(prof, i, j, hubs)
        weights.update(recreated)
        row.extra = sum(recreated.values())
        peer = _flagged_peer_weight(prof, model, c, i, j, weights, flagged)
        if peer:
            weights["flagged_pool"] = peer
            row.extra += peer
        linked = (extra or {}).get((i, j))
        if linked:
            weights["linked_neighbours"] = linked[0]
            row.extra += linked[0]
        groups[(i, row.pb)].append({"i": i, "j": j, "c": c, "why": why, "weights": weights, "row": row,
                                    "backup_of": (i, j) in backup_of, "linked": linked[1] if linked else 0})
    out = []
    for (i, pb), cands in groups.items():
        same = prof.platform[i] == pb
        prior = BACKUP_PRIOR if same else model.prior.get((prof.platform[i], pb), PRIOR_BOUNDS[0])
        size = prof.platform_size[pb] - (1 if same else 0)
        lrs, posts = group_posteriors(model, [s["row"] for s in cands], prior, size)
        base = math.log(prior / (1 - prior)) - math.log(max(size, 1))
        for s, w, p in zip(cands, lrs, posts):
            s["log_lr"], s["posterior"] = w, p
            z = base + w
            # A second account on that platform is judged without the flagged pool's prior,
            # which is a prior on the one account a person has there.
            z -= s["weights"].get("flagged_pool", 0.0)
            s["alone"] = 1 / (1 + math.exp(-z)) if z > -50 else 0.0
            out.append(s)
    return out


def _rescore_groups(prof: Profiles, imgs: ProfileImages, model: Model, pairs: dict, first_neighbours: dict,
                    backup_of: set, hubs: set, rec: Recreation, extra: dict, flagged: tuple | None,
                    scored: list[dict]) -> list[dict]:
    """The second pass: the candidates competing with a pair that gained linked-neighbour weight
    are scored again, every other group keeps its first-pass scores, in the first pass's order.

    Only a few groups change (4,784 pairs of 514k at 300k accounts), and scoring every pair again,
    or keeping every pair's comparison between the passes to do so, was a pass's time and memory
    over again. A group is compared with the first pass's circles (`first_neighbours`; the second
    pass only adds circles), so its comparisons come out as they did."""
    changed = {(i, prof.platform[j]) for i, j in extra}
    again = {pair: why for pair, why in pairs.items() if (pair[0], prof.platform[pair[1]]) in changed}
    rescored: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for s in _score_focus(prof, imgs, model, again, first_neighbours, backup_of, hubs, rec, extra, flagged):
        rescored[(s["i"], prof.platform[s["j"]])].append(s)
    out = []
    for s in scored:
        group = (s["i"], prof.platform[s["j"]])
        if group not in changed:
            out.append(s)
        elif group in rescored:
            out += rescored.pop(group)
    return out


def identity_evidence(s: dict) -> bool:
    """Something besides a name says these accounts are one person: an explicit pointer or shared
    contact, a retyped handle, a personal (not shared) picture close enough to be a copy, the
    graph stage's backup verdict, or a re-creation (opened as the old account went quiet, says so,
    and the old circle followed). A common name or a default avatar never suffices, nor do a
    name's handles that hold the same words in another order (`compare.handles_reordered`)."""
    c: Comparison = s["c"]
    if c.explicit != "none" or s["backup_of"]:
        return True
    if c.handle in HANDLE_IDENTITY and not c.handle_reordered and s["weights"].get("handle", 0.0) > 0:
        return True
    if s.get("linked") and s["weights"].get("linked_neighbours", 0.0) > 0:
        return True
    w = s["weights"]
    if w.get("succession", 0.0) > 0 and w.get("backup_words", 0.0) > 0 and w.get("graph", 0.0) > 0:
        return True  # a re-creation: opened as the old one went quiet, says so, and its circle followed
    copy_bins = set(IMAGE_LEVELS[: len(IMAGE_BINS) - 1])
    return c.image in copy_bins and s["weights"].get("image", 0.0) > 0


def _choose(prof: Profiles, scored: list[dict], rec: Recreation) -> list[dict]:
    """Per in-scope account and platform, the best candidate if it clears the bar, and any other
    candidate overwhelmingly likely on its own; each unordered pair once (the stronger direction).

    Within a platform a newer account re-creates one older account at most: when the newer
    account was scored too, the pair must also be its best, or a rival original explains it
    better (two sellers of one ring with look-alike handles; only one is the backup's)."""
    best: dict[tuple[int, str], dict] = {}
    for s in scored:
        k = (s["i"], prof.platform[s["j"]])
        if k not in best or s["posterior"] > best[k]["posterior"]:
            best[k] = s
    winners = [s for s in best.values() if s["posterior"] >= LINK_THRESHOLD]
    seconds = [s for s in scored if s["alone"] >= SECOND_ACCOUNT_THRESHOLD]
    # The graph stage's re-creation verdict rests on its own evidence (an announcement, or a
    # resembling handle plus the old circle): a backup is the same person even when it took a new
    # handle and picture, which is what the profile features would hold against it.
    backups = [s for s in scored if s["backup_of"]]
    second_ids = {id(s) for s in seconds}
    newer_side = {(s["i"], s["j"]): s["posterior"] for s in scored if prof.platform[s["i"]] == prof.platform[s["j"]]}
    chosen: dict[frozenset, dict] = {}
    for s in winners + seconds + backups:
        if not identity_evidence(s):
            continue
        if prof.platform[s["i"]] == prof.platform[s["j"]] and not s["backup_of"]:
            old, new = rec.older_newer(s["i"], s["j"])
            if newer_side.get((new, old), 1.0) < LINK_THRESHOLD:
                continue
        s["score"] = max(s["posterior"], s["alone"] if id(s) in second_ids else 0.0,
                         BACKUP_OF_RATE if s["backup_of"] else 0.0)
        key = frozenset((s["i"], s["j"]))
        if key not in chosen or s["score"] > chosen[key]["score"]:
            chosen[key] = s
    return sorted(chosen.values(), key=lambda s: -s["score"])


def close_transitively(prof: Profiles, chosen: list[dict]) -> list[dict]:
    """Being the same person is transitive: a seller's backup (same platform) and the seller's
    account elsewhere are one person too. Confident links form people; each pair of accounts in
    a person not linked directly is linked with the weakest score on the path between them.
    A "person" larger than one operator plausibly runs is left as it is: a chain that long is
    more likely an error than an identity."""
    adj: dict[int, dict[int, dict]] = defaultdict(dict)
    for s in chosen:
        if s["score"] >= CLOSURE_MIN_SCORE:
            adj[s["i"]][s["j"]] = s
            adj[s["j"]][s["i"]] = s
    seen: set[int] = set()
    out = []
    for start in list(adj):
        if start in seen:
            continue
        comp, stack = [], [start]
        seen.add(start)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in adj[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        if len(comp) <= 2 or len(comp) > MAX_ACCOUNTS_PER_PERSON:
            continue
        for a in comp:
            paths = _widest_paths(adj, a)
            for b in comp:
                if b <= a or b in adj[a]:
                    continue
                score, path = paths[b]
                out.append({"i": a, "j": b, "score": score, "posterior": score, "closure": path})
    return out


def _widest_paths(adj: dict, src: int) -> dict[int, tuple[float, list[int]]]:
    """From src, the path to every account whose weakest link is strongest (and that score)."""
    best = {src: (1.0, [src])}
    frontier = [src]
    while frontier:
        nxt = []
        for x in frontier:
            sx, px = best[x]
            for y, s in adj[x].items():
                cand = min(sx, s["score"])
                if y not in best or cand > best[y][0]:
                    best[y] = (cand, px + [y])
                    nxt.append(y)
        frontier = nxt
    return best


def _links_table(prof: Profiles, model: Model, chosen: list[dict]) -> pa.Table:
    cols = {name: [] for name in schemas.LINKS.names}
    for s in chosen:
        i, j = s["i"], s["j"]
        cols["platform_a"].append(prof.platform[i])
        cols["account_a"].append(prof.account_id[i])
        cols["platform_b"].append(prof.platform[j])
        cols["account_b"].append(prof.account_id[j])
        cols["score"].append(round(float(s["score"]), 6))
        cols["evidence"].append(evidence.describe(prof, s))
    return pa.table(cols, schema=schemas.LINKS)
