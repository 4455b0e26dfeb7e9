"""Buyer evidence that does not depend on one community's phrasing or on a complete export.

A small ring (three sellers, one promo page) and accounts around it, each built to isolate one
piece of evidence: payment or product talk under a seller's post, a seller's private message to
an account that approached it, and ties to the ring's promoter. Each has a look-alike that must
stay clear: the same words under an ordinary shop, the same words in a report, a seller writing
to a minor, to an account that never approached it or to one it follows itself, a promoter's
follower who deals with no seller.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from tests.graph.world import SIG_COLS, _table
from vigil import schemas
from vigil.graph import run_graph
from vigil.workspace import Workspace

P = "pg"
T0 = datetime(2025, 6, 30, tzinfo=timezone.utc)
SELLERS = ("s1", "s2", "s3")
ORDINARY = tuple(f"n{i}" for i in range(1, 12))
EXPECTED = {
    "s1": "seller", "s2": "seller", "s3": "seller", "f1": "facilitator",
    "pay": "buyer",  # "cashapp ready" / "want the bundle" under two of s1's posts, follows s1
    "pay_shop": "none",  # the same words under an ordinary shop's posts; follows s1 once
    "pay_warn": "none",  # the same words under s1's posts, in replies that report it
    "conv": "buyer",  # follows and likes s1; s1's private messages to it are in the export
    "conv_minor": "none",  # the same, but it states a minor age: s1 writing to it is targeting
    "cold": "none",  # s1 writes to it though it never approached s1; it follows s2 once
    "targeted": "none",  # follows and likes s1, but s1 follows it and writes to it: s1 reached out
    "promo": "buyer",  # messages s1 once, follows and likes the promo page, most ties elsewhere
    "stray": "none",  # messages and follows s1 once, most ties elsewhere, no promoter
    "promo_fan": "none",  # follows and likes the promo page, deals with no seller
}


def build(ws: Workspace) -> Workspace:
    accounts, edges, posts, hits, sigs = [], [], [], [], []
    for a in list(EXPECTED) + list(ORDINARY):
        accounts.append({"platform": P, "account_id": a, "handle": f"user_{a}", "created_at": T0 - timedelta(days=400)})

    def edge(s, d, kind="follow", n=1):
        edges.append({"platform": P, "src": s, "dst": d, "kind": kind, "created_at": T0 - timedelta(days=5), "count": n})

    def post(pid, aid, text, reply_to=None):
        posts.append({"platform": P, "post_id": pid, "account_id": aid, "text": text, "reply_to": reply_to,
                      "kind": "comment" if reply_to else "post", "created_at": T0 - timedelta(days=3)})

    def hit(aid, pid, category, matched, context="use", field="text"):
        hits.append({"platform": P, "account_id": aid, "post_id": pid, "field": field,
                     "signal_id": f"builtin:{category}", "category": category, "weight": 1.0, "context": context,
                     "start": 0, "end": len(matched), "matched": matched, "obfuscated": False})

    def sig(aid, evidence="", **kw):
        row = {"platform": P, "account_id": aid, **{c: 0.0 for c in SIG_COLS}, "evidence": evidence}
        row.update({k: float(v) for k, v in kw.items()})
        sigs.append(row)
        for cat in ("explicit", "age_minor", "sale", "contact", "payment"):
            for _ in range(int(kw.get(cat, 0))):
                hit(aid, None, "age" if cat == "age_minor" else cat, cat, field="bio")

    def reply(pid, aid, text, to, *found):
        post(pid, aid, text, reply_to=to)
        for category, matched, context in found:
            hit(aid, pid, category, matched, context)

    for s in SELLERS:
        for o in SELLERS:
            if s != o:
                edge(s, o)
        sig(s, "vexkin, menu in bio, tg:", explicit=2, sale=1, contact=1, n_hit_posts=2, n_posts=2)
        post(f"{s}-p1", s, "vexkin menu in bio tg: @x")
        post(f"{s}-p2", s, "new vexkin menu")
    # The promo page reposts and names every seller.
    for s in SELLERS:
        edge("f1", s, "mention", 2)
        edge("f1", s, "repost")
        edge("f1", s)
    sig("f1", "vexkin, menu in bio", explicit=2, sale=2, n_hit_posts=3, n_posts=3)
    # An ordinary shop with its own posts, and background follows among ordinary accounts.
    post("n1-p1", "n1", "new candles in stock")
    post("n1-p2", "n1", "candle sale this weekend")
    for i, a in enumerate(ORDINARY):
        edge(a, ORDINARY[(i + 1) % len(ORDINARY)])

    # Payment and offer talk in replies.
    edge("pay", "s1")
    reply("pay-c1", "pay", "cashapp ready", "s1-p1", ("payment", "cashapp", "use"))
    reply("pay-c2", "pay", "want the bundle", "s1-p2", ("sale", "bundle", "use"))
    edge("pay_shop", "s1")
    edge("pay_shop", "n1")
    reply("ps-c1", "pay_shop", "cashapp ready", "n1-p1", ("payment", "cashapp", "use"))
    reply("ps-c2", "pay_shop", "want the bundle", "n1-p2", ("sale", "bundle", "use"))
    edge("pay_warn", "s1")
    reply("pw-c1", "pay_warn", "they take cashapp, reported", "s1-p1",
          ("payment", "cashapp", "use"), ("explicit", "reported", "warn"))
    reply("pw-c2", "pay_warn", "bundle of abuse, reported", "s1-p2",
          ("sale", "bundle", "use"), ("explicit", "reported", "warn"))

    # Private messages from a seller.
    for a in ("conv", "conv_minor"):
        edge(a, "s1")
        edge(a, "s1", "like")
        edge("s1", a, "message", 2)
    sig("conv_minor", "14yo", age_minor=1, n_hit_posts=0, n_posts=0)
    edge("cold", "s2")
    edge("s1", "cold", "message")
    edge("targeted", "s1")
    edge("targeted", "s1", "like")
    edge("s1", "targeted")
    edge("s1", "targeted", "message", 2)

    # The ring's promoter as part of the network a buyer deals with.
    for a in ("promo", "stray", "promo_fan"):
        for o in ORDINARY[4:11]:
            edge(a, o)
    edge("promo", "s1", "message")
    edge("promo", "f1")
    edge("promo", "f1", "like")
    edge("stray", "s1", "message")
    edge("stray", "s1")
    edge("promo_fan", "f1")
    edge("promo_fan", "f1", "like")

    ws.write("accounts", _table(accounts, schemas.ACCOUNTS))
    ws.write("edges", _table(edges, schemas.EDGES))
    ws.write("posts", _table(posts, schemas.POSTS))
    ws.write("signal_hits", _table(hits, schemas.SIGNAL_HITS))
    ws.write("account_signals", pa.Table.from_pylist(sigs))
    return ws


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    ws = build(Workspace(tmp_path_factory.mktemp("ws")))
    run_graph(ws)
    return {r["account_id"]: r for r in ws.read("scores").to_pylist()}


@pytest.mark.parametrize("account,role", sorted(EXPECTED.items()))
def test_role(rows, account, role):
    got = rows.get(account, {"role": "none", "reasons": "(not scored)"})
    assert got["role"] == role, f"{account}: {got['role']} ({got['reasons']})"


def test_payment_talk_is_quoted_in_the_reasons(rows):
    reasons = rows["pay"]["reasons"]
    assert "'cashapp'" in reasons and "'bundle'" in reasons
    assert "on 2 of their posts (1 seller)" in reasons


def test_an_answered_conversation_says_who_wrote(rows):
    assert ("receives private messages from 1 flagged seller it approached (follows, likes or writes to) "
            "and that does not follow it") in rows["conv"]["reasons"]
    assert "sends private messages" not in rows["conv"]["reasons"]


def test_the_promoter_tie_is_named(rows):
    reasons = rows["promo"]["reasons"]
    assert "sends private messages to 1 flagged seller" in reasons
    assert "flagged sellers or promoters" in reasons
    assert "follows or writes to 1 flagged promoter of the network" in reasons
