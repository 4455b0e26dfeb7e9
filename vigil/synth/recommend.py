"""Recommendation logs that come out of recommenders run over the world, not planted rows.

`suggested_accounts` and `explore` come from a co-follow recommender (random walks
viewer -> followee -> another follower of it -> that follower's followee, ranked by visits,
as in walk-based production recommenders); `feed` shows followees' posts; `search` and
`hashtag` answer queries that viewers take from the hashtags they see, with a plain exact-token
index (which is why obfuscated tags still lead to sellers: they are tokens too). Whatever lift
the network gets is whatever these recommenders give it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from vigil.synth.activity import Posts
from vigil.synth.params import WorldParams
from vigil.synth.population import DAY, END, Population

TAG_RE = re.compile(r"#([^\s#]+)")
MAX_VIEWERS = 30000  # a log sample: big enough for stable shares, bounded for big worlds
WALKS_PER_VIEWER = 24


@dataclass
class Recs:
    viewer: np.ndarray  # global account index
    surface: np.ndarray  # object
    item: np.ndarray  # global account index or post index
    item_kind: np.ndarray  # object: account | post
    query: np.ndarray  # object, "" when none
    rank: np.ndarray
    shown_at: np.ndarray


def post_tags(posts: Posts) -> list[list[str]]:
    """Every post's hashtags as a reader sees them (from the text when the field is absent)."""
    out = []
    for text, tags in zip(posts.text, posts.tags):
        found = TAG_RE.findall(text) if text else []
        out.append([t.lower() for t in (tags if tags else found)])
    return out


def _csr(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    o = np.argsort(a, kind="stable")
    return np.searchsorted(a[o], np.arange(n + 1)), b[o]


def _random_neighbour(rng, ptr, nbr, nodes) -> np.ndarray:
    deg = ptr[nodes + 1] - ptr[nodes]
    out = np.full(len(nodes), -1, dtype=np.int64)
    ok = deg > 0
    out[ok] = nbr[ptr[nodes[ok]] + (rng.random(int(ok.sum())) * deg[ok]).astype(np.int64)]
    return out


def _top_k(viewer, cand, k: int, n: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per viewer, the k most visited candidates (ties broken at random): viewer, item, rank."""
    if len(viewer) == 0:
        z = np.zeros(0, np.int64)
        return z, z, z
    key, counts = np.unique(viewer * n + cand, return_counts=True)
    v, c = key // n, key % n
    o = np.lexsort((rng.random(len(v)), -counts, v))
    v, c = v[o], c[o]
    first = np.searchsorted(v, v)  # v is sorted: index of the group's first row
    rank = np.arange(len(v)) - first
    keep = rank < k
    return v[keep], c[keep], rank[keep] + 1


def recommend(rng: np.random.Generator, pop: Population, p: WorldParams, posts: Posts,
              fsrc: np.ndarray, fdst: np.ndarray, surfaces: tuple[str, ...]) -> Recs:
    tags_of = post_tags(posts)
    author = np.asarray(posts.author, dtype=np.int64)
    pcreated = np.asarray(posts.created, dtype=np.int64)
    not_comment = np.asarray(posts.kind) != "comment"
    out: dict[str, list] = defaultdict(list)
    k = p.recs_per_surface

    def emit(viewers, surface, items, kind, ranks, queries=None):
        n = len(viewers)
        out["viewer"].append(np.asarray(viewers, np.int64))
        out["surface"].append(np.full(n, surface, dtype=object))
        out["item"].append(np.asarray(items, np.int64))
        out["item_kind"].append(np.full(n, kind, dtype=object))
        out["query"].append(np.full(n, "", dtype=object) if queries is None else np.asarray(queries, dtype=object))
        out["rank"].append(np.asarray(ranks, np.int64))
        out["shown_at"].append(END - (rng.random(n) * 30 * DAY).astype(np.int64))

    # Posts by author (original posts only), for explore and feed.
    po = np.flatnonzero(not_comment)
    a_ptr, a_post = _csr(author[po], po, pop.n)

    for pi in range(len(pop.platforms)):
        idx = pop.on(pi)
        n = len(idx)
        on = pop.plat[fsrc] == pi
        fs, fd = fsrc[on], fdst[on]
        out_ptr, out_nbr = _csr(fs, fd, pop.n)
        in_ptr, in_nbr = _csr(fd, fs, pop.n)
        indeg = in_ptr[1:] - in_ptr[:-1]
        n_view = min(MAX_VIEWERS, max(20, int(p.viewer_frac * n)))
        viewers = np.sort(rng.choice(idx, size=min(n, n_view), replace=False))

        # --- co-follow walks -----------------------------------------------------------
        v = np.repeat(viewers, WALKS_PER_VIEWER)
        f = _random_neighbour(rng, out_ptr, out_nbr, v)
        u = np.where(f >= 0, _random_neighbour(rng, in_ptr, in_nbr, np.maximum(f, 0)), -1)
        c = np.where(u >= 0, _random_neighbour(rng, out_ptr, out_nbr, np.maximum(u, 0)), -1)
        ok = (c >= 0) & (c != v)
        v, c = v[ok], c[ok]
        fresh = ~np.isin(v * pop.n + c, fs * pop.n + fd)
        v, c = v[fresh], c[fresh]
        # Viewers the walks do not reach get the platform's most followed accounts.
        popular = idx[np.argsort(-indeg[idx], kind="stable")[: max(50, k * 5)]]
        cold = np.setdiff1d(viewers, v)
        cv = np.repeat(cold, k)
        cc = rng.choice(popular, size=len(cv))
        v, c = np.concatenate([v, cv]), np.concatenate([c, cc])
        if "suggested_accounts" in surfaces:
            sv, sc, sr = _top_k(v, c, k, pop.n, rng)
            emit(sv, "suggested_accounts", sc, "account", sr)
        if "explore" in surfaces:
            ev, ec, _ = _top_k(v, c, 3 * k, pop.n, rng)
            post = _random_neighbour(rng, a_ptr, a_post, ec)
            ok = post >= 0
            ev, post = ev[ok], post[ok]
            ev2, post2, er = _top_k(ev, post, k, len(posts) + 1, rng)
            emit(ev2, "explore", post2, "post", er)
        if "feed" in surfaces:
            fv = np.repeat(viewers, k * 2)
            ff = _random_neighbour(rng, out_ptr, out_nbr, fv)
            ok = ff >= 0
            fv, ff = fv[ok], ff[ok]
            post = _random_neighbour(rng, a_ptr, a_post, ff)
            ok = post >= 0
            fv, post = fv[ok], post[ok]
            # Newest first within a viewer's feed.
            o = np.lexsort((-pcreated[post], fv))
            fv, post = fv[o], post[o]
            key = fv * (len(posts) + 1) + post
            _, first = np.unique(key, return_index=True)
            first.sort()
            fv, post = fv[first], post[first]
            start = np.searchsorted(fv, fv)
            rank = np.arange(len(fv)) - start
            keep = rank < k
            emit(fv[keep], "feed", post[keep], "post", rank[keep] + 1)
        if "search" in surfaces or "hashtag" in surfaces:
            _queries(rng, pop, pi, viewers, out_ptr, out_nbr, a_ptr, a_post, tags_of, author, pcreated,
                     indeg, k, surfaces, emit)

    cat = {key: np.concatenate(v) for key, v in out.items()}
    return Recs(cat["viewer"], cat["surface"], cat["item"], cat["item_kind"], cat["query"], cat["rank"], cat["shown_at"])


def _queries(rng, pop, pi, viewers, out_ptr, out_nbr, a_ptr, a_post, tags_of, author, pcreated, indeg, k,
             surfaces, emit) -> None:
    """Viewers search for a hashtag they saw on a followee's post; an exact-token index answers."""
    on_plat = pop.plat[author] == pi
    tag_posts: dict[str, list[int]] = defaultdict(list)
    tag_accounts: dict[str, set[int]] = defaultdict(set)
    for j in np.flatnonzero(on_plat):
        for t in tags_of[j]:
            tag_posts[t].append(int(j))
            tag_accounts[t].add(int(author[j]))
    # A query is a followee's tag (what the viewer saw) or one of the viewer's own.
    f = _random_neighbour(rng, out_ptr, out_nbr, viewers)
    src = np.where((f >= 0) & (rng.random(len(viewers)) < 0.8), f, viewers)
    post = _random_neighbour(rng, a_ptr, a_post, src)
    vs, ss, items, kinds, ranks, queries = [], [], [], [], [], []
    top_accounts: dict[str, np.ndarray] = {}  # the index answers a tag the same way for everyone
    top_posts: dict[str, np.ndarray] = {}
    for viewer, pst in zip(viewers, post):
        if pst < 0 or not tags_of[pst]:
            continue
        tag = tags_of[pst][int(rng.integers(len(tags_of[pst])))]
        if "search" in surfaces and rng.random() < 0.6:
            if tag not in top_accounts:
                accs = np.fromiter(tag_accounts[tag], dtype=np.int64)
                top_accounts[tag] = accs[np.lexsort((accs, -indeg[accs]))][:k]
            for r, a in enumerate(top_accounts[tag]):
                vs.append(viewer), ss.append("search"), items.append(a), kinds.append("account")
                ranks.append(r + 1), queries.append(tag)
        if "hashtag" in surfaces and rng.random() < 0.6:
            if tag not in top_posts:
                ps = np.asarray(tag_posts[tag], dtype=np.int64)
                top_posts[tag] = ps[np.argsort(-pcreated[ps], kind="stable")][:k]
            for r, x in enumerate(top_posts[tag]):
                vs.append(viewer), ss.append("hashtag"), items.append(x), kinds.append("post")
                ranks.append(r + 1), queries.append("#" + tag)
    if not vs:
        return
    for surface in ("search", "hashtag"):
        m = np.asarray(ss) == surface
        if m.any():
            emit(np.asarray(vs)[m], surface, np.asarray(items)[m], "account" if surface == "search" else "post",
                 np.asarray(ranks)[m], np.asarray(queries, dtype=object)[m])
