"""Bluesky repo CAR files, built here from a small synthetic repo with the writer the round-trip uses."""

import hashlib

import libipld

from vigil.importers import run_import
from vigil.importers.bluesky_car import write_repo_car
from tests.importers import jsonl_rows

ALBA, BREN, CATO = "did:plc:alba", "did:plc:bren", "did:plc:cato"
T = "2024-01-02T10:00:00Z"
BLOB = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(b"abstract image").digest()  # raw-codec CID


def _repo(tmp_path):
    post = "app.bsky.feed.post"
    records = [
        ("app.bsky.actor.profile", "self", {"$type": "app.bsky.actor.profile", "displayName": "Alba",
                                            "description": "menu in bio"}),
        (post, "3kpost1", {"$type": post, "text": "new drop @bren.test see example.org #zorblat", "createdAt": T,
                           "facets": [
                               {"index": {"byteStart": 9, "byteEnd": 19},
                                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": BREN}]},
                               {"index": {"byteStart": 24, "byteEnd": 35},
                                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org"}]},
                               {"index": {"byteStart": 36, "byteEnd": 44},
                                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "zorblat"}]}],
                           "embed": {"$type": "app.bsky.embed.images", "images": [
                               {"alt": "", "image": {"$type": "blob", "ref": BLOB, "mimeType": "image/png", "size": 10}}]}}),
        (post, "3kpost2", {"$type": post, "text": "yes", "createdAt": T, "reply": {
            "parent": {"uri": f"at://{BREN}/{post}/3kbren1", "cid": "bafyx"},
            "root": {"uri": f"at://{BREN}/{post}/3kbren1", "cid": "bafyx"}}}),
        ("app.bsky.graph.follow", "3kf1", {"$type": "app.bsky.graph.follow", "subject": BREN, "createdAt": T}),
        ("app.bsky.feed.like", "3kl1", {"$type": "app.bsky.feed.like", "createdAt": T,
                                        "subject": {"uri": f"at://{CATO}/{post}/3kc1", "cid": "bafyy"}}),
        ("app.bsky.feed.like", "3kl2", {"$type": "app.bsky.feed.like", "createdAt": T,
                                        "subject": {"uri": "not-a-uri", "cid": "bafyz"}}),
        ("app.bsky.feed.repost", "3kr1", {"$type": "app.bsky.feed.repost", "createdAt": T,
                                          "subject": {"uri": f"at://{CATO}/{post}/3kc1", "cid": "bafyy"}}),
        ("app.bsky.graph.block", "3kb1", {"$type": "app.bsky.graph.block", "subject": CATO, "createdAt": T}),
        (post, "3kpost3", None),
    ]
    folder = tmp_path / "repos"
    folder.mkdir()
    write_repo_car(folder / "alba.car", ALBA, records)
    write_repo_car(folder / "bren.car", BREN, [(post, "3kbren1", {"$type": post, "text": "still there?", "createdAt": T})])
    (folder / "broken.car").write_bytes(b"\x05hello")
    return folder


def test_bluesky_car_rejects_exact(tmp_path):
    s = run_import("bluesky-car", _repo(tmp_path), tmp_path / "export", platform="bsky")
    got = [(r["file"].rsplit("/", 1)[-1], r["line"], r["reason"]) for r in jsonl_rows(s.rejects_path)]
    # key order: app.bsky.actor.profile, feed.like x2, feed.post x3, feed.repost, graph.block, graph.follow
    assert got[:3] == [
        ("alba.car", 2, "app.bsky.feed.like/3kl2: subject uri 'not-a-uri' is not an at:// uri"),
        ("alba.car", 5, "app.bsky.feed.post/3kpost3: record block missing from the CAR"),
        ("alba.car", 7, "app.bsky.graph.block/3kb1: collection 'app.bsky.graph.block' is not read"),
    ]
    assert got[3][:2] == ("broken.car", 0) and got[3][2].startswith("not a CAR file")
    assert s.rejects == 4


def test_bluesky_car_tables(tmp_path):
    s = run_import("bluesky-car", _repo(tmp_path), tmp_path / "export", platform="bsky")
    accounts = {a["account_id"]: a for a in jsonl_rows(s.out_dir / "accounts.jsonl")}
    assert set(accounts) == {ALBA, BREN}, "one account per repo; a repo without a profile still is one"
    assert accounts[ALBA]["bio"] == "menu in bio" and accounts[ALBA]["display_name"] == "Alba"
    posts = {p["post_id"]: p for p in jsonl_rows(s.out_dir / "posts.jsonl")}
    assert set(posts) == {"3kpost1", "3kpost2", "3kbren1"}
    p1 = posts["3kpost1"]
    assert p1["hashtags"] == ["zorblat"] and p1["links"] == ["https://example.org"]
    assert p1["media"] == [{"media_id": libipld.encode_cid(BLOB)}], "an image is named by its blob CID"
    assert posts["3kpost2"]["reply_to"] == "3kbren1" and posts["3kpost2"]["kind"] == "comment"
    edges = sorted((e["src"], e["dst"], e["kind"]) for e in jsonl_rows(s.out_dir / "edges.jsonl"))
    assert edges == [(ALBA, BREN, "comment"), (ALBA, BREN, "follow"), (ALBA, BREN, "mention"),
                     (ALBA, CATO, "like"), (ALBA, CATO, "repost")]


def test_the_tree_is_walked_in_key_order_across_levels(tmp_path):
    post = "app.bsky.feed.post"
    recs = [(post, f"k{i:04d}", {"$type": post, "text": str(i), "createdAt": T}) for i in range(300)]
    path = write_repo_car(tmp_path / "big.car", ALBA, reversed(recs))
    header, blocks = libipld.decode_car(path.read_bytes())
    assert len(blocks) > 300 + 2, "more than one tree node"
    s = run_import("bluesky-car", path, tmp_path / "export")
    assert [p["post_id"] for p in jsonl_rows(s.out_dir / "posts.jsonl")] == [f"k{i:04d}" for i in range(300)]
    assert s.rejects == 0
