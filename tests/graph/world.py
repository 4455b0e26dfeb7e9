"""A small hand-built workspace: one seller ring, its buyers and promoter, and every decoy kind.

Written as the other stages' tables (accounts, edges, posts, signal_hits, account_signals,
media_matches, profile_hashes, seeds) so the graph stage is tested on exactly its inputs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from vigil import schemas
from vigil.workspace import Workspace

P = "pg"
T0 = datetime(2025, 6, 30, tzinfo=timezone.utc)

SELLERS = ["s1", "s2", "s3"]
EXPECTED = {
    "s1": "seller", "s2": "seller", "s3": "seller",
    "s4": "seller",  # minor age + sale + payment, follows and writes to the ring
    "seed1": "seller",  # known seed, nothing else
    "b1": "buyer", "b2": "buyer", "b3": "buyer",
    "b4": "buyer",  # never comments: follows two sellers and messages both
    "lk": "none",  # follows and likes three sellers, writes to none
    "f1": "facilitator",
    "k1": "seller",  # backup by handle + ring follows
    "k2": "seller",  # backup announced by s2
    "b5": "buyer",  # no follow edge kept, no request: likes one seller, messages another
    "m1": "none",  # a single stray message to a seller, nothing else
    "t3": "none",  # teen trader: minor age + prices + payment, followed by three sellers, follows one back
    "f2": "facilitator",  # promo page: shoutouts to shops and sellers, its selling posts name sellers
    "s5": "seller",  # a seller who gives shout-outs but advertises its own menu
    "k3": "seller",  # backup with a new handle: inherits s3's followers right after s3 went quiet
    "k4": "none",
    "k5": "seller",  # flagged on its own ads, and also s2's return: near-identical handle, "backup acc"
    "s6": "seller",  # a second active seller whose handle resembles s2's: no backup words, not s2  # look-alike: created after s3 went quiet, backup words, but shares no followers
    "jr": "none",  # a reporter: follows and messages sellers, replies "reporting this account"
    "adv": "none", "ac": "none", "af": "none", "t1": "none", "t2": "none",
    "d1": "none", "d2": "none", "d3": "none", "bp": "none", "n1": "none",
}
HANDLES = {"s1": "real.mira.store", "s2": "vexshop.ana", "s3": "tor.lapmenu", "s4": "kiki.sells",
           "k1": "real.mira.store27", "k2": "fresh.acc.x", "seed1": "quiet.one", "f2": "daily.promos",
           "s5": "sfs.queen", "k3": "moon.child.99", "k4": "sunny.day.42",
           "k5": "vexshop.ana.2", "s6": "vexshop.anas"}
# Followers of s3 (ordinary accounts and buyers) that k3 inherits.
S3_AUDIENCE = ["n10", "n11", "n12", "n13", "n14", "n15"]

SIG_COLS = ("explicit", "age_minor", "age_adult", "sale", "contact", "payment", "trade", "request", "other",
            "warn", "n_hit_posts", "n_posts")


def build(ws: Workspace) -> Workspace:
    accounts, edges, posts, hits, sigs = [], [], [], [], []
    ids = list(EXPECTED) + [f"n{i}" for i in range(2, 30)]

    def acct(aid, days_old=400):
        accounts.append({"platform": P, "account_id": aid, "handle": HANDLES.get(aid, f"user_{aid}"),
                         "created_at": T0 - timedelta(days=days_old)})

    for a in ids:
        acct(a, {"k1": 20, "k2": 15, "s1": 120, "k3": 8, "k4": 8, "k5": 30, "s6": 30}.get(a, 400))

    def edge(s, d, kind="follow", n=1):
        edges.append({"platform": P, "src": s, "dst": d, "kind": kind, "created_at": T0 - timedelta(days=5),
                      "count": n})

    def post(pid, aid, text, reply_to=None, kind="post", days=3):
        posts.append({"platform": P, "post_id": pid, "account_id": aid, "text": text, "reply_to": reply_to,
                      "kind": kind, "created_at": T0 - timedelta(days=days)})

    def hit(aid, pid, category, signal_id, matched, context="use", field="text", tags=""):
        hits.append({"platform": P, "account_id": aid, "post_id": pid, "field": field, "signal_id": signal_id,
                     "category": category, "weight": 1.0, "context": context, "start": 0, "end": len(matched),
                     "matched": matched, "obfuscated": False, "tags": tags})

    def sig(aid, evidence="", **kw):
        """The per-account sums, and profile hits behind the selling categories (signals writes
        both; request and warn hits are placed on their posts by the callers)."""
        row = {"platform": P, "account_id": aid, **{c: 0.0 for c in SIG_COLS}, "evidence": evidence}
        row.update({k: float(v) for k, v in kw.items()})
        sigs.append(row)
        for cat in ("explicit", "age_minor", "age_adult", "sale", "contact", "payment", "trade", "other"):
            for _ in range(int(kw.get(cat, 0))):
                category = "age" if cat.startswith("age") else cat
                hit(aid, None, category, f"builtin:{cat}", cat, "adult" if cat == "age_adult" else "use", "bio")

    # The ring: sellers follow each other and advertise explicit terms with sale/contact words.
    for s in SELLERS:
        for o in SELLERS:
            if s != o:
                edge(s, o)
        sig(s, "vexkin, menu in bio, tg:", explicit=2, sale=1, contact=1, n_hit_posts=2, n_posts=3)
        # s3 went quiet twelve days before the export ends (its backup k3 follows).
        post(f"{s}-p1", s, "vexkin menu in bio tg: @x", days=12 if s == "s3" else 3)
        post(f"{s}-p2", s, "new menu", days=12 if s == "s3" else 3)
    # s4: a minor age and a price list, in the ring: follows two sellers and writes to one.
    sig("s4", "15yo, selling, cashapp", age_minor=1, sale=1, payment=1, n_hit_posts=1, n_posts=1)
    post("s4-p1", "s4", "selling")
    for s in ("s1", "s2"):
        edge(s, "s4")
        edge("s4", s)
    edge("s4", "s1", "message")
    # t3: the same words, followed by three sellers (targeted), follows one back, writes to none.
    sig("t3", "15yo, selling, cashapp", age_minor=1, sale=1, payment=1, trade=1, n_hit_posts=1, n_posts=2)
    post("t3-p1", "t3", "selling my old skates $25, cashapp")
    for s in SELLERS:
        edge(s, "t3")
    edge("t3", "s1")
    # b5: the export lost its follows; it likes s1 and messages s2 (two acts, one a message).
    edge("b5", "s1", "like")
    edge("b5", "s2", "message", 2)
    # m1: one message to one seller and nothing else is a stray, not a buyer.
    edge("m1", "s3", "message")
    # f2: a promo page; most posts are shout-outs (ordinary shops as cover), and its selling posts
    # carry the sellers' handles, not its own menu. Flagged sellers are under one promotion a post.
    sig("f2", "vexkin, menu in bio", explicit=1, sale=1, n_hit_posts=2, n_posts=6)
    for j, (text, sells) in enumerate((("shoutout to @user_n2 cute prints", False),
                                       ("support @user_n3 best shop", False),
                                       ("sfs with @user_n4 handmade goodies", False),
                                       ("check out @real.mira.store menu in bio vexkin", True),
                                       ("go follow @vexshop.ana vexkin drops daily", True),
                                       ("good morning", False))):
        post(f"f2-p{j}", "f2", text)
        if sells:
            hit("f2", f"f2-p{j}", "explicit", "explicit-vexkin", "vexkin")
            hit("f2", f"f2-p{j}", "sale", "builtin:menu", "menu")
    for s in ("s1", "s2"):
        edge("f2", s)
    # s5: a seller who gives two shout-outs to ring sellers but mostly posts its own menu.
    sig("s5", "vexkin, menu, tg:", explicit=2, sale=2, contact=1, n_hit_posts=3, n_posts=4)
    for j, (text, who) in enumerate((("sfs with @real.mira.store", None), ("sfs with @tor.lapmenu", None),
                                     ("vexkin menu tg: dm me", "own"), ("new vexkin set, menu in dm", "own"))):
        post(f"s5-p{j}", "s5", text)
        if who:
            hit("s5", f"s5-p{j}", "explicit", "explicit-vexkin", "vexkin")
            hit("s5", f"s5-p{j}", "sale", "builtin:menu", "menu")
    edge("s5", "s1")
    edge("s1", "s5")
    # k3: s3 went quiet 10 days ago; k3, created 8 days ago with a new name and backup words,
    # is followed by most of s3's audience. k4 says the same words and was made the same day, but
    # none of s3's followers follow it.
    post("s3-last", "s3", "new menu", days=10)
    for a in S3_AUDIENCE:
        edge(a, "s3")
        edge(a, "k3")
    sig("k3", "backup acc", other=1, n_hit_posts=1, n_posts=1)
    sig("k4", "backup acc", other=1, n_hit_posts=1, n_posts=1)
    for a in ("n20", "n21", "n22"):
        edge(a, "k4")
    # k5 sells on its own account, and is s2 back: near-identical handle, mutual follow with s2.
    sig("k5", "vexkin, menu, backup acc", explicit=1, sale=1, other=1, n_hit_posts=1, n_posts=1)
    edge("k5", "s2")
    edge("s2", "k5")
    sig("s6", "vexkin, menu", explicit=1, sale=1, n_hit_posts=1, n_posts=1)
    edge("s6", "s2")
    edge("s2", "s6")
    # A seed with nothing else against it.
    edge("seed1", "n2")
    # Buyers: follow several sellers, ask "how much" under their posts, advertise nothing.
    for b, targets in (("b1", SELLERS), ("b2", ["s1", "s2"]), ("b3", ["s2", "s3"])):
        for s in targets:
            edge(b, s)
            edge(b, s, "like")
        for j, s in enumerate(targets[:2]):
            pid = f"{b}-c{j}"
            post(pid, b, "how much", reply_to=f"{s}-p1", kind="comment")
            edge(b, s, "comment")
            hit(b, pid, "request", "builtin:request", "how much")
        sig(b, "how much", request=2, n_hit_posts=2, n_posts=4)
    for s in ("s1", "s3"):
        edge("b4", s)
        edge("b4", s, "message", 3)
    for s in SELLERS:
        edge("lk", s)
        edge("lk", s, "like")
    # Facilitator: reposts and names every seller; copies their words in its reposts.
    for s in SELLERS:
        edge("f1", s, "mention", 2)
        edge("f1", s, "repost")
        edge("f1", s)
        edge(s, "f1")
    sig("f1", "vexkin, menu in bio", explicit=2, sale=2, n_hit_posts=3, n_posts=3)
    # Backups: k1 by handle (newer, followed by the ring), k2 named in s2's "follow my backup".
    for s in ("s2", "s3"):
        edge(s, "k1")
    edge("k1", "s2")
    post("s2-bk", "s2", "follow my backup @fresh.acc.x")
    # Its id says nothing: intent is the entry's `tags`, not how the operator named it.
    hit("s2", "s2-bk", "other", "entry-17", "follow my backup", tags=",backup,")
    edge("n3", "k2")
    # Advocate: follows the ring to monitor it, quotes the terms to warn, asks nothing.
    for s in SELLERS:
        edge("adv", s)
    edge("adv", "s1", "comment")
    post("adv-p", "adv", "PSA: #vexkin accounts are selling, report them")
    hit("adv", "adv-p", "explicit", "explicit-vexkin", "vexkin", context="warn")
    sig("adv", "vexkin", warn=3, n_hit_posts=1, n_posts=2)
    # Adult creator and her fan: menus, prices and requests, but adult claims and no explicit terms.
    sig("ac", "18+, menu in bio, paypal", age_adult=2, sale=2, payment=1, contact=1, n_hit_posts=3, n_posts=3)
    post("ac-p", "ac", "new set, 18+ only")
    for j in range(3):
        post(f"af-c{j}", "af", "price for customs?", reply_to="ac-p", kind="comment")
        hit("af", f"af-c{j}", "request", "builtin:request_question", "price?")
    edge("af", "ac")
    edge("af", "s1")  # a single stray follow of a seller
    sig("af", "price?", request=3, n_hit_posts=3, n_posts=3)
    # Teens: an age, a trade, a one-off sale; one seller follows each.
    sig("t1", "14yo, trading", age_minor=1, trade=1, n_hit_posts=1, n_posts=2)
    sig("t2", "14yo, selling, dm me", age_minor=1, sale=1, contact=1, n_hit_posts=1, n_posts=2)
    edge("s1", "t1")
    edge("s1", "t2")
    # Shared default avatar: the bank happens to hold it; three accounts wear it.
    profile = [{"platform": P, "account_id": d, "pdq": "ab" * 32, "quality": 100, "source": "file",
                "shared_count": 3, "is_shared": True} for d in ("d1", "d2", "d3")]
    media = [{"platform": P, "account_id": d, "post_id": None, "media_id": f"avatar-{d}", "signal_type": "pdq",
              "signal": "ab" * 32, "bank": "bank-a", "category": "x", "bank_signal": "ab" * 32, "distance": 0}
             for d in ("d1", "d2", "d3")]
    edge("d1", "s1")
    # A hash match on a seller's post.
    media.append({"platform": P, "account_id": "s3", "post_id": "s3-p1", "media_id": "m1", "signal_type": "pdq",
                  "signal": "cd" * 32, "bank": "bank-a", "category": "x", "bank_signal": "cd" * 32, "distance": 4})
    # Benign promo page: names many ordinary accounts.
    for i in range(2, 8):
        edge("bp", f"n{i}", "mention")
    # n1: follows one seller and says "interested" once.
    edge("n1", "s1")
    post("n1-c", "n1", "interested!", reply_to="s1-p2", kind="comment")
    hit("n1", "n1-c", "request", "builtin:request", "interested")
    sig("n1", "interested", request=1, n_hit_posts=1, n_posts=1)
    # jr: a reporter whose bio names no safety role and quotes no term; it follows three sellers,
    # messages two, and replies under one seller's post to report it.
    for s_ in ("s1", "s2", "s3"):
        edge("jr", s_)
    edge("jr", "s1", "message", 2)
    edge("jr", "s2", "message", 1)
    post("jr-c", "jr", "reporting this account", reply_to="s1-p2", kind="comment")
    # Background follows among ordinary accounts.
    for i in range(2, 30):
        edge(f"n{i}", f"n{(i * 7) % 28 + 2}")
        edge(f"n{i}", f"n{(i * 3) % 28 + 2}")

    ws.write("accounts", _table(accounts, schemas.ACCOUNTS))
    ws.write("edges", _table(edges, schemas.EDGES))
    ws.write("posts", _table(posts, schemas.POSTS))
    ws.write("signal_hits", _table(hits, schemas.SIGNAL_HITS))
    ws.write("account_signals", pa.Table.from_pylist(sigs))
    ws.write("media_matches", _table(media, schemas.MEDIA_MATCHES))
    ws.write("profile_hashes", _table(profile, schemas.PROFILE_HASHES))
    ws.write("seeds", pa.table({"platform": [P], "account_id": ["seed1"]}))
    return ws


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return pa.table({k: pa.array(v, type=schema.field(k).type) for k, v in cols.items()}, schema=schema)
