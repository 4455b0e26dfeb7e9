"""run_signals over a workspace the test builds; discover_terms ranks a planted term first."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vigil import schemas
from vigil.signals import discover_terms, run_signals
from vigil.signals.stage import ACCOUNT_SIGNALS
from vigil.workspace import Workspace


def _accounts(rows: list[dict]) -> pa.Table:
    cols = {f.name: [r.get(f.name) for r in rows] for f in schemas.ACCOUNTS}
    return pa.table(cols, schema=schemas.ACCOUNTS)


def _posts(rows: list[dict]) -> pa.Table:
    cols = {f.name: [r.get(f.name) for r in rows] for f in schemas.POSTS}
    return pa.table(cols, schema=schemas.POSTS)


@pytest.fixture()
def ws(tmp_path):
    w = Workspace(tmp_path / "ws")
    w.write("accounts", _accounts([
        {"platform": "p", "account_id": "seller", "handle": "vexkin.shop", "bio": "menu in bio | t.me/vexshop | 15yo",
         "links": ["https://t.me/vexshop"]},
        {"platform": "p", "account_id": "advocate", "handle": "safety.watch",
         "bio": "Trust & safety volunteer. Report, don't engage."},
        {"platform": "p", "account_id": "creator", "handle": "ella", "bio": "adults only (18+) | cashapp $ella"},
        {"platform": "p", "account_id": "plain", "handle": "hiker", "bio": "mountains and coffee"},
    ]))
    w.write("posts", _posts([
        {"platform": "p", "post_id": "1", "account_id": "seller", "text": "v3xk1n restocked, dm for prices",
         "hashtags": ["yumbrikvip_sale", "mood"], "kind": "post"},
        {"platform": "p", "post_id": "2", "account_id": "seller", "text": "new set #torlap", "hashtags": ["torlap"],
         "kind": "story"},
        {"platform": "p", "post_id": "3", "account_id": "advocate",
         "text": "Report accounts using #vexkin and torlap. Do not engage.", "hashtags": ["vexkin"], "kind": "post"},
        {"platform": "p", "post_id": "4", "account_id": "plain", "text": "Sunrise hike", "hashtags": None, "kind": "post"},
        {"platform": "p", "post_id": "5", "account_id": "buyer", "text": "how much?", "kind": "comment",
         "reply_to": "1"},
    ]))
    return w


def test_signal_hits_and_account_signals(ws, lexicon):
    stats = run_signals(ws, lexicon)
    hits = ws.read("signal_hits")
    assert hits.schema.equals(schemas.SIGNAL_HITS)
    assert stats["hits"] == hits.num_rows > 0
    rows = hits.to_pylist()
    # hashtag hits the text already counted are not counted twice
    torlap = [r for r in rows if r["post_id"] == "2" and r["signal_id"] == "explicit-torlap"]
    assert len(torlap) == 1 and torlap[0]["field"] == "text"
    assert any(r["field"] == "hashtag" and r["signal_id"] == "tag-yumbrikvip" for r in rows)
    assert any(r["field"] == "link" and r["signal_id"] == "builtin:contact_link" for r in rows)
    # the advocate's post and its hashtags are warnings, as is its whole profile
    assert all(r["context"] == "warn" for r in rows if r["account_id"] == "advocate")

    acc = {r["account_id"]: r for r in ws.read("account_signals").to_pylist()}
    assert ws.read("account_signals").schema.equals(ACCOUNT_SIGNALS)
    s = acc["seller"]
    assert s["explicit"] >= 3.0 and s["age_minor"] > 0 and s["sale"] > 0 and s["contact"] > 0
    assert s["n_hit_posts"] == 2 and s["n_posts"] == 2
    assert "explicit" in s["evidence"] and "post" in s["evidence"]
    a = acc["advocate"]
    assert a["explicit"] == 0.0 and a["warn"] > 0 and a["n_hit_posts"] == 0
    c = acc["creator"]
    assert c["age_adult"] > 0 and c["age_minor"] == 0.0 and c["payment"] > 0
    assert acc["buyer"]["request"] > 0 and acc["buyer"]["n_posts"] == 1
    assert "plain" not in acc


def test_discover_terms_ranks_planted_term_first(tmp_path, lexicon):
    ws = Workspace(tmp_path / "ws")
    accounts, posts = [], []
    for i in range(60):  # ordinary accounts
        accounts.append({"platform": "p", "account_id": f"u{i}", "handle": f"user{i}", "bio": "coffee and hiking"})
        posts.append({"platform": "p", "post_id": f"u{i}-1", "account_id": f"u{i}",
                      "text": "lovely weekend with friends #sunset", "hashtags": ["sunset"]})
        if i % 6 == 0:  # the planted word also appears, rarely, outside the network
            posts.append({"platform": "p", "post_id": f"u{i}-2", "account_id": f"u{i}", "text": "zorblax? no idea"})
    for i in range(8):  # the network: a known term beside a new one
        accounts.append({"platform": "p", "account_id": f"s{i}", "handle": f"shop{i}", "bio": "menu in bio"})
        posts.append({"platform": "p", "post_id": f"s{i}-1", "account_id": f"s{i}",
                      "text": "vexkin restocked zorblax #quimtrel #sunset", "hashtags": ["quimtrel", "sunset"]})
        posts.append({"platform": "p", "post_id": f"s{i}-2", "account_id": f"s{i}", "text": "#torlap zorblax lovely"})
    ws.write("accounts", _accounts(accounts))
    ws.write("posts", _posts(posts))
    run_signals(ws, lexicon)
    scores = pa.table({
        "platform": ["p"] * 8, "account_id": [f"s{i}" for i in range(8)], "score": [0.9] * 8,
        "role": ["seller"] * 8, "community": ["c1"] * 8, "reasons": [""] * 8, "backup_of": [None] * 8,
    }, schema=schemas.SCORES)
    ws.write("scores", scores)
    terms = discover_terms(ws, lexicon).to_pylist()
    assert terms, "no terms proposed"
    assert terms[0]["term"] in ("zorblax", "#quimtrel")
    found = [t["term"] for t in terms]
    assert "zorblax" in found and "#quimtrel" in found
    assert all(0.0 <= t["score"] <= 1.0 for t in terms)
    # known terms (any form), built-in phrases and everyday words are not proposed
    assert not {"vexkin", "#torlap", "torlap", "restocked", "menu", "lovely", "#sunset", "sunset"} & set(found)


def test_discover_without_scores_uses_explicit_evidence(tmp_path, lexicon):
    ws = Workspace(tmp_path / "ws")
    ws.write("accounts", _accounts([{"platform": "p", "account_id": "a", "handle": "a"}]))
    ws.write("posts", _posts([{"platform": "p", "post_id": "1", "account_id": "a", "text": "hello"}]))
    run_signals(ws, lexicon)
    assert discover_terms(ws, lexicon).num_rows == 0  # nobody is high-risk: nothing to propose
