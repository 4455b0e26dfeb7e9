"""What the accounts of a generated world do: follow, post, comment, like, mention, repost, message.

The ordinary population follows by interest community and popularity (vectorised); the network
and the decoys add their own structure on top: sellers follow and promote each other, buyers
follow many sellers and ask for prices, promo pages repost, backups inherit their original's
followers, advocates follow sellers to monitor them, adult fans follow adult creators and ask
"how much?" as well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from vigil.synth.media import MATCH_RADIUS, flip_bits, random_hex
from vigil.synth.params import WorldParams
from vigil.synth.population import DAY, END, K, KINDS, Population
from vigil.synth.texts import BENIGN_COMMENTS, Texts
from vigil.synth.words import GENERIC_EMOJI, INTERESTS

COMPANIES = ["Northwind", "Summit Legal", "Bluepeak Labs", "Harbor Health", "Orbit Logistics", "Cedar Bank",
             "Lumen Studio", "Atlas Foods", "Kestrel Energy", "Pioneer Schools"]
JOBS = ["Data Analyst", "Nurse", "Civil Engineer", "Teacher", "Product Manager", "Accountant", "Designer",
        "Sales Lead", "Software Engineer", "Paralegal", "Logistics Coordinator", "HR Partner"]


@dataclass
class Posts:
    """Structure of lists, one entry per post (comments included)."""

    author: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    tags: list[list[str]] = field(default_factory=list)
    reply_to: list[int] = field(default_factory=list)  # index into posts, -1
    media: list[str | None] = field(default_factory=list)  # the export's JSON list of media objects
    mentions: list[tuple[int, ...]] = field(default_factory=list)

    def add(self, author, created, kind, text, tags=(), reply_to=-1, media=None, mentions=()) -> int:
        self.author.append(int(author))
        self.created.append(int(created))
        self.kind.append(kind)
        self.text.append(text)
        self.tags.append(None if tags is None else list(tags))
        self.reply_to.append(int(reply_to))
        self.media.append(media)
        self.mentions.append(tuple(mentions) if mentions else ())
        return len(self.author) - 1

    def __len__(self) -> int:
        return len(self.author)


EDGE_KINDS = ("follow", "like", "comment", "mention", "repost", "message")


@dataclass
class Edges:
    src: list[np.ndarray] = field(default_factory=list)
    dst: list[np.ndarray] = field(default_factory=list)
    kind: list[np.ndarray] = field(default_factory=list)
    t: list[np.ndarray] = field(default_factory=list)
    count: list[np.ndarray] = field(default_factory=list)

    def add(self, src, dst, kind: str, t, count=None) -> None:
        src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        self.src.append(src)
        self.dst.append(dst)
        self.kind.append(np.full(len(src), EDGE_KINDS.index(kind), dtype=np.int8))
        self.t.append(np.asarray(t, dtype=np.int64))
        self.count.append(np.ones(len(src), dtype=np.int64) if count is None else np.asarray(count, dtype=np.int64))

    def arrays(self):
        cat = lambda x, d: np.concatenate(x) if x else np.zeros(0, dtype=d)  # noqa: E731
        return cat(self.src, np.int64), cat(self.dst, np.int64), cat(self.kind, np.int8), cat(self.t, np.int64), cat(self.count, np.int64)


def _edge_times(rng, pop: Population, src, dst, lo=None) -> np.ndarray:
    """A time after both accounts exist, and before either original seller went quiet."""
    start = np.maximum(pop.created[src], pop.created[dst])
    if lo is not None:
        start = np.maximum(start, lo)
    stop = np.full(len(src), END, dtype=np.int64)
    for side in (src, dst):
        q = pop.quiet_at[side]
        stop = np.where(q > 0, np.minimum(stop, q), stop)
    stop = np.maximum(stop, start + 1)
    return start + (rng.random(len(src)) * (stop - start)).astype(np.int64)


def _dedupe(src, dst, n_all) -> tuple[np.ndarray, np.ndarray]:
    keep = src != dst
    src, dst = src[keep], dst[keep]
    _, first = np.unique(src * n_all + dst, return_index=True)
    first.sort()
    return src[first], dst[first]


def follow_graph(rng: np.random.Generator, pop: Population, p: WorldParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow edges (global indices) and their times."""
    srcs, dsts = [], []
    n_all = pop.n
    for pi, plat in enumerate(pop.platforms):
        idx = pop.on(pi)
        n = len(idx)
        kind = pop.kind[idx]
        comm = pop.community[idx]
        network = np.isin(kind, [K["seller"], K["backup_seller"], K["buyer"], K["facilitator"]])
        scale = 0.6 if plat.role == "pro" else 1.0
        sigma = float(rng.uniform(0.6, 1.0))
        deg = rng.lognormal(np.log(p.outdeg * scale) - sigma**2 / 2, sigma, size=n)
        deg[network] *= 0.4
        deg = np.clip(np.round(deg), 1, 40 * p.outdeg).astype(np.int64)
        deg = np.minimum(deg, n - 1)
        pop_w = rng.pareto(float(rng.uniform(1.1, 2.0)), size=n) + 1.0
        pop_w[network] *= 0.15
        pop_w[kind == K["journalist"]] *= 4
        pop_w[np.isin(kind, [K["teen"], K["teen_trader"]])] *= 0.5
        src = np.repeat(np.arange(n), deg)
        dst = np.empty(len(src), dtype=np.int64)
        in_comm = rng.random(len(src)) < p.p_in_community
        cum = np.cumsum(pop_w)
        g = ~in_comm
        dst[g] = np.searchsorted(cum, rng.random(int(g.sum())) * cum[-1])
        for c in np.unique(comm):
            members = np.flatnonzero(comm == c)
            m = in_comm & (comm[src] == c)
            if not m.any():
                continue
            cw = np.cumsum(pop_w[members])
            dst[m] = members[np.minimum(np.searchsorted(cw, rng.random(int(m.sum())) * cw[-1]), len(members) - 1)]
        dst = np.minimum(dst, n - 1)
        srcs.append(idx[src])
        dsts.append(idx[dst])
        _special_follows(rng, pop, p, pi, srcs, dsts)
    src, dst = _dedupe(np.concatenate(srcs), np.concatenate(dsts), n_all)
    # Followers of an original that went quiet move to its backup, after the backup exists.
    bsrc, bdst, bt = _backup_followers(rng, pop, src, dst)
    t = _edge_times(rng, pop, src, dst)
    src, dst, t = np.concatenate([src, bsrc]), np.concatenate([dst, bdst]), np.concatenate([t, bt])
    key = src * n_all + dst
    _, first = np.unique(key, return_index=True)
    first.sort()
    return src[first], dst[first], t[first]


# A circle's members follow each other with its probability up to this many members; a bigger
# circle keeps the degree that size gives. People know a few hundred others, whatever the
# platform's size: without the cap a million-account world had 94M edges, four times the shape of
# a real export, most of them adult creators following each other.
CIRCLE_MAX = 400
# Above this many possible pairs, _pairs draws the pairs it keeps instead of testing every pair
# (the same expected count, without arrays of every pair).
PAIRS_DRAWN_ABOVE = 4_000_000


def _circle(prob: float, n: int) -> float:
    """The follow probability in a circle of n members (see CIRCLE_MAX)."""
    return prob * min(1.0, CIRCLE_MAX / max(n, 1))


def _pairs(rng, a: np.ndarray, b: np.ndarray, prob: float):
    """Each (x in a, y in b), x != y, kept with probability prob."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(a) * len(b) > PAIRS_DRAWN_ABOVE:
        flat = np.unique(rng.integers(0, len(a) * len(b), size=int(rng.binomial(len(a) * len(b), prob))))
        x, y = a[flat // len(b)], b[flat % len(b)]
        keep = x != y
        return x[keep], y[keep]
    x = np.repeat(a, len(b))
    y = np.tile(b, len(a))
    keep = (x != y) & (rng.random(len(x)) < prob)
    return x[keep], y[keep]


def _special_follows(rng, pop: Population, p: WorldParams, pi: int, srcs: list, dsts: list) -> None:
    def add(x, y):
        srcs.append(np.asarray(x, dtype=np.int64))
        dsts.append(np.asarray(y, dtype=np.int64))

    on = pop.plat == pi
    sellers_all = np.flatnonzero(on & np.isin(pop.kind, [K["seller"], K["backup_seller"]]))
    benign = np.flatnonzero(on & (pop.kind == K["benign"]))
    # Members of each ring on this platform, in account order (one sort, not a scan per ring).
    members = np.flatnonzero(on & (pop.ring >= 0))
    members = members[np.argsort(pop.ring[members], kind="stable")]
    ring_ptr = np.searchsorted(pop.ring[members], np.arange(pop.n_rings + 1))
    for r in range(pop.n_rings):
        ring = members[ring_ptr[r]:ring_ptr[r + 1]]
        s = ring[np.isin(pop.kind[ring], [K["seller"], K["backup_seller"]])]
        f = ring[pop.kind[ring] == K["facilitator"]]
        b = ring[pop.kind[ring] == K["buyer"]]
        add(*_pairs(rng, s, s, p.seller_ring_density))
        add(*_pairs(rng, f, s, 0.9))
        add(*_pairs(rng, s, f, 0.5))
        add(*_pairs(rng, f, f, 0.6))
        # Buyers: sellers of their ring mostly, some of other rings.
        away_pool = np.setdiff1d(sellers_all, s)
        for x in b:
            k = 1 + rng.poisson(max(p.buyer_sellers - 1, 0.1))
            home = rng.choice(s, size=min(len(s), int(np.ceil(k * 0.75))), replace=False) if len(s) else np.zeros(0, np.int64)
            away = rng.choice(away_pool, size=min(len(away_pool), int(k - len(home))), replace=False) if len(away_pool) and k > len(home) else np.zeros(0, np.int64)
            tgt = np.concatenate([home, away]).astype(np.int64)
            add(np.full(len(tgt), x), tgt)
            if len(f) and rng.random() < 0.5:
                add([x], [rng.choice(f)])
            back = tgt[rng.random(len(tgt)) < 0.1]
            add(back, np.full(len(back), x))
    # Sellers across rings know each other a little.
    add(*_pairs(rng, sellers_all, sellers_all, _circle(0.03, len(sellers_all))))
    # Curious benign accounts follow a seller anyway (they make benign viewers adjacent).
    if len(benign):
        k = rng.poisson(p.curious_followers, size=len(sellers_all))
        add(rng.choice(benign, size=int(k.sum())), np.repeat(sellers_all, k))
    # Advocates and journalists monitor sellers; they follow each other.
    watchers = np.flatnonzero(on & np.isin(pop.kind, [K["advocate"], K["journalist"]]))
    if len(sellers_all):
        k = rng.poisson(p.advocate_follows, size=len(watchers))
        add(np.repeat(watchers, k), rng.choice(sellers_all, size=int(k.sum())))
    add(*_pairs(rng, watchers, watchers, _circle(0.3, len(watchers))))
    # Adult creators and their fans.
    cre = np.flatnonzero(on & (pop.kind == K["adult_creator"]))
    fans = np.flatnonzero(on & (pop.kind == K["adult_fan"]))
    add(*_pairs(rng, cre, cre, _circle(0.3, len(cre))))
    if len(cre):
        k = np.minimum(rng.integers(2, 9, size=len(fans)), len(cre))
        add(np.repeat(fans, k), rng.choice(cre, size=int(k.sum())))
        add(*_pairs(rng, cre, fans, _circle(0.08, len(fans))))
    # Buyers who are also fans of legal adult creators; sellers who follow teenagers: both put
    # decoys next to the network in the graph.
    teens = np.flatnonzero(on & np.isin(pop.kind, [K["teen"], K["teen_trader"]]))
    if len(cre):
        b_all = np.flatnonzero(on & (pop.kind == K["buyer"]))
        b_all = b_all[rng.random(len(b_all)) < p.buyer_adult_follow]
        k = rng.integers(1, 4, size=len(b_all))
        add(np.repeat(b_all, k), rng.choice(cre, size=int(k.sum())))
    if len(teens):
        k = rng.poisson(p.seller_teen_follow, size=len(sellers_all))
        add(np.repeat(sellers_all, k), rng.choice(teens, size=int(k.sum())))
    # Teen traders form trading circles.
    tt = np.flatnonzero(on & (pop.kind == K["teen_trader"]))
    add(*_pairs(rng, tt, tt, min(1.0, 8.0 / max(len(tt), 1))))
    # Promo pages and art sellers.
    promo = np.flatnonzero(on & (pop.kind == K["benign_promo"]))
    art = np.flatnonzero(on & (pop.kind == K["art_seller"]))
    add(*_pairs(rng, promo, art, min(1.0, 10.0 / max(len(art), 1))))
    add(*_pairs(rng, art, promo, _circle(0.3, len(promo))))
    add(*_pairs(rng, art, art, min(1.0, 5.0 / max(len(art), 1))))
    if p.facilitator_benign:
        # Promo pages that also promote ordinary shops follow them.
        fac = np.flatnonzero(on & (pop.kind == K["facilitator"]))
        add(*_pairs(rng, fac, np.concatenate([art, promo]), min(1.0, 6.0 / max(len(art) + len(promo), 1))))


def _backup_followers(rng, pop: Population, src, dst):
    out_s, out_d, out_t = [], [], []
    by_dst = np.argsort(dst, kind="stable")
    dst_ptr = np.searchsorted(dst[by_dst], np.arange(pop.n + 1))
    by_src = np.argsort(src, kind="stable")
    src_ptr = np.searchsorted(src[by_src], np.arange(pop.n + 1))
    for b in np.flatnonzero(pop.backup_of >= 0):
        orig = pop.backup_of[b]
        followers = src[by_dst[dst_ptr[orig]:dst_ptr[orig + 1]]]
        share = float(rng.uniform(0.3, 0.85))
        keep = followers[rng.random(len(followers)) < share]
        out_s.append(keep)
        out_d.append(np.full(len(keep), b))
        # They come over in the first weeks after the backup appears.
        out_t.append(pop.created[b] + (rng.exponential(6.0, size=len(keep)) * DAY).astype(np.int64))
        followees = dst[by_src[src_ptr[orig]:src_ptr[orig + 1]]]
        ring_followees = followees[pop.ring[followees] == pop.ring[orig]]
        keep2 = ring_followees[rng.random(len(ring_followees)) < 0.7]
        out_s.append(np.full(len(keep2), b))
        out_d.append(keep2)
        out_t.append(pop.created[b] + (rng.exponential(3.0, size=len(keep2)) * DAY).astype(np.int64))
    if not out_s:
        z = np.zeros(0, np.int64)
        return z, z, z
    t = np.minimum(np.concatenate(out_t), END - 1)
    return np.concatenate(out_s).astype(np.int64), np.concatenate(out_d).astype(np.int64), t


# --- posts --------------------------------------------------------------------------------


class PostMaker:
    def __init__(self, rng, pop: Population, p: WorldParams, texts: Texts, ring_words: list[list[str]],
                 known_hashes: list[str], known_md5: list[str]):
        self.rng, self.pop, self.p, self.t = rng, pop, p, texts
        self.ring_words = ring_words
        self.known_hashes, self.known_md5 = known_hashes, known_md5
        self.posts = Posts()
        self.truth_media: list[tuple[int, str, str, str, int]] = []  # post, media_id, pdq, bank pdq, distance
        self.media_counter = 0

    # media ------------------------------------------------------------------------------
    def _media(self, n: int, known_rate: float, post_index: int) -> str:
        rng = self.rng
        out = []
        for _ in range(n):
            self.media_counter += 1
            mid = f"m{self.media_counter:09d}"
            pdq, md5 = random_hex(rng, 1, 32)[0], random_hex(rng, 1, 16)[0]
            if known_rate and rng.random() < known_rate:
                if self.known_md5 and rng.random() < 0.15:
                    md5 = self.known_md5[int(rng.integers(len(self.known_md5)))]
                    self.truth_media.append((post_index, mid, "", md5, 0))
                else:
                    base = self.known_hashes[int(rng.integers(len(self.known_hashes)))]
                    # Most near-copies fall inside the match radius; some just beyond it.
                    k = int(rng.integers(0, MATCH_RADIUS + 1)) if rng.random() < 0.85 else int(rng.integers(MATCH_RADIUS + 1, 48))
                    pdq = flip_bits(base, k, rng)
                    self.truth_media.append((post_index, mid, pdq, base, k))
            item = {"media_id": mid, "pdq": pdq}
            if rng.random() < 0.7:
                item["md5"] = md5
            out.append(item)
        return json.dumps(out, separators=(",", ":"))

    def _pool(self, pi: int, kinds: tuple[str, ...], ring: int | None = None) -> np.ndarray:
        """Accounts of these kinds on platform pi (of one ring), in account order; computed once,
        since promo pages and facilitators ask for the same pools post after post."""
        if not hasattr(self, "_pools"):
            self._pools: dict = {}
            pop = self.pop
            self._backups = {}
            for b in np.flatnonzero(pop.backup_of >= 0):
                self._backups.setdefault(int(pop.backup_of[b]), []).append(int(b))
        key = (pi, kinds, ring)
        if key not in self._pools:
            pop = self.pop
            m = (pop.plat == pi) & np.isin(pop.kind, [K[k] for k in kinds])
            if ring is not None:
                m &= pop.ring == ring
            self._pools[key] = np.flatnonzero(m)
        return self._pools[key]

    def _backups_of(self, i: int) -> list[int]:
        self._pool(0, ())
        return self._backups.get(i, [])

    def _times(self, i: int, n: int) -> np.ndarray:
        lo = int(self.pop.created[i])
        hi = int(self.pop.quiet_at[i]) if self.pop.quiet_at[i] > 0 else END
        hi = max(hi, lo + DAY)
        return np.sort(self.rng.integers(lo, hi, size=n))

    # posts per kind ---------------------------------------------------------------------
    def make(self) -> Posts:
        pop, p, rng = self.pop, self.p, self.rng
        n_posts = rng.poisson(p.posts_mean, size=pop.n)
        kind_name = np.asarray(KINDS, dtype=object)[pop.kind]
        special = {"seller": (4, 6), "backup_seller": (2, 3), "facilitator": (4, 5), "advocate": (2, 3),
                   "journalist": (2, 3), "adult_creator": (3, 4), "art_seller": (2, 3), "benign_promo": (3, 3)}
        for k, (base, lam) in special.items():
            m = kind_name == k
            n_posts[m] = base + rng.poisson(lam, size=int(m.sum()))
        pro = np.asarray([pop.platforms[x].role == "pro" for x in pop.plat])
        n_posts[pro] = rng.poisson(1.0, size=int(pro.sum()))
        ordinary = np.isin(kind_name, ["benign", "teen", "buyer", "adult_fan", "teen_trader"]) & ~pro
        self._ordinary_posts(np.flatnonzero(ordinary), n_posts)
        for i in np.flatnonzero(~ordinary):
            self._special_posts(int(i), kind_name[i], int(n_posts[i]), bool(pro[i]))
        return self.posts

    def _ordinary_posts(self, accounts: np.ndarray, n_posts: np.ndarray) -> None:
        """Interest posts, vectorised draws then one string join per post."""
        rng, pop = self.rng, self.pop
        authors = np.repeat(accounts, n_posts[accounts])
        n = len(authors)
        if n == 0:
            return
        r_phrase, r_noun = rng.integers(0, 1 << 30, size=n), rng.integers(0, 1 << 30, size=n)
        r_emoji = rng.integers(0, len(GENERIC_EMOJI) * 2, size=n)
        n_tags = rng.integers(0, 4, size=n)
        r_tags = rng.integers(0, 1 << 30, size=(n, 3))
        story = rng.random(n) < 0.15
        has_media = rng.random(n) < 0.45
        tags_field = rng.random(n) < self.p.hashtags_field
        lo = pop.created[authors]
        t = lo + (rng.random(n) * (END - lo)).astype(np.int64)
        trade = (pop.kind[authors] == K["teen_trader"]) & (rng.random(n) < 0.35)
        pdqs = random_hex(rng, int(has_media.sum()), 32)
        md5s = random_hex(rng, int(has_media.sum()), 16)
        mi = 0
        for j in range(n):
            a = int(authors[j])
            if trade[j]:
                text = self.t.teen_trade_post()
                tags = [w[1:] for w in text.split() if w.startswith("#")]
            else:
                tags_all, nouns, phrases = INTERESTS[pop.interest[a]]
                tags = [tags_all[int(r_tags[j, k]) % len(tags_all)] for k in range(n_tags[j])]
                tags = list(dict.fromkeys(tags))
                e = r_emoji[j]
                text = f"{phrases[r_phrase[j] % len(phrases)]} {nouns[r_noun[j] % len(nouns)]}"
                if e < len(GENERIC_EMOJI):
                    text += " " + GENERIC_EMOJI[e]
                if tags:
                    text += " " + " ".join("#" + x for x in tags)
            media = None
            if has_media[j]:
                self.media_counter += 1
                media = f'[{{"media_id":"m{self.media_counter:09d}","pdq":"{pdqs[mi]}","md5":"{md5s[mi]}"}}]'
                mi += 1
            self.posts.add(a, t[j], "story" if story[j] else "post", text, tags if tags_field[j] else None, -1, media)

    def _special_posts(self, i: int, kind: str, n: int, pro: bool) -> None:
        rng, pop, t, p = self.rng, self.pop, self.t, self.p
        if n <= 0:
            return
        times = self._times(i, n)
        ring = int(pop.ring[i])
        words = self.ring_words[ring] if ring >= 0 else self.t.v.code_words
        handle = pop.handles[i]
        pi = int(pop.plat[i])
        for j, ts in enumerate(times):
            kind_p, mentions, tags, known = "post", [], None, 0.0
            if pro:
                text = rng.choice([f"Excited to start as {rng.choice(JOBS)} at {rng.choice(COMPANIES)}!",
                                   f"Hiring: {rng.choice(JOBS)} in our team at {rng.choice(COMPANIES)}.",
                                   f"Great panel on {rng.choice(['leadership', 'AI', 'logistics', 'safety', 'finance'])} today.",
                                   f"{int(rng.integers(2, 15))} years at {rng.choice(COMPANIES)} today. Grateful."])
            elif kind == "seller":
                last = j == n - 1
                backups = self._backups_of(i) if pop.quiet_at[i] > 0 and last else []
                if last and len(backups) and rng.random() < p.backup_notice:
                    text = t.backup_notice(pop.handles[backups[0]])
                    mentions = [int(backups[0])]
                elif rng.random() < 0.12:
                    kind_p = "bio_update"
                    text = t.seller_bio(words, handle, None, None, bool(pop.minor_claim[i]),
                                        bool(p.quiet_bio_updates and pop.quiet_bio[i]))
                else:
                    story = rng.random() < 0.4
                    kind_p = "story" if story else "post"
                    text, _ = t.seller_post(words, handle, bool(pop.minor_claim[i]), story)
                    known = p.seller_media_known
            elif kind == "backup_seller":
                if j == 0:
                    text = rng.choice(["new acc ✨", "hi again", "new here", "back!", "old one got deleted 🙄"])
                elif rng.random() < 0.65:
                    text, _ = t.seller_post(words, handle, bool(pop.minor_claim[i]), rng.random() < 0.5)
                    known = p.seller_media_known
                else:
                    text = t.interest_line(pop.interest[i])
            elif kind == "facilitator" and p.facilitator_benign and rng.random() < p.facilitator_benign:
                # Promo pages also promote ordinary shops (cover and income).
                pool = self._pool(pi, ("art_seller", "benign_promo"))
                handles = [pop.handles[x] for x in pool[:200]]
                text, mentioned = t.promo_post(handles)
                lookup = dict(zip(handles, pool[:200]))
                mentions = [int(lookup[h]) for h in mentioned]
            elif kind == "facilitator":
                pool = self._pool(pi, ("seller", "backup_seller"), ring)
                pool = pool[pop.created[pool] <= ts]
                if len(pool) == 0:
                    pool = self._pool(pi, ("seller",))
                handles = [pop.handles[x] for x in pool]
                text, mentioned = t.facilitator_post(words, handles)
                lookup = dict(zip(handles, pool))
                mentions = [int(lookup[h]) for h in mentioned]
            elif kind in ("advocate", "journalist"):
                text = t.advocate_post(self.t.v.code_tags(), kind == "journalist") if rng.random() < 0.55 else t.interest_line(pop.interest[i])
            elif kind == "adult_creator":
                text = t.adult_post(handle) if rng.random() < 0.7 else t.interest_line(pop.interest[i])
            elif kind == "art_seller":
                text = t.art_post(handle) if rng.random() < 0.6 else t.interest_line(pop.interest[i])
            elif kind == "benign_promo":
                pool = self._pool(pi, ("art_seller",))
                if len(pool) and rng.random() < 0.7:
                    handles = [pop.handles[x] for x in pool[:200]]
                    text, mentioned = t.promo_post(handles)
                    lookup = dict(zip(handles, pool[:200]))
                    mentions = [int(lookup[h]) for h in mentioned]
                else:
                    text = t.interest_line(pop.interest[i])
            else:
                text = t.interest_line(pop.interest[i])
            idx = len(self.posts)
            has_media = rng.random() < (0.75 if known else 0.4)
            media = self._media(int(rng.integers(1, 3)), known, idx) if has_media else None
            if rng.random() < p.hashtags_field:
                tags = [w[1:] for w in str(text).split() if w.startswith("#") and len(w) > 1]
            self.posts.add(i, ts, kind_p, str(text), tags, -1, media, mentions)


# --- comments and interactions -------------------------------------------------------------


def add_comments(rng, pop: Population, p: WorldParams, posts: Posts, texts: Texts, ring_words,
                 fsrc: np.ndarray, fdst: np.ndarray) -> None:
    """Comments: ordinary chatter, price requests from buyers (and from adult fans, art customers)."""
    n_orig = len(posts)
    author = np.asarray(posts.author, dtype=np.int64)
    created = np.asarray(posts.created, dtype=np.int64)
    order = np.argsort(author, kind="stable")
    starts = np.searchsorted(author[order], np.arange(pop.n + 1))
    n_of = starts[1:] - starts[:-1]

    def random_post_of(accounts: np.ndarray) -> np.ndarray:
        k = n_of[accounts]
        ok = k > 0
        out = np.full(len(accounts), -1, dtype=np.int64)
        pick = starts[accounts[ok]] + (rng.random(int(ok.sum())) * k[ok]).astype(np.int64)
        out[ok] = order[pick]
        return out

    def comment(commenter: int, post: int, text: str) -> None:
        t0 = max(int(created[post]), int(pop.created[commenter]))
        ts = min(END - 1, t0 + int(rng.exponential(2.0) * DAY))
        if pop.quiet_at[commenter] > 0:
            ts = min(ts, int(pop.quiet_at[commenter]))
        posts.add(commenter, ts, "comment", text, None, post, None,
                  [int(author[post])] if rng.random() < 0.2 else [])

    # Ordinary chatter over follow edges.
    m = int(p.comment_rate * n_orig)
    if m and len(fsrc):
        e = rng.integers(0, len(fsrc), size=m)
        tgt_posts = random_post_of(fdst[e])
        texts_pool = BENIGN_COMMENTS
        r = rng.integers(0, len(texts_pool), size=m)
        ask = rng.random(m)
        for j in np.flatnonzero(tgt_posts >= 0):
            c, post = int(fsrc[e[j]]), int(tgt_posts[j])
            akind = pop.kind[author[post]]
            ckind = pop.kind[c]
            if ckind in (K["seller"], K["backup_seller"], K["facilitator"]):
                continue
            if akind == K["art_seller"] and ask[j] < 0.3:
                text = rng.choice(["how much?", "price?", "is this still available?", "dm'd you!", "interested!"])
            elif ckind == K["adult_fan"] and akind == K["adult_creator"] and ask[j] < 0.6:
                text = texts.request_comment(["new set"])
            elif ckind in (K["advocate"], K["journalist"]) and akind in (K["seller"], K["backup_seller"]):
                text = rng.choice(["reported.", "Reported and blocked.", "reporting this account"])
            else:
                text = texts_pool[r[j]]
            comment(c, post, text)

    # Buyers ask sellers they follow for prices.
    follows_of: dict[int, np.ndarray] = {}
    # Follow targets grouped by follower, once for buyers and fans alike.
    by_src = np.argsort(fsrc, kind="stable")
    src_starts = np.searchsorted(fsrc[by_src], np.arange(pop.n + 1))
    buyers = np.flatnonzero(pop.kind == K["buyer"])
    if len(buyers):
        for b in buyers:
            f = fdst[by_src[src_starts[b]:src_starts[b + 1]]]
            follows_of[int(b)] = f
            if rng.random() >= p.buyer_comment:
                continue
            sellers = f[np.isin(pop.kind[f], [K["seller"], K["backup_seller"]])]
            if len(sellers) == 0:
                continue
            for s in rng.choice(sellers, size=int(rng.integers(1, 5))):
                post = random_post_of(np.asarray([s]))[0]
                if post >= 0 and posts.kind[post] != "comment":
                    words = ring_words[pop.ring[s]] if pop.ring[s] >= 0 else ring_words[0]
                    comment(int(b), int(post), texts.request_comment(words))
    # Adult fans on creators they follow.
    fans = np.flatnonzero(pop.kind == K["adult_fan"])
    if len(fans):
        for a in fans:
            f = fdst[by_src[src_starts[a]:src_starts[a + 1]]]
            cre = f[pop.kind[f] == K["adult_creator"]]
            if len(cre) and rng.random() < 0.7:
                for c in rng.choice(cre, size=int(rng.integers(1, 4))):
                    post = random_post_of(np.asarray([c]))[0]
                    if post >= 0 and posts.kind[post] != "comment":
                        comment(int(a), int(post), texts.request_comment(["new set"]))


def interactions(rng, pop: Population, p: WorldParams, posts: Posts, fsrc, fdst, ft) -> Edges:
    """Likes, comments, mentions, reposts and messages as edges (src acts on dst)."""
    e = Edges()
    e.add(fsrc, fdst, "follow", ft)
    author = np.asarray(posts.author, dtype=np.int64)
    has_posts = np.bincount(author, minlength=pop.n) > 0
    seller_k = [K["seller"], K["backup_seller"]]
    # Likes: along follow edges, more from buyers to sellers.
    prob = np.full(len(fsrc), p.like_rate)
    prob[(pop.kind[fsrc] == K["buyer"]) & np.isin(pop.kind[fdst], seller_k)] = p.buyer_like
    m = (rng.random(len(fsrc)) < prob) & has_posts[fdst]
    e.add(fsrc[m], fdst[m], "like", _edge_times(rng, pop, fsrc[m], fdst[m]), 1 + rng.poisson(2.0, size=int(m.sum())))
    # Comments and mentions, aggregated per pair.
    kinds = np.asarray(posts.kind)
    reply = np.asarray(posts.reply_to)
    ci = np.flatnonzero(kinds == "comment")
    _agg(e, author[ci], author[reply[ci]], np.asarray(posts.created)[ci], "comment", pop.n)
    ms, md, mt = [], [], []
    for j, mlist in enumerate(posts.mentions):
        for x in mlist:
            ms.append(posts.author[j])
            md.append(x)
            mt.append(posts.created[j])
    _agg(e, np.asarray(ms, np.int64), np.asarray(md, np.int64), np.asarray(mt, np.int64), "mention", pop.n)
    # Reposts: promo pages and facilitators repost whom they mention; friends repost a little.
    rep = np.isin(pop.kind[np.asarray(ms, np.int64)], [K["facilitator"], K["benign_promo"]]) if ms else np.zeros(0, bool)
    rs = np.asarray(ms, np.int64)[rep]
    rd = np.asarray(md, np.int64)[rep]
    fr = rng.random(len(fsrc)) < 0.02
    rs, rd = np.concatenate([rs, fsrc[fr]]), np.concatenate([rd, fdst[fr]])
    _agg(e, rs, rd, _edge_times(rng, pop, rs, rd), "repost", pop.n)
    # Messages: buyers write to sellers, sellers answer; fans to creators; friends.
    bm = (pop.kind[fsrc] == K["buyer"]) & np.isin(pop.kind[fdst], seller_k) & (rng.random(len(fsrc)) < p.buyer_message)
    am = (pop.kind[fsrc] == K["adult_fan"]) & (pop.kind[fdst] == K["adult_creator"]) & (rng.random(len(fsrc)) < 0.4)
    fm = rng.random(len(fsrc)) < 0.03
    answer = bm & (rng.random(len(fsrc)) < 0.5)
    ms_ = np.concatenate([fsrc[bm | am | fm], fdst[answer]])
    md_ = np.concatenate([fdst[bm | am | fm], fsrc[answer]])
    _agg(e, ms_, md_, _edge_times(rng, pop, ms_, md_), "message", pop.n, lam=3.0, rng=rng)
    return e


def _agg(e: Edges, s, d, t, kind: str, n: int, lam: float = 0.0, rng=None) -> None:
    if len(s) == 0:
        return
    key = s * n + d
    uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    tmax = np.zeros(len(uniq), dtype=np.int64)
    np.maximum.at(tmax, inv, t)
    count = counts if not lam else counts + rng.poisson(lam, size=len(uniq))
    e.add(uniq // n, uniq % n, kind, tmax, count)
