"""Who sells, who buys, who promotes: behavioural rules over content evidence and graph position.

The order is the argument. Sellers are established first from what they publish (explicit terms
offered for sale, known media), because everything else is defined relative to them: buyers are
accounts that follow several sellers and ask to buy under their posts while advertising nothing;
facilitators repost and name several sellers; backups re-create a seller. Decoys fall out of the
same definitions rather than out of special cases: an advocate quotes terms in warning context
(not counted as use), an adult creator has menus and prices but no explicit or minor-age
signal, a teen states an age but sells nothing, a shared default avatar carries no identity.

Scores are a noisy-OR over the evidence behind the role: each piece of evidence is given the
probability that it alone would convince a reviewer (named constants below), so a score is
readable as "how much independent evidence is there", and the reasons list exactly those pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from vigil.graph import backup as backup_mod
from vigil.graph.build import AccountGraph
from vigil.graph.evidence import Evidence
from vigil.graph.features import Neighbourhood, ScopeDegrees, propagation, request_counts, requests_received
from vigil.wording import clip_words

# --- what an account must show to hold a role (counts of distinct accounts) ---
# Following one seller happens by chance (recommendations push them); following two while
# asking one of them to sell, or asking two, does not.
BUYER_MIN_FOLLOWS_WITH_REQUEST = 2
BUYER_MIN_SELLERS_ASKED = 2
# Asking the one seller it follows again and again ("how much" under two of its posts) is buying
# intent too; a single "interested!" under a post the feed showed is not.
BUYER_MIN_REQUESTS_ONE_SELLER = 2
# Without request language: a follower of two sellers who comments on / messages two of them
# (buyers take the talk to DMs), or a follower of three who writes to one and likes or writes to
# three. Likes alone never make a buyer (curious followers like what the feed shows them).
BUYER_MIN_FOLLOWS_NO_REQUEST = 2
BUYER_MIN_ENGAGED_NO_REQUEST = 2
BUYER_MIN_FOLLOWS_WIDE = 3
BUYER_MIN_TOUCHED_WIDE = 3
# A private message to a seller is where the sale happens ("dm to buy"), so it is buying intent
# even with no request comment; but one message alone can be a stray (a reply to an account the
# feed pushed), so it needs one more act toward the network: following, liking or writing to that
# seller or another, or toward a promoter of the ring (buyers find sellers through promo pages).
# Acts are distinct (kind, account) pairs over follow/like/comment/message toward flagged sellers
# and facilitators, and none of them needs a follow edge (partial exports lose follows first).
BUYER_MIN_ACTS_WITH_MESSAGE = 2
# ... and only when the network is a real part of whom it deals with: at least this share of the
# distinct accounts it follows, likes, comments on or messages are flagged sellers or
# facilitators. An ordinary user who DMs an account the feed pushed has most of its activity
# elsewhere (one seller among ten or more); a buyer is there for the network.
BUYER_MIN_NETWORK_SHARE = 0.2
# A facilitator names or reposts at least two distinct sellers ...
FACILITATOR_MIN_PROMOTED = 2
# ... and promotion is most of what it posts (a seller's occasional shout-out is not), and it
# promotes more sellers than it writes to or asks to buy from (a buyer who reposts the seller it
# buys from is a buyer).
FACILITATOR_MIN_PROMO_RATIO = 1.0  # promotions per post of its own: at least one each
# ... or, where flagged sellers are only part of whom it pushes (promo pages mix ordinary shops in
# as cover), most of its posts name or repost other accounts AND most of its selling posts carry
# someone else's handle: a seller's ads carry its own menu and contact, a promoter's carry others'.
FACILITATOR_MIN_NAMING_SHARE = 0.5
FACILITATOR_MIN_SELLING_NAMING_SHARE = 0.5
# Minor-age claims with sale terms make a seller only with ties to the network (teens selling a
# bike exist, and sellers follow teens). Only ties the account itself makes, or the market makes
# to its posts, count: distinct sellers it follows, comments on or messages, plus buyer-like
# accounts (following two sellers) asking to buy under its posts. Being followed by sellers does
# not count: that is what targeting a teen looks like, not selling. Two ties: a single follow-back
# is courtesy, not a network.
MINOR_AD_MIN_TIES = 2
# Explicit terms without sale language (tags only) need as many, counted the broad way (a seller
# following it, mutual follows, buyers asking): explicit terms are not what a targeted teen posts.
EXPLICIT_ONLY_MIN_TIES = 2
# "Buyer-like" for the ties above: follows at least this many content sellers.
BUYER_LIKE_MIN_FOLLOWS = 2

# --- noisy-OR evidence weights: the chance that this piece alone convinces a reviewer ---
P_AD_EXPLICIT = 0.9
P_MEDIA = 0.95
P_SEED = 0.6
P_AD_MINOR = 0.6
P_EXPLICIT_ONLY = 0.4
P_PER_SELLER_TIE = 0.15
P_PER_BUYER_ASKING = 0.2
P_BACKUP_NAMED = 0.95
P_BACKUP_HANDLE = 0.8
P_PER_SELLER_ASKED = 0.45
P_PER_SELLER_FOLLOWED = 0.2
P_PER_SELLER_ENGAGED = 0.15
P_PER_SELLER_PROMOTED = 0.35
P_PROPAGATION = 0.1
# Accounts made together: created within this many days of other flagged accounts (a batch of
# fresh accounts after a wave of bans).
CREATION_BURST_DAYS = 2.0
# Scores of accounts left at `none` stay below this: they are context, not findings.
NONE_CAP = 0.45

FEATURES = (
    "explicit", "age_minor", "age_adult", "commerce", "trade", "warn", "media", "seed",
    "ad_explicit", "ad_minor", "backup_text", "follows_sellers", "follow_seller_share",
    "sellers_asked", "request_comments", "engages_sellers", "messages_sellers", "likes_sellers",
    "promotes_sellers", "promo_ratio",
    "followed_by_sellers", "mutual_sellers", "buyers_asking", "propagation", "young_account",
    "backup_of_seller", "shared_avatar", "creation_burst", "rule_seller", "rule_buyer", "rule_facilitator",
)


@dataclass
class RoleResult:
    codes: np.ndarray
    role: np.ndarray
    score: np.ndarray
    reasons: list[str]
    backup_of: np.ndarray  # global code or -1
    features: dict[str, np.ndarray] = field(default_factory=dict)
    rule_role: np.ndarray | None = None  # the rules' roles, kept when a refitted model overrides them


def _noisy_or(*terms: np.ndarray) -> np.ndarray:
    keep = np.ones_like(terms[0], dtype=float)
    for t in terms:
        keep *= 1.0 - np.clip(t, 0.0, 1.0)
    return 1.0 - keep


def _per(p: float, k: np.ndarray) -> np.ndarray:
    """k independent pieces of evidence of strength p."""
    return 1.0 - (1.0 - p) ** np.maximum(k, 0)


def assign_roles(g: AccountGraph, ev: Evidence, codes: np.ndarray, adj_local=None,
                 safety_role: Callable[[np.ndarray], np.ndarray] | None = None,
                 degrees: ScopeDegrees | None = None) -> RoleResult:
    """Roles, scores and reasons of the accounts `codes` from the graph and evidence tables.

    `safety_role(codes)` says which of those accounts' profiles or replies declare a watcher's
    role; it is asked only about the few buyer/promoter candidates, so an engine answers it from
    whatever holds the texts (None: nobody is a watcher). `g` needs only the edges touching `codes`
    when `degrees` gives their whole-table counts (vigil.graph.features.ScopeDegrees)."""
    n, m = g.n, len(codes)
    local = np.full(n, -1, dtype=np.int64)
    local[codes] = np.arange(m)
    nb = Neighbourhood(g, codes, degrees)
    nb.set_promotions(ev, local)
    own_posts = ev.own_posts[codes] if ev.own_posts is not None else None
    s = {k: v[codes] for k, v in ev.sig.items()}
    commerce = s["sale"] + s["contact"] + s["payment"]
    media = ev.media[codes]
    seed = ev.seed[codes]
    use_level = s["explicit"] + s["age_minor"] + commerce + s["trade"]
    # Mostly warning talk: terms quoted to warn or report, never advertised.
    warned = (s["warn"] > 0) & (s["warn"] >= use_level)
    ad_explicit = (s["explicit"] > 0) & ((commerce + s["trade"]) > 0) & ~warned
    ad_minor = (s["age_minor"] > 0) & (s["sale"] > 0) & ((s["contact"] + s["payment"]) > 0) & ~warned
    explicit_only = (s["explicit"] > 0) & ~ad_explicit & ~warned

    def glob(mask_local: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[codes[mask_local]] = True
        return out

    # 1. Accounts whose own content (or known media, or a seed listing) says they sell.
    content = ad_explicit | (media > 0) | seed
    # 2. Facilitators: promotion of several of those is most of what they do.
    posts_base = own_posts if own_posts is not None else s["n_hit_posts"]
    reposts = nb.degrees.reposts
    if ev.naming_posts is not None:
        naming_share = (ev.naming_posts[codes] + reposts) / np.maximum(posts_base + reposts, 1.0)
        sell_posts = ev.selling_posts[codes]
        sell_naming_share = np.where(sell_posts > 0, ev.selling_naming_posts[codes] / np.maximum(sell_posts, 1.0), 0.0)
        promotes_others = ((naming_share >= FACILITATOR_MIN_NAMING_SHARE)
                           & (sell_naming_share >= FACILITATOR_MIN_SELLING_NAMING_SHARE))
    else:
        naming_share = np.zeros(m)
        promotes_others = np.zeros(m, dtype=bool)
    promoted = nb.promoted(glob(content))
    promo_events = nb.promo_events(glob(content))
    promo_ratio = promo_events / np.maximum(posts_base, 1.0)
    _, asked0 = request_counts(ev, local, glob(content), m, requests_only=True)
    talked0 = np.maximum(asked0, nb.out_count(("comment", "message"), glob(content)))
    facilitator = ((promoted >= FACILITATOR_MIN_PROMOTED)
                   & ((promo_ratio >= FACILITATOR_MIN_PROMO_RATIO) | promotes_others)
                   & (promoted > talked0) & (media == 0) & ~warned)
    seller = content & ~facilitator

    # 3. Weaker content confirmed by ties to the sellers found so far.
    def ties(sell_mask_g: np.ndarray) -> np.ndarray:
        follows = np.asarray(g.out("follow") @ sell_mask_g.astype(np.float32)).ravel()
        buyer_like = (follows >= BUYER_LIKE_MIN_FOLLOWS) & ~sell_mask_g
        buyers_asking = requests_received(ev, local, m, from_mask=buyer_like)
        return nb.in_count(("follow",), sell_mask_g) + nb.mutual_follow(sell_mask_g) + buyers_asking

    def outbound_ties(sell_mask_g: np.ndarray) -> np.ndarray:
        follows = np.asarray(g.out("follow") @ sell_mask_g.astype(np.float32)).ravel()
        buyer_like = (follows >= BUYER_LIKE_MIN_FOLLOWS) & ~sell_mask_g
        return (nb.out_count(("follow", "comment", "message"), sell_mask_g)
                + requests_received(ev, local, m, from_mask=buyer_like))

    t = ties(glob(seller))
    t_out = outbound_ties(glob(seller))
    seller |= (ad_minor & (t_out >= MINOR_AD_MIN_TIES)) & ~facilitator
    seller |= (explicit_only & (t >= EXPLICIT_ONLY_MIN_TIES)) & ~facilitator
    # Facilitators that promote none of the content sellers but only the network-confirmed ones.
    promoted = nb.promoted(glob(seller))
    promo_events = nb.promo_events(glob(seller))
    promo_ratio = promo_events / np.maximum(posts_base, 1.0)
    _, asked1 = request_counts(ev, local, glob(seller), m, requests_only=True)
    talked1 = np.maximum(asked1, nb.out_count(("comment", "message"), glob(seller)))
    facilitator |= ((promoted >= FACILITATOR_MIN_PROMOTED)
                    & ((promo_ratio >= FACILITATOR_MIN_PROMO_RATIO) | promotes_others)
                    & (promoted > talked1) & ~seller & ~warned & (media == 0))

    # 4. Backups of sellers.
    def handle_text(code: int) -> str:
        h = ev.handle[code]
        return f"@{h}" if h else f"account {g.account_id[code]}"

    # A promoter that turns out to re-create a seller is that seller back (reposting its old circle).
    # Accounts already flagged on their own evidence are searched too: that they re-create a
    # seller is what links the two as one person.
    bk = backup_mod.find_backups(ev, nb, local, glob(seller), warned, handle_text, flagged_local=seller | facilitator)
    backup_of = np.full(m, -1, dtype=np.int64)
    backup_reason = {}
    backup_named = np.zeros(m, dtype=bool)
    is_backup = np.zeros(m, dtype=bool)  # re-creates a seller (backup_of stays -1 when which one is unclear)
    for li, orig, why in zip(bk.local.tolist(), bk.original.tolist(), bk.reason):
        backup_of[li] = orig
        backup_reason[li] = why
        backup_named[li] = why.startswith("announced")
        is_backup[li] = True
    seller |= is_backup
    facilitator &= ~is_backup

    # 5. Buyers, relative to all sellers.
    sg = glob(seller)
    follows_s = nb.out_count(("follow",), sg)
    out_follow = nb.degrees.follows
    req_comments, sellers_asked = request_counts(ev, local, sg, m)
    # A seller's private message to an account that approached it (follows, likes, writes to
    # it) is that seller's half of a conversation: partial exports lose messages in either
    # direction. Not when the seller follows the account (following, then writing, is how a
    # seller reaches out to a target), nor for an account that states a minor age: a seller
    # writing to a minor is more likely targeting than serving it.
    answered = ~(s["age_minor"] > 0)
    engaged = nb.partners(("comment", "message"), sg, answered)
    messaged = nb.partners(("message",), sg, answered)
    sent = nb.out_count(("message",), sg)
    liked = nb.out_count(("like",), sg)
    touched = nb.partners(("comment", "message", "like"), sg, answered)
    # Ties without a follow edge count: partial exports lose follows, not the talk.
    tied = nb.out_count(("follow", "like", "comment", "message"), sg)
    # The ring's promoters are part of the network a buyer deals with.
    fg = glob(facilitator)
    promoters_tied = nb.out_count(("follow", "like", "comment", "message"), fg)
    acts = (sum(nb.out_count((k,), sg) for k in ("follow", "like", "comment")) + messaged
            + sum(nb.out_count((k,), fg) for k in ("follow", "like", "comment", "message")))
    network_share = ((tied + promoters_tied)
                     / np.maximum(nb.degrees.dealings, 1.0))
    own_ads = ad_explicit | ad_minor | (media > 0)
    buyer = (((sellers_asked >= 1) & (tied >= BUYER_MIN_FOLLOWS_WITH_REQUEST))
             | (sellers_asked >= BUYER_MIN_SELLERS_ASKED)
             | ((req_comments >= BUYER_MIN_REQUESTS_ONE_SELLER) & (tied >= 1))
             | ((tied >= BUYER_MIN_FOLLOWS_NO_REQUEST) & (engaged >= BUYER_MIN_ENGAGED_NO_REQUEST))
             | ((tied >= BUYER_MIN_FOLLOWS_WIDE) & (engaged >= 1) & (touched >= BUYER_MIN_TOUCHED_WIDE))
             | ((messaged >= 1) & (acts >= BUYER_MIN_ACTS_WITH_MESSAGE) & (network_share >= BUYER_MIN_NETWORK_SHARE)))
    buyer &= ~seller & ~facilitator & ~own_ads & ~(s["warn"] > 0)
    # Watchers: a profile that states a safety or reporting role follows and reposts sellers to
    # expose them. Checked on the few buyer and promoter candidates without ads of their own.
    declares_safety_role = safety_role
    safety_role = np.zeros(m, dtype=bool)
    cand = np.flatnonzero((buyer | facilitator) & ~own_ads)
    if declares_safety_role is not None and len(cand):
        safety_role[cand] = declares_safety_role(codes[cand])
        buyer &= ~safety_role
        facilitator &= ~safety_role

    # 6. Graph position for the scores and the reasons.
    followed_by_s = nb.in_count(("follow",), sg)
    mutual_s = nb.mutual_follow(sg)
    buyers_asking = requests_received(ev, local, m, from_mask=glob(buyer))
    confirmed = (ad_explicit | (media > 0) | seed) & seller
    if adj_local is None:
        adj_local = g.undirected()[codes][:, codes]
    prop = propagation(adj_local, confirmed.astype(float))
    young = np.where(np.isfinite(ev.created_days[codes]), np.exp(-np.nan_to_num(ev.created_days[codes]) / 90.0), 0.0)

    feats = {
        "explicit": np.log1p(s["explicit"]), "age_minor": np.log1p(s["age_minor"]),
        "age_adult": np.log1p(s["age_adult"]), "commerce": np.log1p(commerce), "trade": np.log1p(s["trade"]),
        "warn": np.log1p(s["warn"]), "media": np.log1p(media), "seed": seed.astype(float),
        "ad_explicit": ad_explicit.astype(float), "ad_minor": ad_minor.astype(float),
        "backup_text": np.log1p(s["other"]), "follows_sellers": np.log1p(follows_s),
        "follow_seller_share": follows_s / np.maximum(out_follow, 1.0),
        "sellers_asked": np.log1p(sellers_asked), "request_comments": np.log1p(req_comments),
        "engages_sellers": np.log1p(engaged), "messages_sellers": np.log1p(messaged),
        "likes_sellers": np.log1p(liked), "promotes_sellers": np.log1p(promoted),
        "promo_ratio": np.minimum(promo_ratio, 5.0), "followed_by_sellers": np.log1p(followed_by_s),
        "mutual_sellers": np.log1p(mutual_s), "buyers_asking": np.log1p(buyers_asking),
        "propagation": prop, "young_account": young, "backup_of_seller": is_backup.astype(float),
        "shared_avatar": ev.shared_avatar[codes].astype(float),
    }

    role = np.full(m, "none", dtype=object)
    role[seller] = "seller"
    role[facilitator] = "facilitator"
    role[buyer] = "buyer"
    burst = _creation_burst(ev.created_days[codes], g.platform[codes], (role == "seller") | (role == "facilitator"))
    feats["creation_burst"] = np.log1p(burst)
    # The rules' verdict is itself a feature: a refitted model starts from it and learns where
    # reviewers disagree, instead of relearning everything from a few hundred labels.
    for r in ("seller", "buyer", "facilitator"):
        feats[f"rule_{r}"] = (role == r).astype(float)

    # 7. Scores: noisy-OR over the evidence behind the role held.
    tie_p = _per(P_PER_SELLER_TIE, followed_by_s + mutual_s)
    seller_p = _noisy_or(P_AD_EXPLICIT * ad_explicit, P_MEDIA * (media > 0), P_SEED * seed,
                         P_AD_MINOR * ad_minor, P_EXPLICIT_ONLY * explicit_only, tie_p,
                         _per(P_PER_BUYER_ASKING, buyers_asking),
                         np.where(backup_named, P_BACKUP_NAMED, P_BACKUP_HANDLE * is_backup),
                         P_PROPAGATION * prop)
    buyer_p = _noisy_or(_per(P_PER_SELLER_ASKED, sellers_asked), _per(P_PER_SELLER_FOLLOWED, follows_s),
                        _per(P_PER_SELLER_ENGAGED, engaged), P_PROPAGATION * prop)
    fac_p = _noisy_or(_per(P_PER_SELLER_PROMOTED, promoted), P_AD_EXPLICIT * 0.3 * ad_explicit,
                      tie_p, P_PROPAGATION * prop)
    score = np.where(seller, seller_p, np.where(buyer, buyer_p, np.where(facilitator, fac_p, 0.0)))
    score = np.where(role != "none", np.clip(score, 0.5, 1.0),
                     np.minimum(NONE_CAP, np.maximum.reduce([seller_p, buyer_p, fac_p]) * NONE_CAP))

    # 8. Reasons a reviewer can read.
    req_by_commenter = _request_phrases(ev, local, sg)
    promoted_names = _targets(nb.promo_bin, sg, handle_text)
    reasons = []
    for i in range(m):
        c = int(codes[i])
        r: list[str] = []
        if seed[i]:
            r.append("listed as a seed account")
        if role[i] == "seller" or (role[i] == "none" and (ad_explicit[i] or ad_minor[i] or explicit_only[i])):
            if ad_explicit[i]:
                r.append("advertises explicit-lexicon terms with sale/contact/payment terms"
                         + _quote(ev.text_evidence.get(c)))
            elif ad_minor[i]:
                r.append("states a minor age next to sale and contact/payment terms" + _quote(ev.text_evidence.get(c)))
            elif explicit_only[i]:
                r.append("uses explicit-lexicon terms" + _quote(ev.text_evidence.get(c)))
        if media[i] > 0:
            r.append(f"{_n(media[i], 'media item')} match hash bank {ev.media_banks.get(c, '')}".rstrip())
        if is_backup[i]:
            r.append(backup_reason[i])
        if role[i] == "facilitator":
            r.append(f"reposts/mentions {_n(promoted[i], 'flagged seller')} ({promoted_names(i)})")
            if posts_base[i]:
                r.append(f"{_n(promo_events[i], 'promotion')} over {_n(posts_base[i], 'own post')}")
            if promotes_others[i]:
                r.append(f"{round(100 * naming_share[i])}% of its posts name or repost other accounts, "
                         "its selling posts mostly carry other sellers' handles")
        if role[i] in ("buyer", "none") and follows_s[i]:
            r.append(f"follows {_n(follows_s[i], 'flagged seller')}")
        if sellers_asked[i]:
            phrases = ", ".join(f"'{p}'" for p in req_by_commenter.get(i, [])[:3])
            r.append(f"comments {phrases} on {int(req_comments[i])} of their posts "
                     f"({_n(sellers_asked[i], 'seller')})")
        if role[i] == "buyer" and engaged[i]:
            r.append(f"comments on / messages {_n(engaged[i], 'flagged seller')}")
        if role[i] == "buyer" and messaged[i] and not sellers_asked[i]:
            talk = []
            if sent[i]:
                talk.append(f"sends private messages to {_n(sent[i], 'flagged seller')} without warning language")
            if messaged[i] > sent[i]:
                talk.append(f"receives private messages from {_n(messaged[i] - sent[i], 'flagged seller')} "
                            "it approached (follows, likes or writes to) and that does not follow it")
            r.append(" and ".join(talk) + f" ({round(100 * network_share[i])}% of the accounts it deals with "
                     "are flagged sellers" + (" or promoters" if promoters_tied[i] else "") + ")")
        if role[i] == "buyer" and promoters_tied[i]:
            r.append(f"follows or writes to {_n(promoters_tied[i], 'flagged promoter')} of the network")
        if role[i] == "buyer" and follows_s[i] == 0 and tied[i]:
            r.append(f"interacts with {_n(tied[i], 'flagged seller')} without following any")
        if role[i] == "buyer" and liked[i]:
            r.append(f"likes posts of {_n(liked[i], 'flagged seller')}")
        if role[i] == "seller":
            if followed_by_s[i]:
                r.append(f"followed by {_n(followed_by_s[i], 'flagged seller')}")
            if buyers_asking[i]:
                r.append(f"{_n(buyers_asking[i], 'buyer')} ask to buy under its posts")
        if role[i] != "none" and prop[i] >= 0.9:
            r.append(f"close to confirmed sellers in the network (top {max(1, round(100 * (1 - prop[i])))}%)")
        if role[i] == "seller" and young[i] > 0.5:
            r.append(f"account {int(ev.created_days[c])} days old at export")
        if role[i] != "none" and burst[i] >= 2:
            r.append(f"created within {CREATION_BURST_DAYS:g} days of {_n(burst[i], 'other flagged account')}")
        # Why a look-alike stays clear.
        if role[i] == "none":
            if s["warn"][i] > 0:
                r.append("quotes flagged terms in a warning/reporting context (not counted as use)")
            if safety_role[i]:
                r.append("profile or replies state a safety/reporting role: follows sellers to monitor them")
            if s["age_adult"][i] > 0 and commerce[i] > 0 and not (s["explicit"][i] or s["age_minor"][i]):
                r.append("adult-age claims with sale terms but no explicit or minor-age signals")
            if s["age_minor"][i] > 0 and not ad_minor[i] and not s["explicit"][i]:
                r.append("states an age without sale signals")
            elif ad_minor[i]:
                r.append("minor age with sale terms but no outbound tie to the network"
                         + (f" (followed by {_n(followed_by_s[i], 'flagged seller')}: a sign of being targeted,"
                            " not of selling)" if followed_by_s[i] else ""))
            if ev.shared_avatar[c]:
                r.append("profile image is a shared default avatar (no identity weight)")
        reasons.append("; ".join(x for x in r if x))
    return RoleResult(codes=codes, role=role, score=score, reasons=reasons, backup_of=np.where(
        backup_of >= 0, backup_of, -1), features=feats)


def _creation_burst(created_days: np.ndarray, platform: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """Per account: other flagged accounts of its platform created within CREATION_BURST_DAYS."""
    out = np.zeros(len(created_days))
    known = np.isfinite(created_days)
    for plat in np.unique(platform[flagged & known]).tolist():
        ref = np.sort(created_days[flagged & known & (platform == plat)])
        idx = np.flatnonzero(known & (platform == plat))
        lo = np.searchsorted(ref, created_days[idx] - CREATION_BURST_DAYS, side="left")
        hi = np.searchsorted(ref, created_days[idx] + CREATION_BURST_DAYS, side="right")
        out[idx] = hi - lo - (flagged[idx]).astype(float)  # not counting itself
    return np.maximum(out, 0.0)


def _n(k, noun: str) -> str:
    k = int(k)
    return f"{k} {noun}" + ("" if k == 1 else "s")


def _quote(evidence: str | None, limit: int = 80) -> str:
    if not evidence:
        return ""
    e = evidence.replace(";", ",").replace("\n", " ")
    return f" ({clip_words(e, limit)})"


def _request_phrases(ev: Evidence, local: np.ndarray, sellers: np.ndarray) -> dict[int, list[str]]:
    sel = (local[ev.req_src] >= 0) & sellers[ev.req_dst]
    out: dict[int, list[str]] = {}
    for li, txt in zip(local[ev.req_src[sel]].tolist(), ev.req_text[sel].tolist()):
        lst = out.setdefault(li, [])
        t = str(txt or "").strip().replace(";", ",")
        if t and t not in lst:
            lst.append(t)
    return out


def _targets(m, mask: np.ndarray, handle_text):
    m = m.tocsr()

    def names(i: int, limit: int = 3) -> str:
        row = m.indices[m.indptr[i]:m.indptr[i + 1]]
        hit = [int(c) for c in row if mask[c]]
        shown = ", ".join(handle_text(c) for c in hit[:limit])
        return shown + (f" +{len(hit) - limit}" if len(hit) > limit else "")
    return names
