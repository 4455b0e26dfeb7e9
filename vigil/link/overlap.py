"""Graph overlap across platforms, through the links already made.

Account ids mean nothing across platforms, so two accounts' circles can only be compared once
some of their neighbours are themselves linked: a buyer who follows three sellers on one
platform and whose namesake on another follows the same three sellers' other accounts is one
person, where a stranger who merely shares the name would follow none of them. The first pass
links on profiles; its confident links become anchors; a second pass adds this evidence.
"""

from __future__ import annotations

import math
from collections import defaultdict

from vigil.link.profiles import Profiles

# Links this confident (first pass) translate neighbours from one platform to another.
ANCHOR_MIN_SCORE = 0.9
# Share of one person's two accounts that both follow or talk to at least one linked pair.
# An assumption, stated: these are accounts in one network, which is why they are in scope.
LINKED_NEIGHBOUR_M = 0.5
# Random accounts per platform whose circles are read, for u (how often a stranger shares one).
U_POOL = 2000


def anchors_from(prof: Profiles, chosen: list[dict]) -> dict[int, set[int]]:
    """Account row -> rows of its confidently linked accounts on other platforms."""
    out: dict[int, set[int]] = defaultdict(set)
    for s in chosen:
        i, j = s["i"], s["j"]
        if prof.platform[i] != prof.platform[j] and s["score"] >= ANCHOR_MIN_SCORE:
            out[i].add(j)
            out[j].add(i)
    return out


def _translated(prof: Profiles, neighbours: dict[int, set[str]], anchors: dict[int, set[int]], i: int,
                platform: str) -> set[str]:
    """i's neighbours, seen on `platform` through the anchors (account ids there)."""
    out = set()
    pa = prof.platform[i]
    for nid in neighbours.get(i, ()):
        r = prof.index.get((pa, nid))
        for k in anchors.get(r, ()) if r is not None else ():
            if prof.platform[k] == platform:
                out.add(prof.account_id[k])
    return out


def linked_neighbour_weights(prof: Profiles, scored: list[dict], neighbours: dict[int, set[str]],
                             anchors: dict[int, set[int]], pool: dict[str, list[int]]) -> tuple[dict, dict]:
    """(i, j) -> (log-weight, shared linked neighbours) for cross-platform pairs that share any.

    u: how often an account drawn at random from the other platform (`pool`, neighbours loaded)
    shares a linked neighbour with the in-scope account."""
    queries = sorted({s["i"] for s in scored if prof.platform[s["i"]] != prof.platform[s["j"]]})
    trans = {}
    hits, draws = 0, 0
    # Per platform, which pool accounts hold each neighbour: a translated circle meets the pool
    # accounts listed under its members, instead of every pool account being intersected with it.
    holders = {p: _holders(rows, neighbours) for p, rows in pool.items()}
    for i in queries:
        for p, rows in pool.items():
            if p == prof.platform[i]:
                continue
            t = _translated(prof, neighbours, anchors, i, p)
            trans[(i, p)] = t
            if t:
                draws += len(rows)
                met = set()
                for n in t:
                    met.update(holders[p].get(n, ()))
                met.discard(i)
                hits += len(met)
    u = (hits + 0.5) / (draws + 1)
    weight = math.log(LINKED_NEIGHBOUR_M / u)
    out = {}
    for s in scored:
        i, j = s["i"], s["j"]
        t = trans.get((i, prof.platform[j]))
        shared = (t & neighbours.get(j, set())) if t else set()
        if shared:
            out[(i, j)] = (weight, len(shared))
    return out, {"linked_neighbour_u": round(u, 6), "linked_neighbour_draws": draws, "pairs_with_overlap": len(out)}


def _holders(rows: list[int], neighbours: dict[int, set[str]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for b in set(rows):
        for n in neighbours.get(b, ()):
            out[n].append(b)
    return out


def random_pool(rows_by_platform: dict, n: int, rng) -> dict[str, list[int]]:
    """Up to n random accounts per platform: the strangers u is measured on."""
    return {p: [int(x) for x in rng.choice(rows, size=min(n, len(rows)), replace=False)]
            for p, rows in rows_by_platform.items() if len(rows)}
