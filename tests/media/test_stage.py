"""run_media end to end on tiny workspaces: matches per post and account, profiles, dihedral."""

from __future__ import annotations

import json
import shutil


from vigil import schemas
from vigil.media import load_banks, run_media
from vigil.media import profiles as prof
from vigil.media.hashing import hash_file

from .conftest import make_workspace

DIH = ["bridge-1-original", "bridge-2-rotate-90", "bridge-3-rotate-180", "bridge-4-rotate-270",
       "bridge-5-flipx", "bridge-6-flipy", "bridge-7-flip-plus-1", "bridge-8-flip-minus-1"]


def bank_csv(tmp_path, rows):
    p = tmp_path / "bank.csv"
    p.write_text("signal_type,signal,bank,category\n" + "".join(",".join(r) + "\n" for r in rows))
    return p


def test_dihedral_set_of_the_bridge_photo_matches_itself(pdq_ref, tmp_path):
    original = hash_file(pdq_ref / "images/dih/bridge-1-original.jpg").pdq
    bank = load_banks([bank_csv(tmp_path, [("pdq", original, "ref", "bridge")])])
    posts = [{"platform": "p", "post_id": f"post{i}", "account_id": "a1",
              "media": [{"media_id": name, "path": f"images/dih/{name}.jpg"}]} for i, name in enumerate(DIH)]
    ws = make_workspace(tmp_path / "plain", [{"platform": "p", "account_id": "a1"}], posts)
    run_media(ws, pdq_ref, bank, dihedral=False)
    plain = set(ws.read("media_matches").column("media_id").to_pylist())
    assert "bridge-1-original" in plain and len(plain) < 8  # rotations do not match without dihedral

    ws = make_workspace(tmp_path / "dih", [{"platform": "p", "account_id": "a1"}], posts)
    stats = run_media(ws, pdq_ref, bank, dihedral=True)
    m = ws.read("media_matches").to_pydict()
    assert set(m["media_id"]) == set(DIH)
    assert all(d <= 31 for d in m["distance"]) and stats["dihedral"]
    assert {t for mid, t in zip(m["media_id"], m["transform"]) if mid == "bridge-1-original"} == {"orig"}
    assert len({t for t in m["transform"]}) > 1


def test_media_matches_per_post_and_account(pdq_ref, tmp_path):
    h = hash_file(pdq_ref / "images/labelme-subset/q0122.jpg")
    other = hash_file(pdq_ref / "images/labelme-subset/q0291.jpg")
    bank = load_banks([bank_csv(tmp_path, [("pdq", h.pdq, "bank-x", "cat-1"), ("md5", other.md5, "bank-y", "cat-2")])])
    accounts = [{"platform": "p", "account_id": a} for a in ("a1", "a2", "a3")]
    posts = [
        {"platform": "p", "post_id": "1", "account_id": "a1", "media": [{"media_id": "m1", "path": "images/labelme-subset/q0122.jpg"}]},
        {"platform": "p", "post_id": "2", "account_id": "a2", "media": [{"media_id": "m2", "pdq": h.pdq[:-2] + "00"}]},  # hash only
        {"platform": "p", "post_id": "3", "account_id": "a2", "media": [{"media_id": "m3", "md5": other.md5}]},
        {"platform": "p", "post_id": "4", "account_id": "a3", "media": [{"media_id": "m4", "path": "images/labelme-subset/q0746.jpg"}]},
        {"platform": "p", "post_id": "5", "account_id": "a3", "media": [{"media_id": "m5", "path": "../../../etc/passwd"}]},
    ]
    ws = make_workspace(tmp_path, accounts, posts)
    stats = run_media(ws, pdq_ref, bank)
    m = ws.read("media_matches")
    assert m.schema.names[: len(schemas.MEDIA_MATCHES.names)] == schemas.MEDIA_MATCHES.names
    rows = {(r["post_id"], r["signal_type"]): r for r in m.to_pylist()}
    assert set(rows) == {("1", "pdq"), ("2", "pdq"), ("3", "md5")}
    assert rows[("1", "pdq")]["distance"] == 0 and rows[("1", "pdq")]["source"] == "file"
    assert rows[("2", "pdq")]["bank"] == "bank-x" and rows[("2", "pdq")]["source"] == "export"
    assert rows[("3", "md5")]["category"] == "cat-2"
    acc = {r["account_id"]: r for r in ws.read("media_accounts").to_pylist()}
    assert set(acc) == {"a1", "a2"} and acc["a2"]["n_posts"] == 2 and acc["a2"]["banks"] == ["bank-x", "bank-y"]
    assert "bank-x" in acc["a2"]["evidence"]
    problems = ws.read("media_problems").to_pylist()
    assert [p["post_id"] for p in problems] == ["5"] and "leaves the export folder" in problems[0]["reason"]
    assert stats["matches"] == 3


def test_low_quality_images_never_match(pdq_ref, tmp_path):
    h = hash_file(pdq_ref / "images/misc-images/small.jpg")
    assert h.quality < 50
    bank = load_banks([bank_csv(tmp_path, [("pdq", h.pdq, "b", "c")])])
    posts = [{"platform": "p", "post_id": "1", "account_id": "a1", "media": [{"media_id": "m", "path": "images/misc-images/small.jpg"}]}]
    ws = make_workspace(tmp_path, [{"platform": "p", "account_id": "a1"}], posts)
    stats = run_media(ws, pdq_ref, bank)
    assert ws.read("media_matches").num_rows == 0 and stats["low_quality_unmatched"] == 1


def test_bank_rejects_go_to_the_run_rejects_file(pdq_ref, tmp_path):
    p = tmp_path / "bank.csv"
    p.write_text("signal_type,signal,bank,category\npdq,nothex,b,c\n")
    bank = load_banks([p])
    ws = make_workspace(tmp_path, [{"platform": "p", "account_id": "a1"}], [])
    (tmp_path / "rejects.jsonl").write_text('{"file": "accounts.jsonl", "line": 9, "reason": "x"}\n')
    stats = run_media(ws, pdq_ref, bank)
    lines = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert stats["bank_rejects"] == 1 and lines[0]["line"] == 9
    assert lines[1]["file"] == str(p) and lines[1]["line"] == 2


def test_default_avatar_is_marked_shared(pdq_ref, tmp_path, monkeypatch):
    monkeypatch.setattr(prof, "SHARED_MIN_ACCOUNTS", 5)
    export = tmp_path / "export"
    (export / "media").mkdir(parents=True)
    shutil.copy(pdq_ref / "images/labelme-subset/q1050.jpg", export / "media/default.jpg")
    shutil.copy(pdq_ref / "images/labelme-subset/q2821.jpg", export / "media/own.jpg")
    avatar = hash_file(export / "media/default.jpg").pdq
    near_avatar = avatar[:-1] + ("0" if avatar[-1] != "0" else "1")  # a re-encoded copy: a few bits off
    accounts = [{"platform": "p", "account_id": f"d{i}", "profile_image": "media/default.jpg"} for i in range(4)]
    accounts += [{"platform": "q", "account_id": "e1", "profile_image_pdq": near_avatar}]
    accounts += [{"platform": "p", "account_id": "own1", "profile_image": "media/own.jpg"},
                 {"platform": "q", "account_id": "own2", "profile_image": "media/own.jpg"},
                 {"platform": "q", "account_id": "gone", "profile_image": "media/missing.jpg"},
                 {"platform": "q", "account_id": "none"}]
    ws = make_workspace(tmp_path, accounts, [])
    run_media(ws, export, load_banks([]))
    ph = {r["account_id"]: r for r in ws.read("profile_hashes").to_pylist()}
    assert set(ph) == {"d0", "d1", "d2", "d3", "e1", "own1", "own2"}
    assert all(ph[a]["is_shared"] and ph[a]["shared_count"] == 5 for a in ("d0", "d3", "e1"))
    assert ph["e1"]["source"] == "export" and ph["e1"]["quality"] is None
    assert ph["own1"]["shared_count"] == 2 and not ph["own1"]["is_shared"]  # one person's photo: identity
    assert ph["d0"]["source"] == "file" and ph["d0"]["quality"] >= 50 and ph["d0"]["path"] == "media/default.jpg"
    assert ph["e1"]["path"] is None
    problems = ws.read("media_problems").to_pylist()
    assert [p["account_id"] for p in problems] == ["gone"]


def test_shared_threshold_scales_with_the_export():
    assert prof.shared_threshold(500) == prof.SHARED_MIN_ACCOUNTS
    assert prof.shared_threshold(2_000_000) == 1_000


def test_neighbour_counts_large_mode_is_exact_around_repeated_pictures():
    import numpy as np

    from vigil.media.hashing import codes_to_hexes

    rng = np.random.default_rng(2)
    base = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    avatar = base[0].copy()
    variants = []
    for k in range(6):  # re-encoded copies of one avatar, a few bits apart
        bits = np.unpackbits(avatar)
        bits[rng.choice(256, 3 + k, replace=False)] ^= 1
        variants.append(np.packbits(bits))
    hexes = codes_to_hexes(base) + codes_to_hexes(np.array(variants)) * 5 + codes_to_hexes(base[:1]) * 10
    full = prof.neighbour_counts(hexes, full_search_max=10**9)
    fast = prof.neighbour_counts(hexes, full_search_max=10)
    assert full[0] == 1 + 30 + 10
    assert (fast == full).all()  # random singletons have no neighbours; the avatar cluster is exact


def test_hash_files_in_worker_processes_gives_the_same_hashes(pdq_ref, tmp_path, monkeypatch):
    from vigil.media import stage

    monkeypatch.setattr(stage, "POOL_MIN_FILES", 2)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really")
    files = [str(p) for p in sorted((pdq_ref / "images/labelme-subset").glob("*.jpg"))] + [str(bad)]
    pooled = stage.hash_files(files, workers=2)
    single = stage.hash_files(files, workers=1)
    assert pooled == single
    assert pooled[str(bad)][0] is None and "cannot hash image" in pooled[str(bad)][1]
