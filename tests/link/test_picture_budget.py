"""Picture blocking within the wide search's budget: the accounts first in the caller's order are
searched out to the link radius, the rest within PDQ's threshold through the exact index, and the
exact index finds what the scan finds at that radius."""

from __future__ import annotations

import numpy as np

from tests.link.test_link import _flip_bits, _rand_hash, accounts_table, background
from vigil.link import candidates
from vigil.link.candidates import block, picture_queries
from vigil.link.images import load_profile_images
from vigil.link.profiles import build_profiles
from vigil.link.scope import search_order
from vigil.media.threshold import PDQ_THRESHOLD

RADIUS = 79


def _world():
    """Two query accounts, each with a recompressed copy (20 bits) and a cropped one (50 bits)
    on another platform that nothing but the picture ties to it."""
    rng = np.random.default_rng(11)
    rows = background(n_per_platform=80, seed=4, n_pairs=5)
    for q in ("qa", "qb"):
        pic = _rand_hash(rng)
        rows.append({"platform": "photogram", "account_id": q, "handle": f"{q}_moth", "display_name": "",
                     "profile_image_pdq": pic})
        for d in (20, 50):
            rows.append({"platform": "chirp", "account_id": f"{q}{d}", "handle": f"zz{q}{d}x", "display_name": "",
                         "profile_image_pdq": _flip_bits(pic, d, rng)})
    accounts = accounts_table(rows)
    prof = build_profiles(accounts)
    return prof, load_profile_images(prof, accounts, None)


def _image_hits(prof, imgs, queries) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for (i, j), why in block(prof, imgs, queries, RADIUS).items():
        if "image" in why:
            out.setdefault(prof.account_id[i], set()).add(prof.account_id[j])
    return out


def test_within_the_budget_every_query_is_searched_wide():
    prof, imgs = _world()
    qa, qb = prof.index[("photogram", "qa")], prof.index[("photogram", "qb")]
    got = _image_hits(prof, imgs, [qa, qb])
    assert {"qa20", "qa50"} <= got["qa"] and {"qb20", "qb50"} <= got["qb"]
    split = picture_queries(imgs, [qa, qb])
    assert (split.accounts, split.wide_accounts) == (2, 2)


def test_past_the_budget_later_queries_find_only_close_copies(monkeypatch):
    prof, imgs = _world()
    qa, qb = prof.index[("photogram", "qa")], prof.index[("photogram", "qb")]
    _, indexed = imgs.index()
    monkeypatch.setattr(candidates, "WIDE_PICTURE_COMPARISONS", len(indexed))  # one account's one hash
    got = _image_hits(prof, imgs, [qa, qb])
    assert {"qa20", "qa50"} <= got["qa"], "the first account is searched wide"
    assert "qb20" in got["qb"] and "qb50" not in got["qb"], "the second only within PDQ's threshold"
    got = _image_hits(prof, imgs, [qb, qa])
    assert "qb50" in got["qb"] and "qa50" not in got["qa"], "the caller's order decides, not the row"
    split = picture_queries(imgs, [qa, qb])
    assert (split.accounts, split.wide_accounts, split.wide) == (2, 1, 1)


def test_an_account_is_never_split_across_the_two_searches(monkeypatch):
    prof, imgs = _world()
    qa, qb = prof.index[("photogram", "qa")], prof.index[("photogram", "qb")]
    turned = [np.frombuffer(bytes.fromhex(_flip_bits(imgs.hashes[qa].tobytes().hex(), 9, np.random.default_rng(k))),
                            dtype=np.uint8) for k in range(8)]
    imgs.dihedral[qa] = turned  # as the media stage gives them: nine hashes for this account
    _, indexed = imgs.index()
    monkeypatch.setattr(candidates, "WIDE_PICTURE_COMPARISONS", 5 * len(indexed))
    split = picture_queries(imgs, [qa, qb])
    assert split.owner[:9] == [qa] * 9 and split.wide == 0, "five of qa's nine hashes would cut it in two"
    monkeypatch.setattr(candidates, "WIDE_PICTURE_COMPARISONS", 9 * len(indexed))
    assert picture_queries(imgs, [qa, qb]).wide == 9


def test_exact_index_finds_what_the_scan_finds():
    prof, imgs = _world()
    queries = [v for i in range(len(prof)) if imgs.has(i) for v in imgs.variants(i)]
    for radius in (0, 20, PDQ_THRESHOLD, 50):
        assert imgs.near_exact(queries, radius) == imgs.near(queries, radius), radius


def test_search_order_puts_flagged_accounts_first():
    focus = {5: "close network", 1: "backup", 9: "buyer", 3: "seller", 2: "close network"}
    assert search_order(focus) == [3, 9, 1, 2, 5]
